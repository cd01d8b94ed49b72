"""The Telegram notifier while the database is away: it keeps running and still tells the
admins, since that is when they most need to hear (real PostgreSQL behind a TCP proxy the
test cuts; fake Telegram server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot import create_bot
from bot.config import BotConfig
from bot.notify import TelegramNotifier, running
from storage import AccessPolicy, Storage, open_storage
from storage.models import AuthOutcome
from storage.notices import AccountLocked, KeyRefused, LowBalance
from tests.conftest import START, FakeClock
from tests.fakes.telegram import FakeTelegram, serve_fake_telegram
from tests.outages import TIMEOUTS
from tests.tcp_proxy import TcpProxy, proxied

ADMIN = 41


@pytest.fixture
async def proxy_and_storage(
    postgres_url: str, clock: FakeClock
) -> AsyncIterator[tuple[TcpProxy, Storage]]:
    async with proxied(postgres_url) as (proxy, url):
        opened = await open_storage(url, AccessPolicy(), clock, timeouts=TIMEOUTS)
        try:
            yield proxy, opened
        finally:
            proxy.restore()
            await opened.close()


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, BotConfig]]:
    async with serve_fake_telegram() as (fake, api_base):
        yield (
            fake,
            BotConfig("123456:TEST-token", frozenset(), "https://x.test", "USD", 0, api_base),
        )


async def no_wait(_: float) -> None:
    """The sender's pace, skipped: these tests wait for what was sent, not for time."""


async def sent_count(fake: FakeTelegram, count: int) -> None:
    for _ in range(500):
        if len(fake.calls_to("sendMessage")) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(fake.calls_to('sendMessage'))} messages sent, not {count}")


async def test_an_admin_is_told_in_english_while_the_database_is_away(
    proxy_and_storage: tuple[TcpProxy, Storage], telegram: tuple[FakeTelegram, BotConfig]
) -> None:
    (proxy, storage), (fake, config) = proxy_and_storage, telegram
    await storage.accounts.register_telegram_user(ADMIN, "admin_ru", 0, "ru")
    bot = create_bot(config)
    sender = TelegramNotifier(bot, storage.notices, "USD", admins=frozenset({ADMIN}))
    try:
        proxy.cut()  # the admin's language cannot be read now
        delivered = await sender.deliver(KeyRefused("openai", "eu", "sk-…", 401, START))
    finally:
        await bot.session.close()
    assert delivered
    [sent] = fake.calls_to("sendMessage")
    assert sent.params["chat_id"] == ADMIN
    assert "was <b>refused</b>" in sent.params["text"]  # English, not the admin's Russian


async def test_a_notice_that_meets_an_outage_is_sent_once_the_database_is_back(
    proxy_and_storage: tuple[TcpProxy, Storage], telegram: tuple[FakeTelegram, BotConfig]
) -> None:
    (proxy, storage), (fake, config) = proxy_and_storage, telegram
    registration = await storage.accounts.register_telegram_user(7, "alice", 0, "en")
    account = registration.account.id
    bot = create_bot(config)
    sender = TelegramNotifier(
        bot, storage.notices, "USD", sleep=no_wait, outage_retry_seconds=0.05
    )
    try:
        async with running(sender):
            proxy.cut()
            sender.notify(AccountLocked(account, AuthOutcome.BAD_KEY, 5, START + 1800))
            await waiting(sender, 1)  # its chat cannot be read: it waits, the sender runs
            assert fake.calls_to("sendMessage") == []
            proxy.restore()
            await sent_count(fake, 1)
            assert sender.waiting_for_database == 0
            sender.notify(LowBalance(account, 1, 2))  # and every later notice goes out too
            await sent_count(fake, 2)
    finally:
        await bot.session.close()
    first, second = fake.calls_to("sendMessage")
    assert (first.params["chat_id"], second.params["chat_id"]) == (7, 7)
    assert "<b>locked</b>" in first.params["text"]


async def waiting(sender: TelegramNotifier, count: int) -> None:
    for _ in range(500):
        if sender.waiting_for_database == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{sender.waiting_for_database} notices wait, not {count}")
