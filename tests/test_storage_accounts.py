"""The storage contract: account, gate and money rules, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from storage import Storage
from storage.errors import UnknownAccountError
from storage.models import AuthOutcome, CallRecord
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy
from tests.conftest import FakeClock
from tests.ledger import table_snapshot

TRIAL = 1_000_000


async def register(storage: Storage, telegram_id: int = 7, name: str | None = "Alice") -> str:
    registration = await storage.accounts.register_telegram_user(telegram_id, name, TRIAL, "en")
    assert registration.secret is not None
    return registration.secret


async def test_registration_grants_the_trial_credit_through_the_ledger(storage: Storage) -> None:
    await register(storage)
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert account.balance == TRIAL
    assert await storage.accounts.ledger_total(account.id) == TRIAL


async def test_second_registration_returns_the_same_account_without_a_key(
    storage: Storage,
) -> None:
    await register(storage)
    again = await storage.accounts.register_telegram_user(7, "Alice", TRIAL, "en")
    assert again.created is False
    assert again.secret is None
    assert again.account.balance == TRIAL
    rows = await storage.database.fetch_all("SELECT id FROM accounts")
    assert len(rows) == 1


@pytest.mark.parametrize(("telegram_name", "expected"), [("Bob_X", "bob_x"), (None, "id9")])
async def test_username_is_the_lowercased_telegram_name_or_the_id(
    storage: Storage, telegram_name: str | None, expected: str
) -> None:
    registration = await storage.accounts.register_telegram_user(9, telegram_name, TRIAL, "en")
    assert registration.account.username == expected


async def test_a_taken_username_falls_back_to_the_telegram_id(storage: Storage) -> None:
    await register(storage, telegram_id=1, name="alice")
    second = await storage.accounts.register_telegram_user(2, "ALICE", TRIAL, "en")
    assert second.account.username == "id2"


async def test_the_key_is_stored_only_as_a_hash(storage: Storage) -> None:
    secret = await register(storage)
    row = await storage.database.fetch_one("SELECT key_hash, key_prefix FROM accounts")
    assert row is not None
    assert secret not in (row["key_hash"], row["key_prefix"])
    assert secret.startswith(row["key_prefix"])


async def test_right_key_passes_and_holds(storage: Storage) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize("alice", secret, hold=300)
    assert auth.outcome is AuthOutcome.OK
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (TRIAL, 300)


async def test_a_key_alone_finds_its_account(storage: Storage) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize(None, secret, hold=1)
    assert (auth.outcome, auth.username) == (AuthOutcome.OK, "alice")


async def test_unknown_username_or_key_writes_nothing(storage: Storage) -> None:
    secret = await register(storage)
    before = await table_snapshot(storage)
    assert (await storage.accounts.authorize("mallory", secret, 1)).outcome is AuthOutcome.UNKNOWN
    assert (await storage.accounts.authorize(None, "myapi-nope", 1)).outcome is AuthOutcome.UNKNOWN
    assert await table_snapshot(storage) == before


async def test_fifth_consecutive_failure_locks(storage: Storage, clock: FakeClock) -> None:
    await register(storage)
    outcomes = [(await storage.accounts.authorize("alice", "bad", 1)) for _ in range(5)]
    assert [a.strikes for a in outcomes] == [1, 2, 3, 4, 5]
    assert [a.locked_until for a in outcomes[:4]] == [None] * 4
    assert outcomes[4].locked_until == clock.now + 30 * 60


async def test_a_success_resets_the_strikes(storage: Storage) -> None:
    secret = await register(storage)
    for _ in range(4):
        await storage.accounts.authorize("alice", "bad", 1)
    assert (await storage.accounts.authorize("alice", secret, 1)).strikes == 0
    for _ in range(4):
        await storage.accounts.authorize("alice", "bad", 1)
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.strikes, account.locked_until) == (4, None)


async def test_locked_account_is_refused_with_the_right_key_and_it_counts(
    storage: Storage,
) -> None:
    secret = await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "bad", 1)
    auth = await storage.accounts.authorize("alice", secret, 1)
    assert (auth.outcome, auth.strikes) == (AuthOutcome.LOCKED, 6)
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert account.reserved == 0


async def test_lock_expires_by_itself_and_counting_restarts(
    storage: Storage, clock: FakeClock
) -> None:
    secret = await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "bad", 1)
    clock.advance(30 * 60)
    assert (await storage.accounts.authorize("alice", "bad", 1)).strikes == 1
    assert (await storage.accounts.authorize("alice", secret, 1)).outcome is AuthOutcome.OK


async def test_zero_lock_minutes_locks_until_unblocked(storage: Storage, clock: FakeClock) -> None:
    storage.accounts._policy = AccessPolicy(lock_strikes=5, lock_seconds=0)
    secret = await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "bad", 1)
    clock.advance(365 * 24 * 3600)
    auth = await storage.accounts.authorize("alice", secret, 1)
    assert (auth.outcome, auth.locked_until) == (AuthOutcome.LOCKED, LOCKED_UNTIL_UNBLOCKED)


async def test_no_funds_is_a_strike(storage: Storage) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize("alice", secret, hold=TRIAL + 1)
    assert (auth.outcome, auth.strikes) == (AuthOutcome.NO_FUNDS, 1)


async def test_a_zero_hold_passes_at_zero_balance(storage: Storage) -> None:
    secret = await register(storage)
    await storage.accounts.authorize("alice", secret, hold=TRIAL)
    assert (await storage.accounts.authorize("alice", secret, hold=0)).outcome is AuthOutcome.OK


async def test_unblock_clears_strikes_and_lock(storage: Storage) -> None:
    secret = await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "bad", 1)
    account = await storage.admin.unblock("Alice", actor="test")
    assert (account.strikes, account.locked_until) == (0, None)
    assert (await storage.accounts.authorize("alice", secret, 1)).outcome is AuthOutcome.OK


async def test_unblock_of_an_unknown_name_raises(storage: Storage) -> None:
    with pytest.raises(UnknownAccountError):
        await storage.admin.unblock("nobody", actor="test")


def call(account_id: int, held: int, cost: int, status: int = 200) -> CallRecord:
    """Request "r1": a settle releases the hold its own request made (on PostgreSQL, the
    hold row with that request id), so the tests hold with request_id="r1" too."""
    return CallRecord(
        request_id="r1",
        account_id=account_id,
        endpoint="/v1/chat/completions",
        provider="openai",
        model="gpt-4o-mini",
        status=status,
        input_units=10,
        output_units=3,
        cost=cost,
        held=held,
        latency_ms=7,
    )


async def test_finishing_charges_the_cost_in_one_ledger_row_and_releases_the_hold(
    storage: Storage,
) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize("alice", secret, hold=500, request_id="r1")
    assert auth.account_id is not None
    settlement = await storage.accounts.finish_call(call(auth.account_id, 500, 123))
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (TRIAL - 123, 0)
    assert settlement.balance == TRIAL - 123
    charges = await storage.database.fetch_all(
        "SELECT amount, model, input_tokens, output_tokens, request_id FROM ledger "
        "WHERE kind = 'charge'"
    )
    assert [dict(row) for row in charges] == [
        {
            "amount": -123,
            "model": "gpt-4o-mini",
            "input_tokens": 10,
            "output_tokens": 3,
            "request_id": "r1",
        }
    ]
    assert await storage.accounts.ledger_total(account.id) == account.balance


async def test_a_failed_call_releases_the_hold_moves_no_money_and_is_recorded(
    storage: Storage,
) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize("alice", secret, hold=500, request_id="r1")
    assert auth.account_id is not None
    await storage.accounts.finish_call(call(auth.account_id, 500, 0, status=502))
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (TRIAL, 0)
    assert len(await storage.database.fetch_all("SELECT id FROM ledger")) == 1
    [record] = await storage.database.fetch_all("SELECT status, cost, held FROM calls")
    assert dict(record) == {"status": 502, "cost": 0, "held": 500}


async def test_concurrent_failures_lock_exactly_at_the_threshold(storage: Storage) -> None:
    await register(storage)
    results = await asyncio.gather(
        *(storage.accounts.authorize("alice", "bad", 1) for _ in range(12))
    )
    assert sorted(a.strikes for a in results) == list(range(1, 13))
    locked_after = [a for a in results if a.locked_until is not None]
    assert len(locked_after) == 8  # strikes 5..12


async def test_concurrent_holds_never_overspend(storage: Storage) -> None:
    secret = await register(storage)
    results = await asyncio.gather(
        *(storage.accounts.authorize("alice", secret, TRIAL // 4) for _ in range(10))
    )
    assert sum(a.outcome is AuthOutcome.OK for a in results) == 4


async def test_a_charge_beyond_the_balance_stops_at_zero_and_records_the_shortfall(
    storage: Storage,
) -> None:
    secret = await register(storage)
    auth = await storage.accounts.authorize("alice", secret, hold=500, request_id="r1")
    assert auth.account_id is not None
    settlement = await storage.accounts.finish_call(call(auth.account_id, 500, TRIAL + 700))
    assert (settlement.charged, settlement.shortfall, settlement.balance) == (TRIAL, 700, 0)
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (0, 0)
    assert await storage.accounts.ledger_total(account.id) == 0
    [record] = await storage.database.fetch_all("SELECT cost, shortfall, balance_after FROM calls")
    assert dict(record) == {"cost": TRIAL, "shortfall": 700, "balance_after": 0}


async def test_concurrent_overruns_never_take_the_balance_below_zero(storage: Storage) -> None:
    secret = await register(storage)
    auths = [
        await storage.accounts.authorize("alice", secret, hold=100, request_id="r1")
        for _ in range(4)
    ]
    settlements = await asyncio.gather(
        *(storage.accounts.finish_call(call(a.account_id or 0, 100, TRIAL // 3)) for a in auths)
    )
    assert sum(s.charged for s in settlements) == TRIAL
    assert sum(s.shortfall for s in settlements) == 4 * (TRIAL // 3) - TRIAL
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (0, 0)


async def test_a_refusal_is_told_committed_and_an_admission_before_its_commit(
    storage: Storage,
) -> None:
    """SQLite on the loop: the gate's verdict comes back at once when the call may go out
    (its commit follows), and only once committed when it is a strike the client is told."""
    if storage.database.dialect != "sqlite":
        pytest.skip("PostgreSQL commits every statement before it answers")
    connection = storage.database.hot._connection  # type: ignore[attr-defined]
    secret = await register(storage)
    assert (await storage.accounts.authorize("alice", "bad", 1)).strikes == 1
    assert not connection.in_transaction  # the strike is committed as it is told
    assert (await storage.accounts.authorize("alice", secret, 1)).outcome is AuthOutcome.OK
    assert connection.in_transaction  # the hold commits at the end of the loop iteration
    await storage.database.committed()
    assert not connection.in_transaction
