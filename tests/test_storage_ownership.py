"""One serving process per SQLite file, and a settle that records its call whatever
happened to the hold meanwhile (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from storage import AccessPolicy, Storage, open_storage
from storage.database import sqlite_path
from storage.errors import DatabaseInUseError, SchemaTooNewError
from storage.models import CallRecord
from storage.ownership import lock_path
from tests.conftest import FakeClock

HELD = 6053
COST = 900


async def serving(url: str, clock: FakeClock) -> Storage:
    return await open_storage(url, AccessPolicy(), clock, recover_holds=True)


async def user_with_key(storage: Storage) -> str:
    """User "a" with 10 000 units; returns a's key."""
    registration = await storage.accounts.register_telegram_user(1, "a", 10_000, "en")
    assert registration.secret is not None
    return registration.secret


async def hold(storage: Storage, key: str, amount: int = HELD, request_id: str = "req-1") -> int:
    """Hold `amount` of a's units for `request_id`; returns a's account id."""
    auth = await storage.accounts.authorize("a", key, amount, request_id)
    assert auth.account_id is not None
    return auth.account_id


async def user_with_hold(storage: Storage) -> int:
    return await hold(storage, await user_with_key(storage))


def finished(account_id: int, request_id: str = "req-1") -> CallRecord:
    """The call `request_id` ends: 200, charged COST, releasing HELD."""
    return CallRecord(request_id, account_id, "/v1/chat", "openai", "m", 200, 1, 2, COST, HELD, 5)


async def reserved_and_balance(storage: Storage) -> tuple[int, int]:
    account = await storage.accounts.by_username("a")
    assert account is not None
    return account.reserved, account.balance


async def test_a_second_serving_open_fails_and_leaves_the_first_ones_holds(
    sqlite_url: str, clock: FakeClock
) -> None:
    first = await serving(sqlite_url, clock)
    try:
        await user_with_hold(first)
        claim = await first.idempotency.claim(1, "idem-1", "fp")
        with pytest.raises(DatabaseInUseError, match="already serving"):
            await serving(sqlite_url, clock)
        held = await reserved_and_balance(first)
        again = await first.idempotency.claim(1, "idem-1", "fp")
    finally:
        await first.close()
    assert held == (HELD, 10_000)
    assert (claim.owner is not None, again.state) == (True, "in_progress")


async def test_the_command_line_opens_beside_the_serving_process(
    sqlite_url: str, clock: FakeClock
) -> None:
    first = await serving(sqlite_url, clock)
    try:
        await user_with_hold(first)
        beside = await open_storage(sqlite_url, AccessPolicy(), clock)
        await beside.admin.list_accounts()
        await beside.close()
        held = await reserved_and_balance(first)
    finally:
        await first.close()
    assert held == (HELD, 10_000)


async def test_closing_lets_the_next_process_serve(sqlite_url: str, clock: FakeClock) -> None:
    first = await serving(sqlite_url, clock)
    await user_with_hold(first)
    await first.close()
    second = await serving(sqlite_url, clock)
    recovered = await reserved_and_balance(second)
    await second.close()
    assert recovered == (0, 10_000)
    assert lock_path(sqlite_path(sqlite_url)).exists()


async def test_a_failed_open_does_not_keep_the_lock(sqlite_url: str, clock: FakeClock) -> None:
    storage = await open_storage(sqlite_url, AccessPolicy(), clock)
    await storage.database.execute("INSERT INTO schema_migrations (version) VALUES (999)")
    await storage.close()
    with pytest.raises(SchemaTooNewError):
        await serving(sqlite_url, clock)
    with pytest.raises(SchemaTooNewError):  # not DatabaseInUseError: the lock was let go
        await serving(sqlite_url, clock)


async def test_a_settle_after_the_holds_were_wiped_still_records_and_charges(
    storage: Storage,
) -> None:
    account_id = await user_with_hold(storage)
    await storage.holds.release_all_holds()  # what a second process's recovery did
    settlement = await storage.accounts.finish_call(finished(account_id))
    rows = await storage.database.fetch_all("SELECT cost FROM calls")
    assert settlement.charged == COST
    assert [row["cost"] for row in rows] == [COST]
    assert await reserved_and_balance(storage) == (0, 10_000 - COST)
    assert await storage.accounts.ledger_total(account_id) == 10_000 - COST


async def test_a_settle_after_a_sweep_leaves_other_calls_holds_alone(
    postgres_url: str, clock: FakeClock
) -> None:
    storage = await open_storage(postgres_url, AccessPolicy(), clock)
    try:
        key = await user_with_key(storage)
        account_id = await hold(storage, key, request_id="slow")
        clock.advance(3601)
        await storage.holds.release_stale_holds(3600)  # "slow" still runs, past the bound
        await hold(storage, key, 500, "fresh")
        await storage.accounts.finish_call(finished(account_id, "slow"))
        after = await reserved_and_balance(storage)
        rows = await storage.database.fetch_all("SELECT request_id FROM holds")
    finally:
        await storage.close()
    assert after == (500, 10_000 - COST)
    assert [row["request_id"] for row in rows] == ["fresh"]
