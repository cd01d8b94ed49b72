"""Why an account is locked, and which money in lifts the lock: storage, on both databases.

Money in is never refused because of a lock, and a top-up (or an admin's credit) that
restores the funds lifts a lock that only no-funds strikes caused. A lock that any wrong key
took part in, or an admin's block, stays: paying must not undo a defence against guessing,
and an admin's block ends only when an admin unblocks it, however late the clock.
"""

from __future__ import annotations

import pytest

from storage import AccessPolicy, Storage
from storage.models import Account, AuthOutcome
from storage.payments import PaymentStore
from storage.policy import LOCKED_UNTIL_UNBLOCKED
from tests.conftest import FakeClock

TELEGRAM_ID = 42
CREDIT = 1_300_000
YEAR = 365 * 24 * 3600


@pytest.fixture
def payments(storage: Storage, clock: FakeClock) -> PaymentStore:
    return storage.payments


async def register(storage: Storage, trial: int = 0) -> str:
    registration = await storage.accounts.register_telegram_user(TELEGRAM_ID, "alice", trial, "en")
    assert registration.secret is not None
    return registration.secret


async def alice(storage: Storage) -> Account:
    account = await storage.accounts.by_username("alice")
    assert account is not None
    return account


async def strike(storage: Storage, key: str, times: int) -> list[AuthOutcome]:
    """`times` calls that each need one unit (a no-funds strike at a zero balance)."""
    return [(await storage.accounts.authorize("alice", key, 1)).outcome for _ in range(times)]


async def test_a_lock_of_no_funds_strikes_is_a_no_funds_lock(storage: Storage) -> None:
    key = await register(storage)
    assert await strike(storage, key, 5) == [AuthOutcome.NO_FUNDS] * 5
    assert (await alice(storage)).lock_cause == "no_funds"


async def test_a_lock_with_any_wrong_key_in_its_run_is_a_wrong_key_lock(storage: Storage) -> None:
    key = await register(storage)
    await strike(storage, key, 4)
    await strike(storage, "myapi-wrong", 1)
    account = await alice(storage)
    assert account.strikes == 5
    assert account.lock_cause == "bad_key"


async def test_a_top_up_lifts_a_no_funds_lock(
    storage: Storage, payments: PaymentStore, clock: FakeClock
) -> None:
    key = await register(storage)
    await strike(storage, key, 5)
    outcome = await payments.credit(TELEGRAM_ID, "c1", 100, CREDIT, "topup:1:100")
    assert outcome.lock_lifted
    assert not outcome.account.is_locked(clock())
    assert (outcome.account.strikes, outcome.account.lock_cause) == (0, None)
    assert (await storage.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


async def test_a_top_up_is_credited_but_lifts_no_wrong_key_lock(
    storage: Storage, payments: PaymentStore, clock: FakeClock
) -> None:
    await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "myapi-wrong", 1)
    outcome = await payments.credit(TELEGRAM_ID, "c1", 100, CREDIT, "topup:1:100")
    assert (outcome.applied, outcome.lock_lifted) == (True, False)
    assert outcome.account.balance == CREDIT
    assert outcome.account.is_locked(clock())


async def test_wrong_keys_during_a_no_funds_lock_keep_its_cause(
    storage: Storage, payments: PaymentStore
) -> None:
    key = await register(storage)
    await strike(storage, key, 5)
    assert await strike(storage, "myapi-wrong", 3) == [AuthOutcome.LOCKED_BAD_KEY] * 3
    assert (await alice(storage)).lock_cause == "no_funds"
    outcome = await payments.credit(TELEGRAM_ID, "c1", 100, CREDIT, "topup:1:100")
    assert outcome.lock_lifted


async def test_an_expired_lock_starts_a_new_run_with_its_own_cause(
    storage: Storage, clock: FakeClock
) -> None:
    key = await register(storage)
    for _ in range(5):
        await storage.accounts.authorize("alice", "myapi-wrong", 1)
    clock.advance(30 * 60)
    await strike(storage, key, 5)
    assert (await alice(storage)).lock_cause == "no_funds"


async def test_an_admin_credit_lifts_a_no_funds_lock(storage: Storage, clock: FakeClock) -> None:
    key = await register(storage)
    await strike(storage, key, 5)
    account = await storage.admin.credit("alice", CREDIT, "goodwill", actor="cli")
    assert not account.is_locked(clock())
    assert (await storage.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


async def test_an_admin_credit_lifts_no_admin_block(storage: Storage, clock: FakeClock) -> None:
    await register(storage)
    await storage.admin.block("alice", actor="cli", reason="abuse")
    account = await storage.admin.credit("alice", CREDIT, None, actor="cli")
    assert account.balance == CREDIT
    assert account.is_locked(clock())
    assert account.lock_cause == "admin"


@pytest.mark.parametrize("ahead", [100 * YEAR, LOCKED_UNTIL_UNBLOCKED])
async def test_an_admin_block_never_expires_by_itself(
    storage: Storage, clock: FakeClock, ahead: int
) -> None:
    key = await register(storage, trial=CREDIT)
    await storage.admin.block("alice", actor="cli", reason="abuse")
    clock.advance(ahead)
    auth = await storage.accounts.authorize("alice", key, 1)
    assert (auth.outcome, auth.locked_until) == (AuthOutcome.LOCKED, LOCKED_UNTIL_UNBLOCKED)
    assert (await alice(storage)).is_locked(clock())
    await storage.admin.unblock("alice", actor="cli")
    assert (await storage.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


@pytest.mark.parametrize("policy", [AccessPolicy(lock_strikes=5, lock_seconds=0)])
async def test_a_no_funds_lock_until_unblocked_is_lifted_by_a_top_up(
    storage: Storage, payments: PaymentStore, clock: FakeClock
) -> None:
    key = await register(storage)
    await strike(storage, key, 5)
    assert (await alice(storage)).locked_until_unblocked
    assert (await payments.credit(TELEGRAM_ID, "c1", 100, CREDIT, "topup:1:100")).lock_lifted
