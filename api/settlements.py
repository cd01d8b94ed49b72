"""Settlements the database could not take, kept and written as soon as it can.

A call that passed the gate holds money and has usually been paid to the provider, so its
settlement (usage record, charge, release of the hold) must be written exactly once, also
when the database goes away while the call runs. `api.billing` hands such a settlement
here instead of failing the call: the client still gets the answer it paid for, and the
charge follows when the database is back.

Invariants:

- Each settlement carries its `settle_key` (migration 15): writing one that did reach the
  database the first time (PostgreSQL committed, the answer was lost) is a no-op, so a
  retry never charges or releases twice.
- While any settlement waits, the gate admits nothing (503 `database_unavailable`): the
  service never goes on serving calls it cannot bill, and the backlog stays small.
- The first request after the database is back writes the backlog before it is admitted
  (so are `/health` and the periodic retry), in order, one writer at a time; while one
  writer tries, others are refused at once instead of queueing behind its timeout.
- What this process still holds when it stops is logged, call by call, at ERROR: those
  calls' holds are released like a crashed call's (at the next SQLite start-up, after
  STALE_HOLD_MINUTES on PostgreSQL), so they are free, never charged twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from storage.accounts import AccountStore
from storage.errors import DatabaseUnavailableError
from storage.models import CallRecord

logger = logging.getLogger(__name__)

#: How often a process with a backlog tries to write it when no request or probe does.
RETRY_SECONDS = 5.0


class PendingSettlements:
    """The settlements of this process that wait for the database, oldest first."""

    def __init__(self, accounts: AccountStore) -> None:
        self._accounts = accounts
        self._waiting: deque[CallRecord] = deque()
        self._writing = asyncio.Lock()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def keep(self, record: CallRecord, error: DatabaseUnavailableError) -> None:
        """Keep a settlement that failed because the database is unavailable."""
        self._waiting.append(record)
        logger.warning(
            "request %s: its settlement waits for the database (%s); %d waiting",
            record.request_id,
            error.reason,
            len(self._waiting),
        )

    async def write(self) -> int:
        """Write what waits, oldest first, until done or the database fails again; returns
        how many still wait. Never raises for an outage."""
        if not self._waiting or self._writing.locked():
            return len(self._waiting)
        async with self._writing:
            while self._waiting:
                record = self._waiting[0]
                try:
                    await self._accounts.finish_call(record)
                except DatabaseUnavailableError:
                    break
                except Exception:  # it would fail the same way forever: say so, go on
                    logger.exception(
                        "request %s: its settlement cannot be written", record.request_id
                    )
                else:
                    logger.info("request %s: settled after the outage", record.request_id)
                self._waiting.popleft()
        return len(self._waiting)

    async def ensure_written(self) -> None:
        """Return once nothing waits; raise `DatabaseUnavailableError` while something does.

        One comparison when nothing waits: this is on every request's path.
        """
        if self._waiting and await self.write():
            raise DatabaseUnavailableError(
                f"{len(self._waiting)} finished calls wait to be recorded"
            )

    def log_unwritten(self) -> None:
        """At the very end: every settlement that never reached the database, for the
        operator (ids and amounts only, nothing secret)."""
        for record in self._waiting:
            logger.error(
                "request %s (account %d, %s): never settled, its cost %d units is lost and "
                "its hold of %d units is released by recovery",
                record.request_id,
                record.account_id,
                record.model,
                record.cost,
                record.held,
            )


def settlements_context(
    settlements: Callable[[web.Application], PendingSettlements],
    retry_seconds: float = RETRY_SECONDS,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A `cleanup_ctx` entry: retry the backlog every `retry_seconds` while it is not
    empty, and once more at shutdown, after every call has settled (so it must close
    after the in-flight wait and before storage: append it between the two)."""

    async def retry(pending: PendingSettlements) -> None:
        while True:
            await asyncio.sleep(retry_seconds)
            await pending.write()

    async def context(app: web.Application) -> AsyncIterator[None]:
        pending = settlements(app)
        task = asyncio.create_task(retry(pending), name="pending settlements")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await pending.write()
            pending.log_unwritten()

    return context
