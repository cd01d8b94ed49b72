"""Usage queries (storage/usage.py) and the /lang choice (storage/profiles.py), on both
databases: UTC day boundaries from the injected clock, newest first, charged cost only."""

from __future__ import annotations

from storage import Storage
from storage.usage import SECONDS_PER_DAY, day_start
from tests.calls import record_call
from tests.conftest import FakeClock

DAY = SECONDS_PER_DAY


async def an_account(storage: Storage, telegram_id: int = 42, credit: int = 100_000_000) -> int:
    registration = await storage.accounts.register_telegram_user(
        telegram_id, "alice", credit, "en"
    )
    return registration.account.id


async def a_call(
    storage: Storage, account_id: int, model: str, cost: int, status: int = 200
) -> None:
    """One finished call, as the API records it (nothing held: the charge is what matters)."""
    await record_call(
        storage.accounts, account_id, cost, model=model, provider="openai", status=status
    )


async def test_recent_calls_are_the_latest_newest_first(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await an_account(storage)
    for number in range(12):
        await a_call(storage, account_id, f"m{number}", number)
    calls = await storage.usage.recent_calls(account_id, 10)
    assert [call.model for call in calls] == [f"m{n}" for n in range(11, 1, -1)]


async def test_recent_calls_are_only_the_accounts_own(storage: Storage, clock: FakeClock) -> None:
    alice = await an_account(storage)
    other = await storage.accounts.register_telegram_user(7, "bob", 1_000_000, "en")
    await a_call(storage, other.account.id, "bobs", 5)
    assert await storage.usage.recent_calls(alice) == []


async def test_spend_counts_utc_days_from_the_clock(storage: Storage, clock: FakeClock) -> None:
    account_id = await an_account(storage)
    today = day_start(clock.now)
    for when, cost in [
        (today - 7 * DAY, 1),
        (today - 6 * DAY, 10),
        (today - 1, 100),
        (today, 1000),
    ]:
        clock.now = when
        await a_call(storage, account_id, f"at{when}", cost)
    clock.now = today + DAY - 1
    usage = storage.usage
    assert await usage.spent_over_days(account_id, 1) == 1000
    assert await usage.spent_over_days(account_id, 7) == 1110


async def test_daily_spend_has_every_day_oldest_first(storage: Storage, clock: FakeClock) -> None:
    account_id = await an_account(storage)
    today = day_start(clock.now)
    for when, cost in [
        (today - 14 * DAY, 9),
        (today - 13 * DAY, 3),
        (today + 5, 4),
        (today + 6, 5),
    ]:
        clock.now = when
        await a_call(storage, account_id, f"at{when}", cost)
    days = await storage.usage.daily_spend(account_id, 14)
    assert [day.day_start for day in days] == [today - n * DAY for n in range(13, -1, -1)]
    assert [day.spent for day in days] == [3] + [0] * 12 + [9]


async def test_spend_is_what_was_charged_not_the_shortfall(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await an_account(storage, credit=50)
    await a_call(storage, account_id, "big", 80)
    usage = storage.usage
    assert await usage.spent_over_days(account_id, 1) == 50
    assert [call.cost for call in await usage.recent_calls(account_id)] == [50]


async def test_no_language_is_chosen_at_registration(storage: Storage, clock: FakeClock) -> None:
    await an_account(storage)
    assert await storage.profiles.chosen_language(42) is None


async def test_a_chosen_language_is_stored_on_the_account(
    storage: Storage, clock: FakeClock
) -> None:
    await an_account(storage)
    profiles = storage.profiles
    assert await profiles.choose_language(42, "ru")
    assert await profiles.chosen_language(42) == "ru"
    account = await storage.accounts.by_telegram_id(42)
    assert account is not None
    assert account.language == "ru"


async def test_choosing_without_an_account_stores_nothing(
    storage: Storage, clock: FakeClock
) -> None:
    profiles = storage.profiles
    assert not await profiles.choose_language(42, "ru")
    assert await profiles.chosen_language(42) is None
