"""One background job, repeated every interval for the life of the application.

The retention jobs and the stale-hold sweep are both "run this, wait, run it again" loops in
a `cleanup_ctx` entry; this is that loop, once. Invariants: the job is built only when the
application starts (storage is open by then); a failed run is logged whole and the next one
tries again, so a database hiccup does not end the job for the life of the process (an
outage is one warning line, not a traceback); the task is cancelled and awaited at cleanup,
so nothing outlives the application.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress

from aiohttp import web

from storage.errors import DatabaseUnavailableError

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def periodic_context(
    name: str,
    build: Callable[[web.Application], Callable[[], Awaitable[object]]],
    interval_seconds: float,
    *,
    sleep: Sleep = asyncio.sleep,
    wait_first: bool = False,
) -> CleanupContext:
    """A `cleanup_ctx` entry running `build(app)()` every `interval_seconds`.

    `wait_first` skips the run at start-up (for a job that start-up already did).
    """

    async def loop(run: Callable[[], Awaitable[object]]) -> None:
        if wait_first:
            await sleep(interval_seconds)
        while True:
            try:
                await run()
            except DatabaseUnavailableError as error:  # an outage, not a bug: no traceback
                logger.warning(
                    "%s skipped: %s; retrying in %s seconds", name, error, interval_seconds
                )
            except Exception:  # logged whole (not swallowed); the next run retries
                logger.exception("%s failed; retrying in %s seconds", name, interval_seconds)
            await sleep(interval_seconds)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(loop(build(app)), name=name)
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    return context
