"""No key, token or provider key ever reaches the log, at any level, in either format.

Once through the real process in each LOG_FORMAT (its log captured at LOG_LEVEL=DEBUG, the
bot polling a fake Telegram with its token, /metrics scraped with its token), once
in-process with every log record captured, as text and as JSON: registration,
calls with body credentials and with Bearer, wrong keys, and a provider error whose message
echoes the operator's key, as real providers' 401s do.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
import pytest

from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.telegram import serve_fake_telegram
from tests.fakes.upstream import FakeUpstream, serve
from tests.json_logs import captured_log
from tests.process import free_port, run_cli, running_service, service_env

BOT_TOKEN = "123456:secret-bot-token-never-logged"
PROCESS_OPERATOR_KEY = "sk-operator-key-never-logged-0123456789"
METRICS_TOKEN = "metrics-token-never-logged-0123456789"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def _scenario(client: httpx.AsyncClient, base_url: str, username: str, key: str) -> None:
    """Every path a secret travels: body credentials, Bearer, wrong keys, a provider error."""
    url = f"{base_url}/v1/chat/completions"
    bearer = {"Authorization": f"Bearer {key}"}
    assert (await client.post(url, json={**CHAT, "username": username, "key": key})).is_success
    assert (await client.post(url, json=CHAT, headers=bearer)).is_success
    wrong = {**CHAT, "username": username, "key": key[:-4] + "XXXX"}
    assert (await client.post(url, json=wrong)).status_code == 401
    unknown = {"Authorization": f"Bearer {key[::-1]}"}
    assert (await client.post(url, json=CHAT, headers=unknown)).status_code == 401
    assert (await client.get(f"{base_url}/v1/balance", headers=bearer)).is_success


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_the_service_log_holds_no_secret_at_debug_level(
    tmp_path: Path, log_format: str
) -> None:
    upstream = FakeUpstream()
    async with serve(upstream) as upstream_url, serve_fake_telegram() as (_, telegram_url):
        env = service_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'secrets.db'}",
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY=PROCESS_OPERATOR_KEY,
            BOT_TOKEN=BOT_TOKEN,
            TELEGRAM_API_BASE=telegram_url,
            LOG_LEVEL="DEBUG",
            LOG_FORMAT=log_format,
            METRICS_TOKEN=METRICS_TOKEN,
        )
        added = await run_cli(tmp_path, env, "users", "add", "ann", "--credit", "5")
        match = re.search(r"key: (\S+)", added)
        assert match, added
        key = match.group(1)
        async with running_service(tmp_path, env, port=free_port()) as service:
            async with httpx.AsyncClient() as client:
                await _scenario(client, service.base_url, "ann", key)
                upstream.fail_status = 401
                upstream.fail_message = f"Incorrect API key provided: {PROCESS_OPERATOR_KEY}."
                response = await client.post(
                    f"{service.base_url}/v1/chat/completions",
                    json=CHAT,
                    headers={"Authorization": f"Bearer {key}"},
                )
                assert response.status_code >= 400
                metrics = await client.get(
                    f"{service.base_url}/metrics",
                    headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                )
                assert metrics.status_code == 200
                assert key not in metrics.text
            service.process.terminate()
            assert await service.wait_exit() == 0
    log = service.log_path.read_text()
    assert "DEBUG" in log, "the log level was not DEBUG: the test proved little"
    for secret in (key, PROCESS_OPERATOR_KEY, BOT_TOKEN, BOT_TOKEN.split(":")[1], METRICS_TOKEN):
        assert secret not in log
    if log_format == "json":
        lines = [json.loads(line) for line in log.splitlines()]
        access = [line for line in lines if line["logger"] == "api.access"]
        assert len(access) >= 7, "an access line per request"
        assert {line["status"] for line in access} >= {200, 401}


async def test_no_log_record_holds_a_secret(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = await api.register()
    base_url = str(api.client.make_url("")).rstrip("/")
    with captured_log(alone=False) as json_log:
        failed = await _every_path_of_a_secret(api, base_url, key)
    assert OPERATOR_KEY not in failed.text  # redacted for the client too
    assert caplog.records, "nothing was logged: the capture is not working"
    assert json_log.access(), "no JSON access line: the capture is not working"
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for secret in (key, OPERATOR_KEY):
        assert secret not in logged
        assert secret not in json_log.text


async def _every_path_of_a_secret(api: ApiHarness, base_url: str, key: str) -> httpx.Response:
    """`_scenario`, then a provider error echoing the operator's key; returns that answer."""
    async with httpx.AsyncClient() as client:
        await _scenario(client, base_url, "alice", key)
        api.upstream.fail_status = 401
        api.upstream.fail_message = f"Incorrect API key provided: {OPERATOR_KEY}."
        bearer = {"Authorization": f"Bearer {key}"}
        url = f"{base_url}/v1/chat/completions"
        failed = await client.post(url, json=CHAT, headers=bearer)
        assert failed.status_code >= 400
    return failed
