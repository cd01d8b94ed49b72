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
- With a journal (`storage.money_journal`; the service always has one), a settlement is on
  the disk before its client is answered, and leaves it only once written: a process
  killed during the outage leaves its settlements to the next process on the same file,
  which writes them before it admits a call. Without one (or when the disk
  refuses the append), what this process still holds when it stops is lost: it is logged,
  call by call, at ERROR, and those calls' holds are released like a crashed call's (at
  the next SQLite start-up, after STALE_HOLD_MINUTES on PostgreSQL), so they are free,
  never charged twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict

from aiohttp import web

from api.journal_context import JOURNAL
from storage.accounts import AccountStore
from storage.errors import DatabaseUnavailableError
from storage.models import CallRecord
from storage.money_journal import Entry, MoneyJournal, end_in, keep_in, restored

logger = logging.getLogger(__name__)

#: How often a process with a backlog tries to write it when no request or probe does.
RETRY_SECONDS = 5.0
#: The journal's kind of entry for a settlement (its data: `CallRecord`'s fields).
SETTLEMENT = "settlement"


class PendingSettlements:
    """The settlements of this process that wait for the database, oldest first."""

    def __init__(self, accounts: AccountStore) -> None:
        self._accounts = accounts
        self._waiting: deque[CallRecord] = deque()
        self._writing = asyncio.Lock()
        self._journal: MoneyJournal | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def use_journal(self, journal: MoneyJournal) -> None:
        """Keep every settlement in `journal` from now on, and take what an earlier
        process left there: it waits like this process's own, so nothing is admitted
        before it is written."""
        self._journal = journal
        left = restored(journal, SETTLEMENT, CallRecord)
        self._waiting.extendleft(reversed(left))
        if left:
            logger.warning(
                "%d settlements an earlier process could not write wait in %s: they are "
                "written before any call is admitted",
                len(left),
                journal.path,
            )

    async def keep(self, record: CallRecord, error: DatabaseUnavailableError) -> None:
        """Keep a settlement that failed because the database is unavailable: waiting at
        once (the gate admits nothing from now on), and in the journal, on the disk, before
        the caller goes on to answer its client."""
        self._waiting.append(record)
        logger.warning(
            "request %s: its settlement waits for the database (%s); %d waiting",
            record.request_id,
            error.reason,
            len(self._waiting),
        )
        journal, key = self._journal, record.settle_key
        if journal is None:
            return
        if key is None:  # a second write would charge it twice: never replayed
            logger.error("request %s: no settle_key, so it is not journaled", record.request_id)
            return
        await keep_in(journal, Entry(SETTLEMENT, key, asdict(record)))

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
                await self._written(record)
        return len(self._waiting)

    async def _written(self, record: CallRecord) -> None:
        """`record` left the backlog: its journal entry is done (even one still on its way
        in: the journal then writes nothing)."""
        if self._journal is not None and record.settle_key is not None:
            await end_in(self._journal, SETTLEMENT, record.settle_key)

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
        operator (ids and amounts only, nothing secret): at WARNING those the journal
        keeps for the next process, at ERROR those lost."""
        journal = self._journal
        for record in self._waiting:
            key = record.settle_key
            if journal is not None and key is not None and journal.holds(SETTLEMENT, key):
                logger.warning(
                    "request %s (account %d, %s): not settled yet, its cost %d units is "
                    "kept in %s and written by the next process that opens it",
                    record.request_id,
                    record.account_id,
                    record.model,
                    record.cost,
                    journal.path,
                )
                continue
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
    """A `cleanup_ctx` entry: keep the backlog in the app's money journal when it has one
    (`api.journal_context`, appended before this), taking what an earlier
    process left there; retry it every `retry_seconds` while it is not empty, and once more
    at shutdown, after every call has settled (so it must close after the in-flight wait
    and before storage: append it between the two)."""

    async def retry(pending: PendingSettlements) -> None:
        while True:
            await asyncio.sleep(retry_seconds)
            await pending.write()

    async def context(app: web.Application) -> AsyncIterator[None]:
        pending = settlements(app)
        if (journal := app.get(JOURNAL)) is not None:
            pending.use_journal(journal)
        task = asyncio.create_task(retry(pending), name="pending settlements")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await pending.write()
            pending.log_unwritten()

    return context
