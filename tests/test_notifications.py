"""Notifications: the API decides when (lock, low balance), the bot delivers to Telegram.

The lock notice is checked through the API with a recording notifier, and delivered by the
bot's sender to a fake Telegram that answers one 429 first; the sender's waits go through an
injected sleep, so nothing here sleeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.notify import Notices, NotifierSlot
from bot import create_bot
from bot.config import BotConfig
from bot.notify import TelegramNotifier
from storage import Storage
from storage.models import AuthOutcome
from storage.notices import AccountLocked, KeyRefused, LowBalance, Notice
from storage.policy import LOCKED_UNTIL_UNBLOCKED
from tests.conftest import START, ApiHarness
from tests.fakes.telegram import FakeTelegram, serve_fake_telegram

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
LOCKED_TEXT = (
    "Your account <code>alice</code> is <b>locked</b>: 5 API requests in a row failed; the "
    "last one was refused because of a wrong API key.\n\n"
    "It unlocks by itself at 2027-01-15 08:30 UTC; an administrator can unblock it sooner. "
    "If the wrong keys were not yours, send /newkey once it is unlocked."
)


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


class FloodingTelegram(FakeTelegram):
    """Answers the first `floods` sendMessage calls with 429 and a retry_after, like Telegram."""

    def __init__(self, floods: int, retry_after: int) -> None:
        super().__init__()
        self.floods = floods
        self.retry_after = retry_after
        self.flooded = 0

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.append(self._flood)
        return app

    @web.middleware
    async def _flood(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.match_info.get("method", "").lower() == "sendmessage" and self.floods:
            self.floods -= 1
            self.flooded += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {self.retry_after}",
                "parameters": {"retry_after": self.retry_after},
            }
            return web.json_response(body, status=429)
        response: web.StreamResponse = await handler(request)
        return response


@pytest.fixture
async def recorded(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> tuple[TestClient[web.Request, web.Application], RecordingNotifier]:
    """The API app of the `api` harness, with a recording notifier and a 0.50 threshold."""
    recorder = RecordingNotifier()
    notices = Notices(recorder, api.storage.notices, 500_000)
    context = dataclasses.replace(api.context, notices=notices)
    return await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024)), recorder


async def wrong_key_calls(client: TestClient[web.Request, web.Application], times: int) -> None:
    for _ in range(times):
        body = {**BODY, "username": "alice", "key": "myapi-wrong"}
        response = await client.post("/v1/chat/completions", json=body)
        assert response.status in (401, 403)


async def test_the_fifth_wrong_key_call_notifies_the_lock_once(
    api: ApiHarness, recorded: tuple[TestClient[web.Request, web.Application], RecordingNotifier]
) -> None:
    client, recorder = recorded
    await api.register()
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    await wrong_key_calls(client, 4)
    assert recorder.notices == []
    await wrong_key_calls(client, 3)  # the 5th locks; the 6th and 7th meet the lock
    expected = AccountLocked(account.id, AuthOutcome.BAD_KEY, 5, START + 30 * 60)
    assert recorder.notices == [expected]


async def test_a_call_that_leaves_the_balance_low_warns(
    api: ApiHarness, recorded: tuple[TestClient[web.Request, web.Application], RecordingNotifier]
) -> None:
    client, recorder = recorded
    key = await api.register(credit=500_001)
    balances = []
    for _ in range(2):  # the first call crosses 0.50; the second stays below it
        body = {**BODY, "username": "alice", "key": key}
        response = await client.post("/v1/chat/completions", json=body)
        assert response.status == 200
        balances.append(int(response.headers["X-Myapi-Balance-Units"]))
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert balances[0] < 500_000
    assert recorder.notices == [LowBalance(account.id, balances[0], 500_000)]


async def test_low_balance_is_warned_once_per_crossing(storage: Storage) -> None:
    registration = await storage.accounts.register_telegram_user(7, "alice", 1_000_000, "en")
    account_id = registration.account.id
    recorder = RecordingNotifier()
    notices = Notices(recorder, storage.notices, 500_000)

    await notices.after_settlement(account_id, 1_000_000)  # above: nothing
    await storage.admin.credit("alice", -600_000, None, "test")
    await notices.after_settlement(account_id, 400_000)
    await notices.after_settlement(account_id, 400_000)  # still below: already warned
    await storage.admin.credit("alice", 50_000, None, "test")  # still below: stays warned
    await notices.after_settlement(account_id, 450_000)
    assert recorder.notices == [LowBalance(account_id, 400_000, 500_000)]

    await storage.admin.credit("alice", 100_000, None, "test")  # back to 0.55: re-armed
    await storage.admin.credit("alice", -200_000, None, "test")
    await notices.after_settlement(account_id, 350_000)
    assert recorder.notices[1:] == [LowBalance(account_id, 350_000, 500_000)]


async def test_no_threshold_means_no_warning(storage: Storage) -> None:
    registration = await storage.accounts.register_telegram_user(7, "alice", 0, "en")
    recorder = RecordingNotifier()
    notices = Notices(recorder, storage.notices, 0)
    await notices.after_settlement(registration.account.id, 0)
    assert recorder.notices == []


def test_the_slot_drops_notices_until_a_sender_is_attached() -> None:
    slot, recorder = NotifierSlot(), RecordingNotifier()
    notice = LowBalance(1, 0, 1)
    slot.notify(notice)
    slot.attach(recorder)
    slot.notify(notice)
    slot.detach()
    slot.notify(notice)
    assert recorder.notices == [notice]


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def flooding() -> AsyncIterator[tuple[FloodingTelegram, BotConfig]]:
    fake = FloodingTelegram(floods=1, retry_after=3)
    async with serve_fake_telegram(fake) as (_, api_base):
        config = BotConfig("123456:TEST-token", frozenset(), "https://x.test", "USD", 0, api_base)
        yield fake, config


async def test_the_bot_delivers_the_lock_notice_after_honouring_a_429(
    api: ApiHarness,
    aiohttp_client: AiohttpClient,
    flooding: tuple[FloodingTelegram, BotConfig],
) -> None:
    fake, config = flooding
    bot, sleeps = create_bot(config), Sleeps()
    sender = TelegramNotifier(bot, api.storage.notices, "USD", sleep=sleeps)
    context = dataclasses.replace(api.context, notices=Notices(sender))
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    try:
        await api.register(telegram_id=7)
        await wrong_key_calls(client, 5)
        assert fake.calls_to("sendMessage") == []  # queued, not sent by the request
        await sender.drain()
    finally:
        await bot.session.close()
    assert fake.flooded == 1
    assert sleeps.waits == [3]
    [sent] = fake.calls_to("sendMessage")
    assert sent.params["chat_id"] == 7
    assert sent.params["text"] == LOCKED_TEXT


async def test_a_lock_only_an_admin_lifts_says_so_in_russian(
    storage: Storage, flooding: tuple[FloodingTelegram, BotConfig]
) -> None:
    fake, config = flooding
    fake.floods = 0
    registration = await storage.accounts.register_telegram_user(8, "boris", 0, "ru")
    bot = create_bot(config)
    sender = TelegramNotifier(bot, storage.notices, "USD", sleep=Sleeps())
    notice = AccountLocked(
        registration.account.id, AuthOutcome.NO_FUNDS, 5, LOCKED_UNTIL_UNBLOCKED
    )
    try:
        assert await sender.deliver(notice)
    finally:
        await bot.session.close()
    [sent] = fake.calls_to("sendMessage")
    assert sent.params["chat_id"] == 8
    assert "недостаточно средств" in sent.params["text"]
    assert "только администратор" in sent.params["text"]


async def test_accounts_without_telegram_get_nothing(
    storage: Storage, flooding: tuple[FloodingTelegram, BotConfig]
) -> None:
    fake, config = flooding
    registration = await storage.admin.create_account("partner", 0, "cli")
    bot = create_bot(config)
    sender = TelegramNotifier(bot, storage.notices, "USD", sleep=Sleeps())
    try:
        assert not await sender.deliver(LowBalance(registration.account.id, 0, 1))
    finally:
        await bot.session.close()
    assert fake.calls == []


async def test_a_refused_provider_key_is_told_to_every_admin_in_their_language(
    storage: Storage, flooding: tuple[FloodingTelegram, BotConfig]
) -> None:
    fake, config = flooding
    fake.floods = 0
    await storage.accounts.register_telegram_user(41, "admin_ru", 0, "ru")
    bot = create_bot(config)
    sender = TelegramNotifier(
        bot, storage.notices, "USD", admins=frozenset({40, 41}), sleep=Sleeps()
    )
    notice = KeyRefused("openai", "eu", "sk-proj…a1b2", 401, START + 1800)
    try:
        assert await sender.deliver(notice)
    finally:
        await bot.session.close()
    english, russian = fake.calls_to("sendMessage")
    assert english.params["chat_id"] == 40  # no account: English
    assert english.params["text"] == (
        "The openai key <code>eu</code> (<code>sk-proj…a1b2</code>) was <b>refused</b> by the "
        "provider (HTTP 401). Calls use the provider's other keys and the catalog's fallbacks "
        "meanwhile; this key is tried again after 2027-01-15 08:30 UTC. Check it, or replace "
        "it and restart."
    )
    assert russian.params["chat_id"] == 41
    assert "отклонил" in russian.params["text"]


async def test_without_admins_a_refused_key_is_sent_to_nobody(
    storage: Storage, flooding: tuple[FloodingTelegram, BotConfig]
) -> None:
    fake, config = flooding
    bot = create_bot(config)
    sender = TelegramNotifier(bot, storage.notices, "USD", sleep=Sleeps())
    try:
        assert not await sender.deliver(KeyRefused("openai", "a", "sk-…", 403, START))
    finally:
        await bot.session.close()
    assert fake.calls == []
