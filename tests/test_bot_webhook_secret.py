"""Webhook mode never handles an update without the secret, even when none is configured.

The attack this pins: with no WEBHOOK_SECRET, three forged POSTs (a /start, a
successful_payment of a million Stars, an admin's /credit) minted money. Now the secret is
derived from the token when unset, told to Telegram, and checked on every POST; these tests
run the real composition root (`create_service`) against the fake Bot API server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from api.service import create_service
from api.settings import Settings
from bot import mount_webhook, webhook_lifecycle
from bot.config import derive_webhook_secret
from storage import AccessPolicy, open_storage
from tests.bot_harness import open_bot_harness
from tests.conftest import FakeClock
from tests.fakes.telegram import FakeTelegram, serve_fake_telegram, successful_payment_update

TOKEN = "123456:TEST-webhook-token"
WEBHOOK_URL = "https://bot.example.test/telegram/webhook"
WEBHOOK_PATH = "/telegram/webhook"
ADMIN = 900
ATTACKER = 42
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Served:
    client: TestClient[web.Request, web.Application]
    fake: FakeTelegram
    database_url: str


@asynccontextmanager
async def webhook_service(tmp_path: Path, **extra: Any) -> AsyncIterator[Served]:
    """The whole service in webhook mode, as `python -m api` composes it."""
    database_url = f"sqlite:///{tmp_path / 'hook.db'}"
    async with serve_fake_telegram() as (fake, api_base):
        settings = Settings(
            _env_file=None,  # the test's values only, never a developer's .env
            bot_token=TOKEN,
            bot_mode="webhook",
            webhook_url=WEBHOOK_URL,
            telegram_api_base=api_base,
            admin_ids=frozenset({ADMIN}),
            database_url=database_url,
            retention_jobs=False,
            **extra,
        )
        app = create_service(settings, FakeClock())
        async with TestClient(TestServer(app)) as client:
            yield Served(client, fake, database_url)


def forged_updates() -> list[dict[str, Any]]:
    """The three POSTs of the report: register, pay a million Stars, credit as an admin."""
    fake = FakeTelegram()
    return [
        fake.make_message_update(ATTACKER, "/start", "mallory"),
        successful_payment_update(2, 2, ATTACKER, "topup:1:1000000", 1_000_000, "forged"),
        fake.make_message_update(ADMIN, "/credit mallory 18000"),
    ]


async def money_and_accounts(database_url: str) -> tuple[int, int, int]:
    """(accounts, ledger rows, payments): what a forged update would have changed."""
    storage = await open_storage(database_url, AccessPolicy(), FakeClock())
    try:
        row = await storage.database.fetch_one(
            """SELECT (SELECT COUNT(*) FROM accounts) AS accounts,
                      (SELECT COUNT(*) FROM ledger) AS ledger,
                      (SELECT COUNT(*) FROM payments) AS payments"""
        )
    finally:
        await storage.close()
    assert row is not None
    return int(row["accounts"]), int(row["ledger"]), int(row["payments"])


def test_the_derived_secret_is_stable_in_telegrams_alphabet_and_hides_the_token() -> None:
    secret = derive_webhook_secret(TOKEN)
    assert secret == derive_webhook_secret(TOKEN)  # every replica agrees
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)
    assert secret != derive_webhook_secret("123456:another-token")
    assert "TEST-webhook-token" not in secret


async def test_without_webhook_secret_telegram_is_told_the_derived_one(tmp_path: Path) -> None:
    async with webhook_service(tmp_path) as served:
        call = await served.fake.wait_for_call("setWebhook")
    assert call.params["secret_token"] == derive_webhook_secret(TOKEN)


@pytest.mark.parametrize("headers", [{}, {HEADER: "guess"}, {HEADER: ""}])
async def test_forged_updates_are_refused_and_change_nothing(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    async with webhook_service(tmp_path) as served:
        statuses = [
            (await served.client.post(WEBHOOK_PATH, json=update, headers=headers)).status
            for update in forged_updates()
        ]
        assert await money_and_accounts(served.database_url) == (0, 0, 0)
        assert served.fake.calls_to("sendMessage") == []
    assert statuses == [401, 401, 401]


async def test_an_update_with_the_derived_secret_is_handled(tmp_path: Path) -> None:
    async with webhook_service(tmp_path) as served:
        update = forged_updates()[0]
        headers = {HEADER: derive_webhook_secret(TOKEN)}
        response = await served.client.post(WEBHOOK_PATH, json=update, headers=headers)
        reply = await served.fake.wait_for_call("sendMessage")
        accounts, _, _ = await money_and_accounts(served.database_url)
    assert response.status == 200
    assert "<code>mallory</code>" in reply.params["text"]
    assert accounts == 1


async def test_a_configured_secret_is_used_instead_of_the_derived_one(tmp_path: Path) -> None:
    async with webhook_service(tmp_path, webhook_secret="operator_chosen-1") as served:
        derived = {HEADER: derive_webhook_secret(TOKEN)}
        refused = await served.client.post(WEBHOOK_PATH, json=forged_updates()[0], headers=derived)
        call = await served.fake.wait_for_call("setWebhook")
    assert call.params["secret_token"] == "operator_chosen-1"
    assert refused.status == 401


async def test_no_webhook_is_mounted_or_set_with_an_empty_secret(tmp_path: Path) -> None:
    async with open_bot_harness(f"sqlite:///{tmp_path / 't.db'}", FakeClock()) as parts:
        with pytest.raises(ValueError, match="secret"):
            mount_webhook(web.Application(), parts.dispatcher, parts.bot, WEBHOOK_PATH, "")
        with pytest.raises(ValueError, match="secret"):
            async with webhook_lifecycle(parts.bot, parts.dispatcher, WEBHOOK_URL, ""):
                pytest.fail("a webhook without a secret must not be set")
        assert parts.fake.calls_to("setWebhook") == []


def test_a_webhook_secret_telegram_would_refuse_is_rejected_without_echoing_it() -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET") as raised:
        Settings(_env_file=None, webhook_secret="not allowed: spaces")
    assert "not allowed" not in str(raised.value)
