"""The background loop shared by the retention jobs and the stale-hold sweep.

Driven by a stepped fake sleep (tests/test_stale_sweep.py's), never by real time.
"""

from __future__ import annotations

from aiohttp import web

from api.jobs import retention_context
from tests.sleeps import SteppedSleep

INTERVAL = 86_400.0


class CountingJobs:
    """Stands in for RetentionJobs: counts its runs, the second one fails."""

    def __init__(self) -> None:
        self.runs = 0

    async def run_once(self) -> None:
        self.runs += 1
        if self.runs == 2:
            raise ConnectionResetError("the database went away")


async def test_retention_runs_at_start_up_then_every_interval_through_a_failed_run() -> None:
    jobs, sleep = CountingJobs(), SteppedSleep()
    context = retention_context(lambda _app: jobs, INTERVAL, sleep)(web.Application())  # type: ignore[arg-type, return-value]
    await anext(context)
    try:
        await sleep.reached()
        assert (jobs.runs, sleep.waits) == (1, [INTERVAL])  # ran before the first wait
        sleep.wake()
        await sleep.reached()  # the second run failed, and the loop waits for the third
        sleep.wake()
        await sleep.reached()
        assert (jobs.runs, sleep.waits) == (3, [INTERVAL] * 3)
    finally:
        sleep.wake()
        await anext(context, None)
