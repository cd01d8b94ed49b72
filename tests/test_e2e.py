"""End to end: the real `python -m api` process, a fake Telegram and a fake upstream.

The whole seed loop as a user lives it: /start in the bot, the key read from the bot's
message, a call through the official `openai` package, the balance dropping by the exact
price, five wrong keys, the lock, an admin's /unblock, and a call that works again. The
process is stopped with SIGTERM and must exit cleanly. Beside it, the image library through
the same process: two images made over HTTP, the quota from the environment refusing a
third, and /images in the bot sending the stored bytes as an album.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from tests.fakes.telegram import FakeTelegram, serve_fake_telegram
from tests.fakes.upstream import FakeUpstream, serve
from tests.process import free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
USER_ID, ADMIN_ID = 1001, 999
KEY_PATTERN = re.compile(r"myapi-[A-Za-z0-9_\-]{40,}")


@dataclass
class Service:
    process: asyncio.subprocess.Process
    base_url: str
    telegram: FakeTelegram
    upstream: FakeUpstream
    log_path: Path


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    upstream = FakeUpstream(prompt_tokens=1000, completion_tokens=2000)
    async with serve(upstream) as upstream_url, serve_fake_telegram() as (telegram, tg_url):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
            "BOT_TOKEN": "123456:e2e-test-token",
            "TELEGRAM_API_BASE": tg_url,
            "ADMIN_IDS": str(ADMIN_ID),
            "API_PORT": str(port),
            "PUBLIC_BASE_URL": base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
            "OPENAI_BASE_URL": upstream_url,
            "OPENAI_API_KEY": "sk-e2e-operator",
            "TRIAL_CREDIT": "1.00",
            "IMAGE_QUOTA_IMAGES": "2",
        }
        log_path = tmp_path / "service.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "api", cwd=tmp_path, env=env, stdout=log, stderr=log
            )
        try:
            await wait_until_healthy(process, base_url)
            yield Service(process, base_url, telegram, upstream, log_path)
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])


async def bot_reply(service: Service, chat_id: int, text: str, username: str) -> str:
    before = len(service.telegram.calls_to("sendMessage"))
    update = service.telegram.make_message_update(chat_id, text, username=username)
    service.telegram.push_update(update)
    call = await service.telegram.wait_for_call(
        "sendMessage",
        lambda c: (
            c.params.get("chat_id") == chat_id
            and service.telegram.calls_to("sendMessage").index(c) >= before
        ),
        timeout=20,
    )
    return str(call.params["text"])


async def balance(service: Service, key: str) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{service.base_url}/v1/balance", headers={"Authorization": f"Bearer {key}"}
        )
    return int(response.json()["balance_units"])


async def chat_with_body_credentials(service: Service, username: str, key: str) -> int:
    body = {
        "username": username,
        "key": key,
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{service.base_url}/v1/chat/completions", json=body)
    return response.status_code


async def test_the_whole_seed_loop(service: Service) -> None:
    welcome = await bot_reply(service, USER_ID, "/start", "E2E_User")
    match = KEY_PATTERN.search(welcome)
    assert match, welcome
    key = match.group(0)
    assert "e2e_user" in welcome
    assert service.base_url in welcome
    # The service gives the bot the models it can call: OpenAI's and echo, not Anthropic's.
    models = await bot_reply(service, USER_ID, "/models", "E2E_User")
    assert "<code>gpt-4o-mini</code> · 0.15 USD per 1M input tokens" in models
    assert "claude" not in models

    async with openai.AsyncOpenAI(
        api_key=key, base_url=f"{service.base_url}/v1", max_retries=0
    ) as client:
        reply = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content == service.upstream.reply
    assert await balance(service, key) == 1_000_000 - 1350  # 1000 in + 2000 out tokens

    statuses = [await chat_with_body_credentials(service, "e2e_user", "bad") for _ in range(5)]
    assert statuses == [401] * 5
    assert await chat_with_body_credentials(service, "e2e_user", key) == 403

    unblocked = await bot_reply(service, ADMIN_ID, "/unblock e2e_user", "admin")
    assert "e2e_user" in unblocked
    assert await chat_with_body_credentials(service, "e2e_user", key) == 200
    assert await balance(service, key) == 1_000_000 - 2 * 1350

    service.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(service.process.wait(), timeout=30) == 0
    log = service.log_path.read_text()
    assert key not in log
    assert "e2e-test-token" not in log
    assert "sk-e2e-operator" not in log


async def test_the_image_library_through_the_api_and_the_bot(service: Service) -> None:
    welcome = await bot_reply(service, USER_ID, "/start", "E2E_User")
    match = KEY_PATTERN.search(welcome)
    assert match, welcome
    headers = {"Authorization": f"Bearer {match.group(0)}"}
    statuses, stored = [], []
    async with httpx.AsyncClient(base_url=service.base_url, headers=headers) as client:
        for name in ("Dawn", "Dusk", "Night"):
            fields = {"name": name, "description": f"a harbour at {name}", "resolution": "256x256"}
            response = await client.post("/api/v1/images", data=fields)
            statuses.append(response.status_code)
            if response.status_code == 201:
                content = await client.get(response.json()["data"]["url"])
                stored.append(content.content)
    assert statuses == [201, 201, 409]  # IMAGE_QUOTA_IMAGES=2 from the environment

    service.telegram.push_update(service.telegram.make_message_update(USER_ID, "/images"))
    album = await service.telegram.wait_for_call("sendMediaGroup", timeout=20)
    assert album.params["chat_id"] in (USER_ID, str(USER_ID))
    photos = service.telegram.sent_photos
    assert [photo.data for photo in photos] == stored[::-1]  # newest first
    assert [(photo.caption or "").splitlines()[0] for photo in photos] == ["Dusk", "Dawn"]
