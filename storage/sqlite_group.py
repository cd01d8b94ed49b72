"""Group commit for the request path's SQLite statements: one commit per loop iteration.

Most of what a short write costs in WAL mode is its commit: the pages it dirtied (the
account's, the calls' and the ledger's, their indexes') are appended to the WAL and the WAL
index is updated, once per transaction. Under load many calls reach their gate or their
settlement in the same iteration of the event loop; their statements (all but the first,
see below) are queued and run together, in statement order, in ONE transaction with ONE
commit, at the end of that iteration (`loop.call_soon`). Measured on the service's own
statements: the settlement falls from about 85 µs to about 35 µs, the gate from about 30 µs
to about 13 µs.

Invariants:
- A caller's result is given only after the transaction holding its statement committed:
  what a caller acts on (a hold, a charge) is as durable as an autocommitted statement.
- Each statement is atomic on its own: one that fails is undone alone (SQLite's statement
  journal) and only its caller gets the error; when SQLite undid the whole transaction
  (a full disk, an I/O error), or the commit fails, every caller of the batch gets the
  error and nothing of the batch is written.
- A queued statement runs even when its caller was cancelled while waiting, as it would
  had it run at once: a settlement is never skipped because its task was cancelled (the
  settlement's unique key makes a retry harmless).
- Nothing waits on the loop: a batch that finds the database locked by another writer is
  retried after a short timer, and a statement still refused past its `busy_seconds`
  fails as a busy timeout would.
- The first statement of an iteration runs at once, as an autocommit (refused as busy, it
  waits in the queue like the others): a lone call, at low load, waits for no batch and
  no extra loop iteration; only the statements that come after it in the same iteration
  are grouped. A batch of one statement also runs as that statement alone.
- An `early` statement (the gate's), when it is the first of its iteration, runs at once in
  a transaction left open, and its caller gets its rows before the commit: the statements
  of the same iteration (and of the next) join that transaction, and the flush commits it
  at the end of the next iteration, before the loop handles any more I/O. The gate's caller
  sends its call to the provider meanwhile, so the commit is off the call's path. What a
  crash before that commit loses is a hold and a rate count: a hold is released at start-up
  anyway, and no charge is ever early (the settlement waits for its commit as above). A
  caller that must not act before that commit waits for it with `committed`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from storage.database import Row

    #: What `sqlite3` binds: a sequence by position (the request path's), or names.
    Params = Sequence[object] | Mapping[str, object]

logger = logging.getLogger(__name__)

#: The first wait after a busy refusal, doubled up to `_LONGEST_WAIT`.
_FIRST_WAIT = 0.001
_LONGEST_WAIT = 0.05


def is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused for another connection's lock (the statement did nothing)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(error)


@dataclass(slots=True)
class _Queued:
    sql: str
    params: Params
    future: asyncio.Future[list[Row]]
    deadline: float


@dataclass(slots=True)
class _Outcome:
    rows: list[Row] | None = None
    error: BaseException | None = None


class GroupCommit:
    """Runs statements of one loop iteration in one transaction on `connection`.

    `connection` is in autocommit mode (`isolation_level=None`) with `busy_timeout=0`, and
    is used by nothing else; the group serves the one event loop it first ran on. Its rows
    are made by the `row_factory` the connection had when the group was made.
    """

    def __init__(self, connection: sqlite3.Connection, busy_seconds: float) -> None:
        self._connection = connection
        #: One cursor for every statement, each one's rows read in full before the next
        #: runs: `connection.execute` makes a cursor a statement (about 1.5 k instructions).
        self._cursor = connection.cursor()
        self._busy_seconds = busy_seconds
        self._queue: list[_Queued] = []
        self._flush_scheduled = False
        self._ran_this_iteration = False
        self._wait = _FIRST_WAIT
        #: The loop the connection serves, found at the first statement (finding the
        #: running loop is a getpid() system call each time).
        self._loop: asyncio.AbstractEventLoop | None = None
        #: An early statement's transaction is open: the next flush commits it.
        self._open = False
        #: An early statement ran: `_iteration_ended` schedules its flush.
        self._flush_after_iteration = False
        #: Who waits for that commit (`committed`), told at the flush.
        self._commit_waiters: list[asyncio.Future[None]] = []

    async def fetch_all(self, sql: str, params: Params, *, early: bool = False) -> list[Row]:
        """Every row of `sql`, once the transaction that ran it committed; `early`: at once,
        when it is the iteration's first statement, its commit following (see the module)."""
        loop = self._loop or self._bound_loop()
        if not self._ran_this_iteration and not self._flush_scheduled:
            self._ran_this_iteration = True
            loop.call_soon(self._iteration_ended)
            try:
                if early:
                    return self._open_with(sql, params, loop)
                return self._cursor.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
        future: asyncio.Future[list[Row]] = loop.create_future()
        self._queue.append(_Queued(sql, params, future, loop.time() + self._busy_seconds))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush, loop)
        return await future

    def _open_with(self, sql: str, params: Params, loop: asyncio.AbstractEventLoop) -> list[Row]:
        """Run `sql` first in a transaction left open, and schedule the flush that commits
        it with whatever this iteration adds. Busy on BEGIN raises (nothing began); a failing
        statement is rolled back and raises, as an autocommit would."""
        cursor = self._cursor
        cursor.execute("BEGIN IMMEDIATE")
        try:
            rows = cursor.execute(sql, params).fetchall()
        except BaseException:
            if self._connection.in_transaction:
                cursor.execute("ROLLBACK")
            raise
        self._open = self._flush_scheduled = True
        # Two hops: aiohttp's client writes the call to the provider from a task of its own,
        # whose first step runs in the next iteration; the commit follows it. The first hop
        # is `_iteration_ended`, already scheduled by `fetch_all` (one callback, not two).
        self._flush_after_iteration = True
        return rows

    async def committed(self) -> None:
        """Return once an early statement's open transaction has ended (at once when none
        is open): a caller that tells its verdict to a client waits for it here."""
        if not self._open:
            return
        future: asyncio.Future[None] = (self._loop or self._bound_loop()).create_future()
        self._commit_waiters.append(future)
        await future

    def _bound_loop(self) -> asyncio.AbstractEventLoop:
        self._loop = asyncio.get_running_loop()
        return self._loop

    def _iteration_ended(self) -> None:
        self._ran_this_iteration = False
        if self._flush_after_iteration:
            self._flush_after_iteration = False
            loop = self._loop
            assert loop is not None  # bound by the statement that scheduled this
            loop.call_soon(self._flush, loop)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._queue = self._queue, []
        try:
            outcomes = self._run(batch)
        except sqlite3.OperationalError as error:
            if is_busy(error):
                self._retry_later(loop, batch, error)
                return
            outcomes = [_Outcome(error=error)] * len(batch)
        except sqlite3.Error as error:
            outcomes = [_Outcome(error=error)] * len(batch)
        self._wait = _FIRST_WAIT
        self._flush_scheduled = False
        for queued, outcome in zip(batch, outcomes, strict=True):
            _deliver(queued.future, outcome)
        waiters, self._commit_waiters = self._commit_waiters, []
        for waiter in waiters:
            _deliver(waiter, _Outcome())

    def _retry_later(
        self, loop: asyncio.AbstractEventLoop, batch: list[_Queued], error: BaseException
    ) -> None:
        """The database is locked by another writer: fail what waited too long, keep the
        rest first in line, and look again after a timer (never a wait on the loop)."""
        now = loop.time()
        expired = [queued for queued in batch if queued.deadline <= now]
        for queued in expired:
            _deliver(queued.future, _Outcome(error=error))
        self._queue = [queued for queued in batch if queued.deadline > now] + self._queue
        if not self._queue:
            self._flush_scheduled = False
            return
        loop.call_later(self._wait, self._flush, loop)
        self._wait = min(self._wait * 2, _LONGEST_WAIT)

    def _run(self, batch: list[_Queued]) -> list[_Outcome]:
        """Run the batch; busy on its first statement raises (nothing was written)."""
        if self._open:
            self._open = False
            return self._committed(batch, early=True)
        if len(batch) == 1:
            only = batch[0]
            try:
                return [_Outcome(rows=self._cursor.execute(only.sql, only.params).fetchall())]
            except sqlite3.OperationalError as error:
                if is_busy(error):
                    raise
                return [_Outcome(error=error)]
            except sqlite3.Error as error:
                return [_Outcome(error=error)]
        self._cursor.execute("BEGIN IMMEDIATE")
        return self._committed(batch, early=False)

    def _committed(self, batch: list[_Queued], *, early: bool) -> list[_Outcome]:
        """Run the batch in the open transaction and commit it. When the transaction is
        lost, every caller of the batch gets the error, and an early statement's loss is
        logged: its caller has acted already (`early` is never money taken, see above)."""
        outcomes = [self._one(queued) for queued in batch]
        error: BaseException | None = None
        if not self._connection.in_transaction:  # SQLite undid everything: nothing holds
            error = _undone(outcomes)
        else:
            try:
                self._cursor.execute("COMMIT")
            except sqlite3.Error as failed:
                if self._connection.in_transaction:
                    self._cursor.execute("ROLLBACK")
                error = failed
        if error is None:
            return outcomes
        if early:
            logger.error("an early statement's transaction was lost: %s", error)
        return [_Outcome(error=error)] * len(batch)

    def _one(self, queued: _Queued) -> _Outcome:
        if not self._connection.in_transaction:  # an earlier statement lost the batch
            return _Outcome(error=sqlite3.OperationalError("the transaction was rolled back"))
        try:
            return _Outcome(rows=self._cursor.execute(queued.sql, queued.params).fetchall())
        except sqlite3.Error as error:
            return _Outcome(error=error)


def _undone(outcomes: list[_Outcome]) -> BaseException:
    """The error that made SQLite roll the whole batch back (the first one)."""
    lost = sqlite3.OperationalError("the transaction was rolled back")
    return next((outcome.error for outcome in outcomes if outcome.error is not None), lost)


def _deliver(future: asyncio.Future[Any], outcome: _Outcome) -> None:
    if future.done():  # its caller was cancelled; the statement ran all the same
        return
    if outcome.error is not None:
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome.rows)
