"""/balance, /help, /unblock and failures through the production dispatcher.

Same set-up as test_bot_start: real Update objects, real SQLite storage, and the bot's
replies recorded by the fake Telegram server over loopback HTTP.
"""

from __future__ import annotations

import logging

import pytest

from bot.texts import ENGLISH, RUSSIAN
from storage.models import AuthOutcome
from tests.bot_harness import ADMIN_ID as ADMIN
from tests.bot_harness import BASE_URL, BotHarness
from tests.conftest import FakeClock

START = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


async def test_balance_shows_money_strikes_and_state(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    text = await tested.reply(42, "/balance")
    assert "Balance: <b>1.50 USD</b>" in text
    assert "Failed attempts in a row: 0 of 5" in text
    assert ENGLISH.status_active in text


async def test_balance_shows_what_is_held(tested: BotHarness) -> None:
    key = await tested.register(42, "alice")
    held = await tested.accounts.authorize("alice", key, 250_000)
    assert held.outcome is AuthOutcome.OK
    text = await tested.reply(42, "/balance")
    assert "Held for requests in progress: 0.25 USD (available: 1.25 USD)" in text


async def test_balance_of_unregistered_user_points_to_start(tested: BotHarness) -> None:
    assert await tested.reply(42, "/balance") == ENGLISH.not_registered


async def test_balance_of_locked_user_says_until_when(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    text = await tested.reply(42, "/balance")
    assert "Failed attempts in a row: 5 of 5" in text
    assert "Status: <b>locked</b> until 2023-11-14 22:43 UTC" in text


async def test_balance_after_lock_expiry_shows_active(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    tested.clock.now = START + 30 * 60
    text = await tested.reply(42, "/balance")
    assert "Failed attempts in a row: 0 of 5" in text
    assert ENGLISH.status_active in text


async def test_balance_in_russian(tested: BotHarness) -> None:
    text = await tested.reply(42, "/balance", language_code="ru")
    assert text == RUSSIAN.not_registered


async def test_help_lists_the_commands_and_the_api_address(tested: BotHarness) -> None:
    text = await tested.reply(42, "/help")
    for command in ("/start", "/balance", "/help"):
        assert command in text
    assert f"<code>{BASE_URL}</code>" in text


async def test_admin_unblock_clears_strikes_and_lock(tested: BotHarness) -> None:
    key = await tested.register(42, "alice")
    await tested.lock("alice")
    text = await tested.reply(ADMIN, "/unblock alice")
    assert text == ENGLISH.unblock_done.format(username="alice")
    account = await tested.account("alice")
    assert (account.strikes, account.locked_until) == (0, None)
    assert (await tested.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


async def test_admin_unblock_is_recorded_with_its_actor(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    await tested.reply(ADMIN, "/unblock alice")
    history = await tested.storage.admin.history("alice")
    assert [(action.actor, action.action) for action in history] == [("telegram:1", "unblock")]


async def test_admin_unblock_accepts_at_sign_and_any_case(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    await tested.reply(ADMIN, "/unblock @Alice")
    assert not (await tested.account("alice")).is_locked(tested.clock())


async def test_unblock_by_non_admin_is_refused_and_changes_nothing(tested: BotHarness) -> None:
    await tested.register(42, "alice")
    await tested.lock("alice")
    before = await tested.account("alice")
    text = await tested.reply(42, "/unblock alice")
    assert text == ENGLISH.unblock_not_admin
    assert await tested.account("alice") == before


async def test_unblock_of_unknown_user_says_so(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/unblock nobody")
    assert text == ENGLISH.unblock_unknown.format(username="nobody")


async def test_unblock_argument_is_html_escaped(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/unblock <b>x</b>")
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in text


async def test_unblock_without_argument_shows_usage(tested: BotHarness) -> None:
    assert await tested.reply(ADMIN, "/unblock") == ENGLISH.unblock_usage


async def test_unknown_message_points_to_help(tested: BotHarness) -> None:
    assert await tested.reply(42, "what is this?") == ENGLISH.unknown_command


async def test_storage_failure_is_logged_and_apologised_for(
    tested: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await tested.storage.close()
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        text = await tested.reply(42, "/balance")
    assert text == ENGLISH.internal_error
    assert any(record.exc_info for record in caplog.records if record.name == "bot.handlers")
