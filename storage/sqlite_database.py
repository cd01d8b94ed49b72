"""SQLite behind the `Database` interface: one aiosqlite connection for every statement,
and (by default) a second one on the loop for the request path's two (`storage.sqlite_inline`).

Invariant: the one aiosqlite connection is shared by every coroutine, so a multi-statement
transaction would swallow statements that other coroutines send meanwhile. Every statement
therefore takes `_lock`, and a transaction holds it from BEGIN to COMMIT.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite

from storage.errors import DatabaseUnavailableError
from storage.numbered import InOrder, bound
from storage.outages import DatabaseTimeouts, outages_translated
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_group import is_busy
from storage.sqlite_inline import InlineSqlite, SqliteSynchronous, dict_row

if TYPE_CHECKING:
    from storage.database import Executor, Params, Row


class _SqliteExecutor:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        rows = await self._connection.execute_fetchall(*_bindable(sql, params))
        return next(iter(rows), None)  # type: ignore[return-value]

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        return list(await self._connection.execute_fetchall(*_bindable(sql, params)))  # type: ignore[arg-type]

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await self._connection.execute_fetchall(*_bindable(sql, params))


def _bindable(sql: str, params: Params | None) -> tuple[str, Sequence[object] | Params]:
    """`sqlite3` binds names itself; values in order go with the numbered text."""
    if isinstance(params, InOrder):
        return bound(sql, "?", params)
    return sql, params or {}


async def _switch_to_wal(connection: aiosqlite.Connection, seconds: float) -> None:
    """Put the file in WAL mode (once per file: it persists), retrying while refused.

    Switching a fresh file takes an exclusive lock. Processes opening it at the same moment
    can each hold a shared lock while asking for it, and SQLite refuses at once rather than
    wait (its busy handler would deadlock), so the switch is retried after a short sleep
    until one of them has made it, which makes it a no-op for the others.
    """
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if not is_busy(error) or asyncio.get_running_loop().time() >= deadline:
                raise
        await asyncio.sleep(0.02)


class SqliteDatabase:
    """SQLite in WAL mode through one aiosqlite connection in autocommit mode.

    A statement waits at most `timeouts.command` for the connection (other coroutines'
    statements) and as long again for another process's write lock (the busy timeout), so
    a locked file answers within twice that, however many requests queue. With
    `SqliteSynchronous.NORMAL`, `hot` is a second connection that runs the request path's
    statements on the loop (`storage.sqlite_inline`), bounded by the same timeout.
    """

    dialect = "sqlite"

    def __init__(
        self,
        connection: aiosqlite.Connection,
        timeouts: DatabaseTimeouts | None = None,
        inline: InlineSqlite | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        """`inline` None: the request path's statements take the thread like the rest."""
        self._connection = connection
        self._executor = _SqliteExecutor(connection)
        self._lock = asyncio.Lock()
        self._timeouts = timeouts or DatabaseTimeouts()
        self._inline = inline
        self.hot: Executor = inline if inline is not None else self
        self.gate: Executor = inline.early if inline is not None else self
        self._checkpointer = checkpointer

    @classmethod
    async def open(
        cls,
        path: Path,
        timeouts: DatabaseTimeouts | None = None,
        synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL,
    ) -> SqliteDatabase:
        timeouts = timeouts or DatabaseTimeouts()
        path.parent.mkdir(parents=True, exist_ok=True)
        with outages_translated():
            connection = await aiosqlite.connect(path, isolation_level=None)
            connection.row_factory = dict_row  # type: ignore[assignment]
            await connection.execute(f"PRAGMA busy_timeout={int(timeouts.command * 1000)}")
            await _switch_to_wal(connection, timeouts.command)
            for pragma in (f"synchronous={synchronous}", "foreign_keys=ON"):
                await connection.execute(f"PRAGMA {pragma}")
            if synchronous is SqliteSynchronous.FULL:
                return cls(connection, timeouts)
            inline = await asyncio.to_thread(InlineSqlite.open, path, timeouts.command)
        checkpointer = WalCheckpointer(path)
        checkpointer.start()
        return cls(connection, timeouts, inline, checkpointer)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """The connection to ourselves, waited for at most the command timeout; first, the
        gate's early statements commit, so what runs here sees them (read your writes)."""
        await self.committed()
        try:
            async with asyncio.timeout(self._timeouts.command):
                await self._lock.acquire()
        except TimeoutError:
            reason = "SQLite: every statement is waiting for one that is stuck"
            raise DatabaseUnavailableError(reason) from None
        try:
            with outages_translated():
                yield
        finally:
            self._lock.release()

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        async with self._turn():
            return await self._executor.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        async with self._turn():
            return await self._executor.fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        async with self._turn():
            await self._executor.execute(sql, params)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Executor]:
        """BEGIN IMMEDIATE to COMMIT under the lock; a failure anywhere (COMMIT included:
        a full disk refuses it) rolls back what SQLite has not already rolled back, so the
        shared connection never stays inside a half transaction."""
        async with self._turn():
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._executor
                await self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        return self._transaction()

    async def committed(self) -> None:
        """Return once the gate's early statements have committed (`storage.sqlite_group`)."""
        if self._inline is not None:
            await self._inline.committed()

    async def ping(self) -> None:
        """Take the write lock and give it back: a file another process keeps locked fails
        here, where a read (which WAL lets through) would not."""
        async with self._transaction():
            pass

    async def close(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        if self._inline is not None:
            self._inline.close()
        await self._connection.close()
