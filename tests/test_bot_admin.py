"""The operator's console (/block, /credit, /user, /stats) through the production dispatcher.

Real Update objects, real SQLite storage, the bot's calls recorded by the fake Telegram; the
clock is the harness's (2027-01-15 08:00 UTC), moved to put calls at known times.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.texts import ENGLISH, RUSSIAN
from storage.models import Account, AuthOutcome
from tests.bot_harness import ADMIN_ID as ADMIN
from tests.bot_harness import BotHarness
from tests.calls import record_call
from tests.conftest import START
from tests.fakes.telegram import Call, message_update

DAY = 24 * 3600
ALICE = 42
STRANGER = 77


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


async def sent(tested: BotHarness, user_id: int, text: str, **user: Any) -> list[Call]:
    """Every sendMessage one message caused (a /block also writes to the blocked user)."""
    before = len(tested.fake.calls_to("sendMessage"))
    update_id = tested.next_id()
    await tested.feed(message_update(update_id, update_id, user_id, text, **user))
    return tested.fake.calls_to("sendMessage")[before:]


async def spend(tested: BotHarness, username: str, at: int, cost: int) -> None:
    """One finished call of `username` at epoch second `at`, charged `cost` units."""
    account = await tested.account(username)
    tested.clock.now = at
    await record_call(tested.accounts, account.id, cost, request_id=f"r{at}")


async def alice_with_history(tested: BotHarness) -> Account:
    """alice: registered 30 days ago with 1.50, seen at 07:00 today, spent 0.05 twenty days
    ago, 0.10 three days ago and 0.25 now (08:00)."""
    tested.clock.now = START - 30 * DAY
    key = await tested.register(ALICE, "alice")
    await spend(tested, "alice", START - 20 * DAY, 50_000)
    await spend(tested, "alice", START - 3 * DAY, 100_000)
    tested.clock.now = START - 3600
    assert (await tested.accounts.authorize("alice", key, 0)).outcome is AuthOutcome.OK
    await spend(tested, "alice", START, 250_000)
    return await tested.account("alice")


# --- who may use the console ----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["/block alice", "/credit alice 5", "/credit alice -1", "/user alice", "/stats"],
)
async def test_non_admin_is_refused_and_nothing_changes(tested: BotHarness, command: str) -> None:
    await tested.register(ALICE, "alice")
    before = await tested.account("alice")
    assert await tested.reply(STRANGER, command) == ENGLISH.admin_only
    assert await tested.account("alice") == before
    assert await tested.storage.admin.history("alice") == []


async def test_a_user_cannot_block_or_credit_themselves(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    assert await tested.reply(ALICE, "/credit alice 100") == ENGLISH.admin_only
    assert (await tested.account("alice")).balance == 1_500_000


async def test_refusal_is_in_the_senders_language(tested: BotHarness) -> None:
    assert await tested.reply(STRANGER, "/stats", language_code="ru") == RUSSIAN.admin_only


async def test_admin_commands_in_a_group_ask_for_a_private_chat(tested: BotHarness) -> None:
    [call] = await sent(tested, ADMIN, "/stats", chat_type="supergroup")
    assert call.params["text"] == ENGLISH.private_only


# --- /block -----------------------------------------------------------------------------------


async def test_block_locks_until_unblocked_and_tells_the_user(tested: BotHarness) -> None:
    key = await tested.register(ALICE, "alice")
    to_alice, to_admin = await sent(tested, ADMIN, "/block alice spam & abuse")
    assert to_alice.params["chat_id"] == ALICE
    assert to_alice.params["text"] == (
        ENGLISH.blocked_notice.format(username="alice")
        + "\n\n"
        + ENGLISH.blocked_reason.format(reason="spam &amp; abuse")
    )
    assert to_admin.params["chat_id"] == ADMIN
    assert to_admin.params["text"] == (
        ENGLISH.block_done.format(username="alice") + "\n" + ENGLISH.block_notified
    )
    assert (await tested.account("alice")).locked_until_unblocked
    assert (await tested.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.LOCKED


async def test_block_is_recorded_with_the_admin_and_the_reason(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    await sent(tested, ADMIN, "/block @Alice spam")
    [action] = await tested.storage.admin.history("alice")
    assert (action.actor, action.action, action.detail) == ("telegram:1", "block", "spam")
    assert action.created_at == START


async def test_blocked_user_is_told_in_their_language(tested: BotHarness) -> None:
    await tested.reply(ALICE, "/start", username="alice", language_code="ru")
    to_alice, _ = await sent(tested, ADMIN, "/block alice")
    assert to_alice.params["text"] == RUSSIAN.blocked_notice.format(username="alice")


async def test_block_of_an_account_without_telegram_says_nobody_was_told(
    tested: BotHarness,
) -> None:
    await tested.storage.admin.create_account("partner", 0, actor="cli")
    [to_admin] = await sent(tested, ADMIN, "/block partner")
    assert to_admin.params["text"] == (
        ENGLISH.block_done.format(username="partner") + "\n" + ENGLISH.block_not_notified
    )
    assert (await tested.account("partner")).locked_until_unblocked


async def test_unblock_after_block_restores_the_key(tested: BotHarness) -> None:
    key = await tested.register(ALICE, "alice")
    await sent(tested, ADMIN, "/block alice")
    await tested.reply(ADMIN, "/unblock alice")
    assert (await tested.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK
    actions = [a.action for a in await tested.storage.admin.history("alice")]
    assert actions == ["block", "unblock"]


async def test_block_without_username_shows_usage(tested: BotHarness) -> None:
    assert await tested.reply(ADMIN, "/block") == ENGLISH.block_usage


async def test_block_of_unknown_user_is_escaped_and_says_so(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/block <b>x</b>")
    assert text == ENGLISH.account_unknown.format(username="&lt;b&gt;x&lt;/b&gt;")


# --- /credit ----------------------------------------------------------------------------------


async def test_credit_adds_money_and_shows_the_new_balance(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    text = await tested.reply(ADMIN, "/credit alice 2.5 bonus for the bug report")
    assert text == ENGLISH.credit_done.format(
        username="alice", amount="+2.50 USD", balance="4.00 USD"
    )
    account = await tested.account("alice")
    assert account.balance == 4_000_000
    assert await tested.accounts.ledger_total(account.id) == 4_000_000


async def test_credit_writes_a_ledger_row_and_a_record_with_the_admin(
    tested: BotHarness,
) -> None:
    await tested.register(ALICE, "alice")
    await tested.reply(ADMIN, "/credit alice -0.000001 rounding")
    rows = await tested.storage.database.fetch_all(
        "SELECT kind, amount, actor, note FROM ledger WHERE kind = 'adjust'"
    )
    assert [dict(row) for row in rows] == [
        {"kind": "adjust", "amount": -1, "actor": "telegram:1", "note": "rounding"}
    ]
    [action] = await tested.storage.admin.history("alice")
    assert (action.actor, action.action, action.detail) == ("telegram:1", "credit", "-1 rounding")


async def test_credit_may_take_the_balance_to_exactly_zero(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    text = await tested.reply(ADMIN, "/credit alice -1.5")
    assert text == ENGLISH.credit_done.format(
        username="alice", amount="-1.50 USD", balance="0.00 USD"
    )


async def test_credit_never_takes_the_balance_below_zero(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    text = await tested.reply(ADMIN, "/credit alice -1.500001")
    assert text == ENGLISH.credit_below_zero.format(
        username="alice", balance="1.50 USD", held="0.00 USD", amount="-1.500001 USD"
    )
    assert (await tested.account("alice")).balance == 1_500_000
    assert await tested.storage.admin.history("alice") == []


async def test_credit_cannot_take_money_a_running_call_holds(tested: BotHarness) -> None:
    key = await tested.register(ALICE, "alice")
    auth = await tested.accounts.authorize("alice", key, hold=500_000, request_id="r-1")
    assert auth.outcome is AuthOutcome.OK
    text = await tested.reply(ADMIN, "/credit alice -1.000001")
    assert text == ENGLISH.credit_below_zero.format(
        username="alice", balance="1.50 USD", held="0.50 USD", amount="-1.000001 USD"
    )
    account = await tested.account("alice")
    assert (account.balance, account.reserved) == (1_500_000, 500_000)
    assert await tested.storage.admin.history("alice") == []
    text = await tested.reply(ADMIN, "/credit alice -1")
    assert text == ENGLISH.credit_done.format(
        username="alice", amount="-1.00 USD", balance="0.50 USD"
    )


@pytest.mark.parametrize(
    "args",
    [
        "",
        "alice",
        "alice abc",
        "alice NaN",
        "alice -Infinity",
        "alice inf",
        "alice 1.0000001",
        "alice 0",
        "alice 0.000",
        "alice 1e12",
        "alice 1,5",
    ],
)
async def test_credit_with_a_bad_amount_shows_usage_and_changes_nothing(
    tested: BotHarness, args: str
) -> None:
    await tested.register(ALICE, "alice")
    text = await tested.reply(ADMIN, f"/credit {args}".strip())
    assert text == ENGLISH.credit_usage.format(currency="USD")
    assert (await tested.account("alice")).balance == 1_500_000
    assert await tested.storage.admin.history("alice") == []


async def test_credit_of_unknown_user_says_so(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/credit nobody 1")
    assert text == ENGLISH.account_unknown.format(username="nobody")


async def test_credit_in_russian(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    text = await tested.reply(ADMIN, "/credit alice 1", language_code="ru")
    assert text == RUSSIAN.credit_done.format(
        username="alice", amount="+1.00 USD", balance="2.50 USD"
    )
    assert await tested.reply(ADMIN, "/credit", language_code="ru") == (
        RUSSIAN.credit_usage.format(currency="USD")
    )


# --- /user ------------------------------------------------------------------------------------


async def test_user_shows_the_account_and_its_spend(tested: BotHarness) -> None:
    alice = await alice_with_history(tested)
    assert await tested.reply(ADMIN, "/user alice") == "\n".join(
        [
            "<b>Account</b> <code>alice</code>",
            "Telegram id: <code>42</code>",
            "Balance: <b>1.10 USD</b>, held for calls in progress: 0.00 USD",
            "Failed attempts in a row: 0 of 5",
            "Status: active",
            f"Key starts with <code>{alice.key_prefix}</code>",
            "Registered: 2026-12-16 08:00 UTC",
            "Last seen: 2027-01-15 07:00 UTC",
            "Spent (UTC days): today 0.25 USD, last 7 days 0.35 USD, all time 0.40 USD",
        ]
    )


async def test_user_shows_strikes_lock_and_a_cli_account(tested: BotHarness) -> None:
    await tested.storage.admin.create_account("partner", 0, actor="cli")
    await tested.lock("partner")
    text = await tested.reply(ADMIN, "/user partner")
    assert "Telegram: none (created from the command line)" in text
    assert "Failed attempts in a row: 5 of 5" in text
    assert "Status: <b>locked</b> until 2027-01-15 08:30 UTC" in text
    assert "Last seen: never" in text
    assert "today 0.00 USD, last 7 days 0.00 USD, all time 0.00 USD" in text


async def test_user_changes_nothing_and_records_nothing(tested: BotHarness) -> None:
    await tested.register(ALICE, "alice")
    before = await tested.account("alice")
    await tested.reply(ADMIN, "/user alice")
    assert await tested.account("alice") == before
    assert await tested.storage.admin.history("alice") == []


async def test_user_in_russian(tested: BotHarness) -> None:
    await alice_with_history(tested)
    text = await tested.reply(ADMIN, "/user alice", language_code="ru")
    assert text.startswith(RUSSIAN.user_title.format(username="alice"))
    assert RUSSIAN.user_spend.format(today="0.25 USD", week="0.35 USD", total="0.40 USD") in text


@pytest.mark.parametrize("command", ["/user", "/user alice bob"])
async def test_user_with_bad_arguments_shows_usage(tested: BotHarness, command: str) -> None:
    assert await tested.reply(ADMIN, command) == ENGLISH.user_usage


async def test_user_unknown_is_escaped_and_says_so(tested: BotHarness) -> None:
    text = await tested.reply(ADMIN, "/user a&b")
    assert text == ENGLISH.account_unknown.format(username="a&amp;b")
