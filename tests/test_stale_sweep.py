"""Every live replica releases what a crashed one left, periodically (PostgreSQL).

The report this pins: a 6 053-unit hold left by a SIGKILL made the next affordable calls 402
and then locked the user, until some replica restarted. The clock is injected and the loop's
sleep is a fake the test steps through, so nothing here sleeps.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from api.service import stale_sweep_context
from api.settings import Settings
from api.sweeper import StaleSweep, Sweep, SweepReport, sweep_context
from storage import AccessPolicy, Storage, open_storage
from storage.idempotency import ClaimState
from storage.models import AuthOutcome
from tests.conftest import FakeClock
from tests.sleeps import SteppedSleep

STALE = 3600
INTERVAL = 300.0
CREDIT = 10_000
LEFT_BY_CRASH = 6053


@asynccontextmanager
async def running_loop(sweep: Sweep, sleep: SteppedSleep) -> AsyncIterator[None]:
    """The sweep's cleanup_ctx entry, entered and left as aiohttp does."""
    context = sweep_context(lambda _app: sweep, INTERVAL, sleep)(web.Application())
    await anext(context)
    try:
        yield
    finally:
        with pytest.raises(StopAsyncIteration):
            await anext(context)


async def user(storage: Storage) -> str:
    registration = await storage.accounts.register_telegram_user(1, "a", CREDIT, "en")
    assert registration.secret is not None
    return registration.secret


async def reserved_and_holds(storage: Storage) -> tuple[int, list[str]]:
    account = await storage.accounts.by_username("a")
    assert account is not None
    rows = await storage.database.fetch_all("SELECT request_id FROM holds ORDER BY id")
    return account.reserved, [row["request_id"] for row in rows]


@pytest.fixture
async def postgres(postgres_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    storage = await open_storage(postgres_url, AccessPolicy(), clock, stale_hold_seconds=STALE)
    try:
        yield storage
    finally:
        await storage.close()


def sweeper(storage: Storage) -> StaleSweep:
    return StaleSweep(storage.holds, storage.idempotency, STALE)


async def test_a_sweep_releases_only_holds_older_than_the_bound(
    postgres: Storage, clock: FakeClock
) -> None:
    key = await user(postgres)
    await postgres.accounts.authorize("a", key, LEFT_BY_CRASH, "crashed")
    clock.advance(STALE)
    await postgres.accounts.authorize("a", key, 200, "running")
    clock.advance(1)
    report = await sweeper(postgres).run_once()
    assert report.accounts_released == 1
    assert await reserved_and_holds(postgres) == (200, ["running"])


async def test_a_sweep_frees_claims_older_than_the_bound_and_keeps_newer_ones(
    postgres: Storage, clock: FakeClock
) -> None:
    await user(postgres)
    await postgres.idempotency.claim(1, "crashed", "fp")
    clock.advance(STALE)
    await postgres.idempotency.claim(1, "running", "fp")
    report = await sweeper(postgres).run_once()
    rows = await postgres.database.fetch_all("SELECT idem_key FROM idempotency_keys")
    assert report.claims_freed == 1
    assert [row["idem_key"] for row in rows] == ["running"]


async def test_the_loop_waits_then_sweeps_each_interval_and_the_user_can_pay_again(
    postgres: Storage, clock: FakeClock
) -> None:
    key = await user(postgres)
    await postgres.accounts.authorize("a", key, LEFT_BY_CRASH, "crashed")
    sleep = SteppedSleep()
    async with running_loop(sweeper(postgres), sleep):
        await sleep.reached()  # waits first: opening storage has just swept
        refused = await postgres.accounts.authorize("a", key, 5000, "before")
        clock.advance(STALE + 1)
        sleep.wake()
        await sleep.reached()  # the run is over
        served = await postgres.accounts.authorize("a", key, 5000, "after")
    assert refused.outcome is AuthOutcome.NO_FUNDS
    assert served.outcome is AuthOutcome.OK
    assert await reserved_and_holds(postgres) == (5000, ["after"])
    assert sleep.waits == [INTERVAL, INTERVAL]


class FailsOnce:
    """A sweep whose first run fails, as when the database is briefly unreachable."""

    def __init__(self) -> None:
        self.runs = 0

    async def run_once(self) -> SweepReport:
        self.runs += 1
        if self.runs == 1:
            raise ConnectionResetError("the database went away")
        return SweepReport()


async def test_a_failed_run_is_logged_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sweep, sleep = FailsOnce(), SteppedSleep()
    with caplog.at_level(logging.ERROR, logger="api.sweeper"):
        async with running_loop(sweep, sleep):
            for _ in range(2):
                await sleep.reached()
                sleep.wake()
            await sleep.reached()
    assert sweep.runs == 2
    assert "stale sweep failed" in caplog.text
    assert "the database went away" in caplog.text


async def test_an_expired_claim_is_still_a_new_key_after_the_sweep(
    postgres: Storage, clock: FakeClock
) -> None:
    await user(postgres)
    await postgres.idempotency.claim(1, "k", "fp")
    clock.advance(STALE + 1)
    await sweeper(postgres).run_once()
    claim = await postgres.idempotency.claim(1, "k", "fp")
    assert claim.state is ClaimState.CLAIMED


def test_every_postgresql_replica_sweeps_and_sqlite_needs_none() -> None:
    def settings(url: str) -> Settings:
        return Settings(_env_file=None, database_url=url)

    assert stale_sweep_context(settings("postgresql://db.example.test/myapi")) is not None
    assert stale_sweep_context(settings("sqlite:///data/myapi.db")) is None
