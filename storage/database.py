"""One small interface over SQLite (aiosqlite) and PostgreSQL (asyncpg).

SQL in this package is written once, with `:name` parameters; the PostgreSQL side rewrites
them to `$n` (once per statement text, cached). Each method is one statement; a
`transaction()` groups several and is the only way to do so.

Invariant on SQLite: the one aiosqlite connection is shared by every coroutine, so a
multi-statement transaction would swallow statements that other coroutines send meanwhile.
Every statement therefore takes `_lock`, and a transaction holds it from BEGIN to COMMIT.
The request path's two statements (the gate's and the settlement's) go through `hot`
instead: on SQLite a connection of their own that runs them on the loop, without a thread
hop (`storage.sqlite_inline`); on PostgreSQL the pool itself.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

import aiosqlite
import asyncpg

from storage.errors import UnsupportedDatabaseUrlError
from storage.sqlite_inline import InlineSqlite, WalCheckpointer

Row = Mapping[str, Any]
Params = Mapping[str, object]
#: How long a statement waits for another writer's lock before it fails.
_BUSY_SECONDS = 5.0


class SqliteSynchronous(StrEnum):
    """What an SQLite commit promises (its `synchronous` pragma, in WAL mode).

    NORMAL: a commit survives the process's crash (the OS has it) but not a power loss or
    an OS crash, which may undo the last commits since a checkpoint (never corrupting the
    file: balance and ledger are written together, so they go back together). Statements
    of the request path run on the loop. FULL: every commit is fsynced, so it survives a
    power loss too; each costs a disk flush, so the request path's statements run on the
    database thread like every other, never on the loop.
    """

    NORMAL = "normal"
    FULL = "full"


class Executor(Protocol):
    """Runs single statements; both a database and an open transaction are executors."""

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None: ...

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]: ...

    async def execute(self, sql: str, params: Params | None = None) -> None: ...


class Database(Executor, Protocol):
    """A connection (or pool) that can also open transactions and be closed."""

    dialect: str
    #: For the request path's short statements by key: never a scan (see the module doc).
    hot: Executor

    def transaction(self) -> AbstractAsyncContextManager[Executor]: ...

    async def close(self) -> None: ...


class _SqliteExecutor:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        rows = await self._connection.execute_fetchall(sql, params or {})
        return next(iter(rows), None)  # type: ignore[return-value]

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        return list(await self._connection.execute_fetchall(sql, params or {}))  # type: ignore[arg-type]

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await self._connection.execute_fetchall(sql, params or {})


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    """Rows as plain dicts, so both dialects honour the `Row` mapping type."""
    return dict(zip((column[0] for column in cursor.description), values, strict=True))


class SqliteDatabase:
    """SQLite in WAL mode through one aiosqlite connection in autocommit mode."""

    dialect = "sqlite"

    def __init__(
        self,
        connection: aiosqlite.Connection,
        inline: InlineSqlite | None,
        checkpointer: WalCheckpointer | None,
    ) -> None:
        """`inline` None: the request path's statements take the thread like the rest."""
        self._connection = connection
        self._executor = _SqliteExecutor(connection)
        self._lock = asyncio.Lock()
        self._inline = inline
        self.hot: Executor = inline if inline is not None else self
        self._checkpointer = checkpointer

    @classmethod
    async def open(
        cls, path: Path, synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL
    ) -> SqliteDatabase:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = _dict_row  # type: ignore[assignment]
        for pragma in ("journal_mode=WAL", f"synchronous={synchronous}", "foreign_keys=ON"):
            await connection.execute(f"PRAGMA {pragma}")
        await connection.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
        if synchronous is SqliteSynchronous.FULL:
            return cls(connection, None, None)
        checkpointer = WalCheckpointer(path)
        checkpointer.start()
        return cls(connection, InlineSqlite.open(path, _BUSY_SECONDS), checkpointer)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        async with self._lock:
            return await self._executor.fetch_one(sql, params)

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        async with self._lock:
            return await self._executor.fetch_all(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        async with self._lock:
            await self._executor.execute(sql, params)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Executor]:
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._executor
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        return self._transaction()

    async def close(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        if self._inline is not None:
            self._inline.close()
        await self._connection.close()


_PARAMETER = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


@lru_cache(maxsize=256)
def _to_numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite `:name` parameters as `$1..$n`; a repeated name reuses its number."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAMETER.sub(number, sql), tuple(names)


class _PostgresExecutor:
    def __init__(self, connection: asyncpg.Pool | asyncpg.pool.PoolConnectionProxy) -> None:
        self._connection = connection

    @staticmethod
    def _prepare(sql: str, params: Params | None) -> tuple[str, list[object]]:
        text, names = _to_numbered(sql)
        values = params or {}
        return text, [values[name] for name in names]

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        text, args = self._prepare(sql, params)
        return cast(Row | None, await self._connection.fetchrow(text, *args))

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        text, args = self._prepare(sql, params)
        return cast(list[Row], await self._connection.fetch(text, *args))

    async def execute(self, sql: str, params: Params | None = None) -> None:
        text, args = self._prepare(sql, params)
        await self._connection.execute(text, *args)


class PostgresDatabase(_PostgresExecutor):
    """PostgreSQL through an asyncpg pool: what several replicas share."""

    dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self._pool = pool
        self.hot: Executor = self

    @classmethod
    async def open(cls, dsn: str) -> PostgresDatabase:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
        return cls(pool)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Executor]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresExecutor(connection)

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        return self._transaction()

    async def close(self) -> None:
        await self._pool.close()


def sqlite_path(url: str) -> Path:
    """`sqlite:///rel/path` is relative to the working directory, `sqlite:////abs` absolute."""
    return Path(url.removeprefix("sqlite:///"))


async def open_database(
    url: str, sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL
) -> Database:
    """Open the database that DATABASE_URL names (the schema is not touched here)."""
    if url.startswith("sqlite:///"):
        return await SqliteDatabase.open(sqlite_path(url), sqlite_synchronous)
    if url.startswith(("postgresql://", "postgres://")):
        return await PostgresDatabase.open(url)
    scheme = url.split(":", 1)[0]
    raise UnsupportedDatabaseUrlError(
        f"DATABASE_URL scheme {scheme!r} is not supported: use sqlite:/// or postgresql://"
    )
