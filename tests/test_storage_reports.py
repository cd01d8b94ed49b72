"""The operator's figures, on SQLite and PostgreSQL, against calls made at known times."""

from __future__ import annotations

from storage import Storage
from storage.reports import DAY_SECONDS, OperatorReports, ServiceStats, Spend, day_start
from tests.calls import record_call
from tests.conftest import FakeClock

#: 2027-01-15 12:00 UTC: the middle of a UTC day, so "today" started 12 hours ago.
NOON = 1_800_000_000 - 1_800_000_000 % DAY_SECONDS + 12 * 3600


def reports(storage: Storage, clock: FakeClock) -> OperatorReports:
    return storage.reports


async def spend_at(storage: Storage, clock: FakeClock, username: str, at: int, cost: int) -> None:
    """Record one finished call of `username` costing `cost` units at epoch second `at`."""
    account = await storage.accounts.by_username(username)
    assert account is not None
    clock.now = at
    await record_call(storage.accounts, account.id, cost, request_id=f"r{at}-{cost}")


async def two_accounts_with_history(storage: Storage, clock: FakeClock) -> None:
    """alice: 100 today, 20 five days ago, 3 thirty days ago; bob: 7 yesterday; carol: none."""
    for name in ("alice", "bob", "carol"):
        await storage.admin.create_account(name, 10_000, actor="cli")
    await spend_at(storage, clock, "alice", NOON - 30 * DAY_SECONDS, 3)
    await spend_at(storage, clock, "alice", NOON - 5 * DAY_SECONDS, 20)
    await spend_at(storage, clock, "bob", NOON - DAY_SECONDS, 7)
    await spend_at(storage, clock, "alice", day_start(NOON), 60)  # the first second of today
    await spend_at(storage, clock, "alice", NOON, 40)
    clock.now = NOON


def test_day_start_is_the_last_utc_midnight() -> None:
    assert day_start(NOON) == NOON - 12 * 3600
    assert day_start(day_start(NOON)) == day_start(NOON)


async def test_spend_splits_today_week_and_all_time(storage: Storage, clock: FakeClock) -> None:
    await two_accounts_with_history(storage, clock)
    alice = await storage.accounts.by_username("alice")
    assert alice is not None
    assert await reports(storage, clock).spend(alice.id) == Spend(today=100, week=120, total=123)


async def test_seven_days_include_today_and_the_six_before(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.admin.create_account("alice", 10_000, actor="cli")
    await spend_at(storage, clock, "alice", day_start(NOON) - 6 * DAY_SECONDS, 5)
    await spend_at(storage, clock, "alice", day_start(NOON) - 6 * DAY_SECONDS - 1, 11)
    clock.now = NOON
    alice = await storage.accounts.by_username("alice")
    assert alice is not None
    assert await reports(storage, clock).spend(alice.id) == Spend(today=0, week=5, total=16)


async def test_an_account_without_calls_spent_nothing(storage: Storage, clock: FakeClock) -> None:
    await two_accounts_with_history(storage, clock)
    carol = await storage.accounts.by_username("carol")
    assert carol is not None
    assert await reports(storage, clock).spend(carol.id) == Spend(today=0, week=0, total=0)


async def test_spend_counts_what_was_charged_not_the_shortfall(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.admin.create_account("poor", 30, actor="cli")
    await spend_at(storage, clock, "poor", NOON, 50)
    poor = await storage.accounts.by_username("poor")
    assert poor is not None
    assert await reports(storage, clock).spend(poor.id) == Spend(today=30, week=30, total=30)


async def test_service_stats_count_users_activity_calls_and_revenue(
    storage: Storage, clock: FakeClock
) -> None:
    await two_accounts_with_history(storage, clock)
    assert await reports(storage, clock).service() == ServiceStats(
        users=3,
        active_today=1,
        calls_today=2,
        revenue_today=100,
        calls_week=4,
        revenue_week=127,
    )


async def test_service_stats_of_an_empty_service_are_zero(
    storage: Storage, clock: FakeClock
) -> None:
    assert await reports(storage, clock).service() == ServiceStats(0, 0, 0, 0, 0, 0)


async def test_a_new_day_starts_at_utc_midnight(storage: Storage, clock: FakeClock) -> None:
    await two_accounts_with_history(storage, clock)
    clock.now = day_start(NOON) + DAY_SECONDS  # tomorrow's midnight
    stats = await reports(storage, clock).service()
    assert (stats.active_today, stats.calls_today, stats.revenue_today) == (0, 0, 0)
    assert (stats.calls_week, stats.revenue_week) == (4, 127)
