"""/balance, /help, /unblock and failures through the production dispatcher.

Same set-up as test_bot_start: real Update objects, real SQLite storage, and the bot's
replies recorded by the fake Telegram server over loopback HTTP.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot import create_bot, create_dispatcher
from bot.config import BotConfig
from bot.texts import ENGLISH, RUSSIAN
from storage import AccessPolicy, AccountStore, Storage, open_storage
from storage.models import Account, AuthOutcome
from tests.fakes.telegram import Call, FakeTelegram, message_update, serve_fake_telegram

ADMIN = 1
BASE_URL = "https://api.example.test"
START = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@dataclass
class Clock:
    now: int = START

    def __call__(self) -> int:
        return self.now


@dataclass
class BotUnderTest:
    """The production dispatcher wired to real storage and a bot talking to the fake."""

    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    storage: Storage
    clock: Clock
    config: BotConfig
    last_id: int = 0

    @property
    def accounts(self) -> AccountStore:
        return self.storage.accounts

    async def send(self, user_id: int, text: str, **user: Any) -> str:
        """Feed one message update; return the text of the single reply it caused."""
        self.last_id += 1
        raw = message_update(self.last_id, self.last_id, user_id, text, **user)
        before = len(self.fake.calls_to("sendMessage"))
        await self.dispatcher.feed_update(
            self.bot, Update.model_validate(raw, context={"bot": self.bot})
        )
        replies: list[Call] = self.fake.calls_to("sendMessage")[before:]
        assert len(replies) == 1, f"expected one reply, got {replies}"
        assert replies[0].params["chat_id"] == user_id
        return str(replies[0].params["text"])

    async def register(self, user_id: int, username: str) -> str:
        """Register through /start and return the key it showed."""
        text = await self.send(user_id, "/start", username=username)
        match = re.search(r"<code>(myapi-[^<]+)</code>", text)
        assert match is not None
        return match.group(1)

    async def lock(self, username: str) -> None:
        for _ in range(self.accounts.policy.lock_strikes):
            await self.accounts.authorize(username, "wrong", 1)

    async def account(self, username: str) -> Account:
        account = await self.accounts.by_username(username)
        assert account is not None
        return account


@pytest.fixture
async def tested(tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    clock = Clock()
    storage = await open_storage(f"sqlite:///{tmp_path}/t.db", AccessPolicy(), clock)
    try:
        async with serve_fake_telegram() as (fake, api_base):
            config = BotConfig(
                token="123456:TEST-token",
                admin_ids=frozenset({ADMIN}),
                public_base_url=BASE_URL,
                currency="USD",
                trial_credit=1_500_000,
                telegram_api_base=api_base,
            )
            bot = create_bot(config)
            dispatcher = create_dispatcher(storage, config, clock=clock)
            try:
                yield BotUnderTest(fake, bot, dispatcher, storage, clock, config)
            finally:
                await bot.session.close()
    finally:
        await storage.close()


async def test_balance_shows_money_strikes_and_state(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    text = await tested.send(42, "/balance")
    assert "Balance: <b>1.50 USD</b>" in text
    assert "Failed attempts in a row: 0 of 5" in text
    assert ENGLISH.status_active in text


async def test_balance_shows_what_is_held(tested: BotUnderTest) -> None:
    key = await tested.register(42, "alice")
    held = await tested.accounts.authorize("alice", key, 250_000)
    assert held.outcome is AuthOutcome.OK
    text = await tested.send(42, "/balance")
    assert "Held for requests in progress: 0.25 USD (available: 1.25 USD)" in text


async def test_balance_of_unregistered_user_points_to_start(tested: BotUnderTest) -> None:
    assert await tested.send(42, "/balance") == ENGLISH.not_registered


async def test_balance_of_locked_user_says_until_when(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    text = await tested.send(42, "/balance")
    assert "Failed attempts in a row: 5 of 5" in text
    assert "Status: <b>locked</b> until 2023-11-14 22:43 UTC" in text


async def test_balance_after_lock_expiry_shows_active(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    tested.clock.now = START + 30 * 60
    text = await tested.send(42, "/balance")
    assert "Failed attempts in a row: 0 of 5" in text
    assert ENGLISH.status_active in text


async def test_balance_in_russian(tested: BotUnderTest) -> None:
    text = await tested.send(42, "/balance", language_code="ru")
    assert text == RUSSIAN.not_registered


async def test_help_lists_the_commands_and_the_api_address(tested: BotUnderTest) -> None:
    text = await tested.send(42, "/help")
    for command in ("/start", "/balance", "/help"):
        assert command in text
    assert f"<code>{BASE_URL}</code>" in text


async def test_admin_unblock_clears_strikes_and_lock(tested: BotUnderTest) -> None:
    key = await tested.register(42, "alice")
    await tested.lock("alice")
    text = await tested.send(ADMIN, "/unblock alice")
    assert text == ENGLISH.unblock_done.format(username="alice")
    account = await tested.account("alice")
    assert (account.strikes, account.locked_until) == (0, None)
    assert (await tested.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


async def test_admin_unblock_is_recorded_with_its_actor(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    await tested.send(ADMIN, "/unblock alice")
    history = await tested.storage.admin.history("alice")
    assert [(action.actor, action.action) for action in history] == [("telegram:1", "unblock")]


async def test_admin_unblock_accepts_at_sign_and_any_case(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    await tested.send(ADMIN, "/unblock @Alice")
    assert not (await tested.account("alice")).is_locked(tested.clock())


async def test_unblock_by_non_admin_is_refused_and_changes_nothing(tested: BotUnderTest) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    before = await tested.account("alice")
    text = await tested.send(42, "/unblock alice")
    assert text == ENGLISH.unblock_not_admin
    assert await tested.account("alice") == before


async def test_unblock_of_unknown_user_says_so(tested: BotUnderTest) -> None:
    text = await tested.send(ADMIN, "/unblock nobody")
    assert text == ENGLISH.unblock_unknown.format(username="nobody")


async def test_unblock_argument_is_html_escaped(tested: BotUnderTest) -> None:
    text = await tested.send(ADMIN, "/unblock <b>x</b>")
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in text


async def test_unblock_without_argument_shows_usage(tested: BotUnderTest) -> None:
    assert await tested.send(ADMIN, "/unblock") == ENGLISH.unblock_usage


async def test_unknown_message_points_to_help(tested: BotUnderTest) -> None:
    assert await tested.send(42, "what is this?") == ENGLISH.unknown_command


async def test_storage_failure_is_logged_and_apologised_for(
    tested: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await tested.storage.close()
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        text = await tested.send(42, "/balance")
    assert text == ENGLISH.internal_error
    assert any(record.exc_info for record in caplog.records if record.name == "bot.handlers")
