"""Opening storage: migrations, crash recovery, and the ledger invariant check."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from storage import AccessPolicy, Storage, open_storage
from storage.database import open_database
from storage.errors import SchemaTooNewError, UnsupportedDatabaseUrlError
from storage.migrations import MIGRATIONS
from storage.models import CallRecord
from tests.conftest import FakeClock


async def opened_with_user(url: str, clock: FakeClock) -> tuple[Storage, str]:
    """Storage at `url` with user "a" holding 1000 units; returns it and a's key."""
    storage = await open_storage(url, AccessPolicy(), clock)
    registration = await storage.accounts.register_telegram_user(1, "a", 1000, "en")
    assert registration.secret is not None
    return storage, registration.secret


async def test_reopening_applies_no_migration_twice(database_url: str, clock: FakeClock) -> None:
    for _ in range(2):
        storage = await open_storage(database_url, AccessPolicy(), clock)
        rows = await storage.database.fetch_all("SELECT version FROM schema_migrations")
        await storage.close()
    assert [row["version"] for row in rows] == list(range(1, len(MIGRATIONS) + 1))


async def test_a_newer_schema_is_refused(database_url: str, clock: FakeClock) -> None:
    storage = await open_storage(database_url, AccessPolicy(), clock)
    await storage.database.execute("INSERT INTO schema_migrations (version) VALUES (999)")
    await storage.close()
    with pytest.raises(SchemaTooNewError):
        await open_storage(database_url, AccessPolicy(), clock)


async def test_sqlite_start_up_releases_holds_left_by_a_crash(
    sqlite_url: str, clock: FakeClock
) -> None:
    storage, secret = await opened_with_user(sqlite_url, clock)
    await storage.accounts.authorize("a", secret, hold=600)
    await storage.close()  # the process "dies" with the hold open
    reopened = await open_storage(sqlite_url, AccessPolicy(), clock, recover_holds=True)
    account = await reopened.accounts.by_username("a")
    await reopened.close()
    assert account is not None
    assert (account.balance, account.reserved) == (1000, 0)


async def test_opening_without_recovery_leaves_live_holds_alone(
    sqlite_url: str, clock: FakeClock
) -> None:
    storage, secret = await opened_with_user(sqlite_url, clock)
    await storage.accounts.authorize("a", secret, hold=600)
    beside = await open_storage(sqlite_url, AccessPolicy(), clock)  # e.g. the command line
    account = await beside.accounts.by_username("a")
    await beside.close()
    await storage.close()
    assert account is not None
    assert account.reserved == 600


async def test_start_up_reports_a_balance_that_differs_from_the_ledger(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    storage = await open_storage(sqlite_url, AccessPolicy(), clock)
    await storage.accounts.register_telegram_user(1, "a", 1000, "en")
    await storage.database.execute("UPDATE accounts SET balance = 5")
    await storage.close()
    with caplog.at_level(logging.ERROR, logger="storage"):
        reopened = await open_storage(sqlite_url, AccessPolicy(), clock)
        await reopened.close()
    assert "balance differs from the ledger for 1 accounts" in caplog.text


async def test_an_unknown_database_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedDatabaseUrlError, match="mysql"):
        await open_database("mysql://localhost/x")


async def test_postgres_keeps_each_hold_as_a_row_until_its_call_is_finished(
    postgres_url: str, clock: FakeClock
) -> None:
    storage, secret = await opened_with_user(postgres_url, clock)
    auth = await storage.accounts.authorize("a", secret, 600, "req-1")
    assert auth.account_id is not None
    rows = await storage.database.fetch_all("SELECT request_id, amount FROM holds")
    held = [dict(row) for row in rows]
    await storage.accounts.finish_call(
        CallRecord("req-1", auth.account_id, "/v1/x", "openai", "m", 200, 1, 1, 10, 600, 5)
    )
    left = await storage.database.fetch_all("SELECT id FROM holds")
    await storage.close()
    assert held == [{"request_id": "req-1", "amount": 600}]
    assert left == []


async def test_postgres_start_up_releases_only_holds_too_old_to_be_live(
    postgres_url: str, clock: FakeClock
) -> None:
    storage, secret = await opened_with_user(postgres_url, clock)
    await storage.accounts.authorize("a", secret, 300, "crashed")
    clock.advance(3600)
    await storage.accounts.authorize("a", secret, 200, "still-running")
    clock.advance(1)
    await storage.close()
    reopened = await open_storage(
        postgres_url, AccessPolicy(), clock, recover_holds=True, stale_hold_seconds=3600
    )
    account = await reopened.accounts.by_username("a")
    rows = await reopened.database.fetch_all("SELECT request_id FROM holds")
    await reopened.close()
    assert account is not None
    assert account.reserved == 200
    assert [row["request_id"] for row in rows] == ["still-running"]
