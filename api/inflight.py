"""The billed calls still running, so that shutdown can bound them and settle every one.

aiohttp's `run_app` cancels a handler that outlives its shutdown timeout only after waiting
for it a second time, and it does not await the cancelled handler before closing the
cleanup_ctx entries: a call cancelled there would try to settle on a closed database. So
the service bounds calls itself: at the start of shutdown a timer cancels, after the grace
period, every call not yet settling, and a cleanup_ctx entry that closes before storage
waits until every call has settled.

Invariant: a task is in `_running` only while its handler may still be talking to the
provider; once it settles it leaves `_running` (a second cancel could interrupt the
settling statement) but stays in `_open` until the statement is done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

logger = logging.getLogger(__name__)

#: Set by the service; apps without it (route tests) track nothing.
IN_FLIGHT: web.AppKey[InFlight] = web.AppKey("in_flight")


class InFlight:
    """Tasks of billed calls: those still running, and those not yet settled."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()
        self._open: set[asyncio.Task[Any]] = set()
        #: Set once the grace period is over: a call cancelled from then on was abandoned by
        #: the service, not left by its client (the relay then has no time to read on).
        self.abandoned = False

    def opened(self, task: asyncio.Task[Any]) -> None:
        """A billed call starts: until `settling` shutdown may cancel it (it talks to the
        provider), and until `closed` shutdown waits for it to settle."""
        self._open.add(task)
        self._running.add(task)

    def settling(self, task: asyncio.Task[Any]) -> None:
        """The call settles: a second cancel must not interrupt its statement."""
        self._running.discard(task)

    def closed(self, task: asyncio.Task[Any]) -> None:
        """The call has settled (or failed to): shutdown need not wait for it."""
        self._open.discard(task)
        self._running.discard(task)

    def cancel_running(self) -> None:
        """The grace period is over: abandon the calls still running (each still settles)."""
        self.abandoned = True
        if self._running:
            logger.warning("grace period over: cancelling %d running calls", len(self._running))
        for task in self._running:
            task.cancel()

    async def wait_settled(self, seconds: float) -> None:
        """Wait (bounded) until every call has settled; storage may close afterwards."""
        if not self._open:
            return
        _, pending = await asyncio.wait(set(self._open), timeout=seconds)
        if pending:
            logger.error(
                "%d calls did not settle; start-up will release their holds", len(pending)
            )


#: How long settling may take after the grace period (one SQL statement per call).
SETTLE_SECONDS = 5.0


def bound_calls_at_shutdown(app: web.Application, grace_seconds: float) -> None:
    """Install the grace timer (on_shutdown) and the wait for settlement (cleanup_ctx).

    Call after the storage and upstream cleanup_ctx entries: entries close in reverse, so
    the wait runs while the upstream session and the database are still open.
    """
    in_flight = InFlight()
    app[IN_FLIGHT] = in_flight
    timers: list[asyncio.TimerHandle] = []

    async def start_grace(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        timers.append(loop.call_later(grace_seconds, in_flight.cancel_running))

    async def settle_before_storage_closes(app: web.Application) -> AsyncIterator[None]:
        yield
        await in_flight.wait_settled(SETTLE_SECONDS)
        for timer in timers:
            timer.cancel()

    app.on_shutdown.append(start_grace)
    app.cleanup_ctx.append(settle_before_storage_closes)
