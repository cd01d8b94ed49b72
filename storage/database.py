"""One small interface over SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQL in this package is written once, with `:name` parameters; the PostgreSQL side rewrites
them to `$n` (once per statement text, cached). Each method is one statement; a
`transaction()` groups several and is the only way to do so.

SQLite's side is `storage.sqlite_database`. The request path's two statements (the gate's
and the settlement's) go through `hot`: on SQLite by default a connection of their own that
runs them on the loop, without a thread hop (`storage.sqlite_inline`); on PostgreSQL the
pool itself.

Invariant on both: no wait is unbounded and no outage leaves as a driver error. Every wait
is bounded by `DatabaseTimeouts` (`storage.outages`), and an unreachable, locked or full
database raises `DatabaseUnavailableError`. A PostgreSQL connection that failed that way is
closed, never returned to the pool, so the pool reconnects by itself once the server is back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any, Protocol, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from storage.errors import UnsupportedDatabaseUrlError
from storage.numbered import InOrder, bound
from storage.outages import DatabaseTimeouts, is_outage, outages_translated
from storage.sqlite_database import SqliteDatabase
from storage.sqlite_inline import SqliteSynchronous
from storage.to_the_end import RunToTheEnd

Row = Mapping[str, Any]
#: By name, or already in the statement's parameter order (`storage.numbered.InOrder`).
Params = Mapping[str, object] | InOrder


class Executor(Protocol):
    """Runs single statements; both a database and an open transaction are executors."""

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None: ...

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]: ...

    async def execute(self, sql: str, params: Params | None = None) -> None: ...


class Database(Executor, Protocol):
    """A connection (or pool) that can also open transactions and be closed."""

    dialect: str
    #: For the request path's short statements by key: never a scan.
    hot: Executor
    #: `hot` for the gate's statement, whose result its caller may act on before it
    #: commits (SQLite on the loop commits it at the end of the loop iteration, after the
    #: call went out: `storage.sqlite_group`); elsewhere `hot` itself.
    gate: Executor

    def transaction(self) -> AbstractAsyncContextManager[Executor]: ...

    async def ping(self) -> None:
        """Raise `DatabaseUnavailableError` unless the database could take a write now."""
        ...

    async def committed(self) -> None:
        """Return once what `gate` ran has committed (at once where it commits at once)."""
        ...

    async def close(self) -> None: ...


class _PostgresExecutor:
    def __init__(self, connection: asyncpg.Connection | PoolConnectionProxy) -> None:
        self._connection = connection

    @staticmethod
    def _prepare(sql: str, params: Params | None) -> tuple[str, list[object]]:
        text, values = bound(sql, "$", params)
        return text, list(values)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        text, args = self._prepare(sql, params)
        return cast(Row | None, await self._connection.fetchrow(text, *args))

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        text, args = self._prepare(sql, params)
        return cast(list[Row], await self._connection.fetch(text, *args))

    async def execute(self, sql: str, params: Params | None = None) -> None:
        text, args = self._prepare(sql, params)
        await self._connection.execute(text, *args)


async def _no_session_state(_connection: asyncpg.Connection) -> None:
    """What the pool does to a connection it takes back, beyond asyncpg's own part (which
    rolls back a transaction left open): nothing.

    asyncpg's default sends a reset query (unlock advisory locks, close cursors, unlisten,
    reset settings) on every release: a round trip per statement, two per billed call.
    Invariant that makes it unneeded: no pooled connection is given session state. This
    module sets no settings and opens no cursor outside a transaction; advisory locks are
    transaction-scoped (migrations) or held on a connection of their own, never pooled
    (`storage.leader`).
    """


class PostgresDatabase:
    """PostgreSQL through an asyncpg pool: what several replicas share.

    Every statement acquires a connection within the connect timeout (a new connection
    counts as connecting) and runs within the command timeout (the pool's
    `command_timeout`). A connection that failed by an outage is terminated, never pooled
    again: the next acquire connects anew, which is how the service recovers by itself
    once the server answers again. No connection is kept open for its own sake
    (`min_size=0`): during an outage nothing reconnects in the background, filling the log,
    only the requests and probes that need the database try it.
    """

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, timeouts: DatabaseTimeouts | None = None) -> None:
        self._pool = pool
        self._timeouts = timeouts or DatabaseTimeouts()
        self.hot: Executor = RunToTheEnd(self)
        self.gate: Executor = self.hot

    @classmethod
    async def open(cls, dsn: str, timeouts: DatabaseTimeouts | None = None) -> PostgresDatabase:
        timeouts = timeouts or DatabaseTimeouts()
        with outages_translated():
            pool = await asyncpg.create_pool(
                dsn,
                min_size=0,
                max_size=10,
                timeout=timeouts.connect,
                command_timeout=timeouts.command,
                reset=_no_session_state,
            )
        return cls(pool, timeouts)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PoolConnectionProxy]:
        with outages_translated():
            connection = await self._pool.acquire(timeout=self._timeouts.connect)
            try:
                yield connection
            except BaseException as error:
                if is_outage(error):
                    _discard(connection)
                raise
            finally:
                await self._pool.release(connection)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        async with self._connection() as connection:
            return await _PostgresExecutor(connection).fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        async with self._connection() as connection:
            return await _PostgresExecutor(connection).fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        async with self._connection() as connection:
            await _PostgresExecutor(connection).execute(sql, params)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Executor]:
        """A transaction on one connection. After an outage the connection is terminated
        without a ROLLBACK (which would wait out the command timeout again on a dead link):
        the server rolls back a transaction whose session ends."""
        async with self._connection() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                yield _PostgresExecutor(connection)
            except BaseException as error:
                if not is_outage(error):
                    await transaction.rollback()
                raise
            await transaction.commit()

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        return self._transaction()

    async def committed(self) -> None:
        """Every statement here commits before it answers."""

    async def ping(self) -> None:
        await self.execute("SELECT 1")

    async def close(self) -> None:
        await self._pool.close()


def _discard(connection: PoolConnectionProxy) -> None:
    """Close a connection an outage broke, so it is never pooled again. asyncpg has already
    given back one whose socket closed (terminating that one again raises)."""
    with suppress(asyncpg.InterfaceError):
        connection.terminate()


def sqlite_path(url: str) -> Path:
    """`sqlite:///rel/path` is relative to the working directory, `sqlite:////abs` absolute."""
    return Path(url.removeprefix("sqlite:///"))


async def open_database(
    url: str,
    timeouts: DatabaseTimeouts | None = None,
    sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL,
) -> Database:
    """Open the database that DATABASE_URL names (the schema is not touched here).

    Raises `DatabaseUnavailableError` when it cannot be reached within the timeouts.
    """
    if url.startswith("sqlite:///"):
        return await SqliteDatabase.open(sqlite_path(url), timeouts, sqlite_synchronous)
    if url.startswith(("postgresql://", "postgres://")):
        return await PostgresDatabase.open(url, timeouts)
    scheme = url.split(":", 1)[0]
    raise UnsupportedDatabaseUrlError(
        f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:/// or postgresql://"
    )
