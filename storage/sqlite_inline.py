"""SQLite statements of the request path, run on the event loop; WAL checkpoints off it.

Every billed call runs two statements (the gate's and the settlement's). Through aiosqlite
each is a trip to its thread and back (a queue, a future, two GIL hand-offs): measured at
about 36 µs of CPU on top of the statement itself, which takes about 20 µs. So the request
path's statements run here instead, synchronously on the loop, on a connection of their own:

- A statement that touches a few rows by key, in WAL mode with `synchronous=NORMAL`, writes
  to the WAL file's page cache and never waits for the disk: its commit is durable when the
  process crashes (the OS has the pages), as before. What could take milliseconds is kept
  off the loop: this connection never checkpoints (`wal_autocheckpoint=0`, the fsyncs are
  the checkpoint's; `storage.sqlite_checkpoint` does it from a thread), and it never waits
  for a lock (`busy_timeout=0`): a statement that finds the database locked by another
  writer (the CLI, the threaded connection's transaction) is retried after a timer, up to
  `busy_seconds`, then raises `sqlite3.OperationalError` as a busy timeout would.
- A statement that is refused as busy did nothing (it is atomic), so retrying it is safe.
- The statements of one loop iteration share one transaction and one commit
  (`storage.sqlite_group`), and each caller resumes only once its statement committed.
- Statements are bound by position (`storage.numbered`): binding a mapping costs more than
  running the settlement.
- Only short statements belong here; anything that scans (reports, retention) stays on the
  threaded connection (`storage.database.SqliteDatabase`).
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.numbered import bound
from storage.outages import outages_translated
from storage.sqlite_group import GroupCommit

if TYPE_CHECKING:
    from storage.database import Params, Row


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


_PRAGMAS = ("synchronous=NORMAL", "foreign_keys=ON", "wal_autocheckpoint=0")
#: This connection's page cache, in KiB (SQLite's default is 2 MiB): the gate finds an
#: account by its key's hash, anywhere in the accounts table and its key index, and the
#: settlement walks the calls' and ledger's indexes; with 100 000 accounts or millions of
#: calls their pages no longer fit in 2 MiB, and each miss is a read from the OS. Pages are
#: allocated as they are first read, so a small database never takes this much.
CACHE_KIB = 64 * 1024


def dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> dict[str, Any]:
    """Rows as plain dicts, so both dialects honour the `Row` mapping type (every SQLite
    connection of the service, the request path's and aiosqlite's, reads rows this way)."""
    return dict(zip([column[0] for column in cursor.description], values, strict=True))


class _GroupStatements:
    """An `Executor` over a `GroupCommit`: statements bound by position, outages translated;
    `_early` says whether the rows come before the commit (see `storage.sqlite_group`)."""

    _group: GroupCommit
    _early = False

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row: the statement runs to its end, so its autocommit commits here (a
        cursor left with rows unread would keep the write transaction open). A database
        locked past the wait, full or unwritable raises `DatabaseUnavailableError`."""
        text, values = bound(sql, "?", params)
        with outages_translated():
            return await self._group.fetch_all(text, values, early=self._early)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await self.fetch_all(sql, params)


def connect_inline(path: Path, busy_seconds: float = 5.0) -> sqlite3.Connection:
    """A connection set up for statements on the loop: it never checkpoints and, once set
    up (which may wait for a lock, up to `busy_seconds`), never waits (see the module)."""
    connection = sqlite3.connect(
        path, timeout=busy_seconds, isolation_level=None, check_same_thread=False
    )
    for pragma in (*_PRAGMAS, f"cache_size=-{CACHE_KIB}"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("PRAGMA busy_timeout=0")
    return connection


class InlineSqlite(_GroupStatements):
    """An `Executor` whose statements run on the calling (event loop) thread."""

    def __init__(self, connection: sqlite3.Connection, busy_seconds: float) -> None:
        self._connection = connection
        self._group = GroupCommit(connection, busy_seconds)
        #: The same statements, their rows given before their commit (the gate's).
        self.early = _EarlyResults(self._group)

    @classmethod
    def open(cls, path: Path, busy_seconds: float = 5.0) -> InlineSqlite:
        """Open the connection (call it from a thread: its set-up may wait for a lock, up
        to `busy_seconds`); from then on it never waits (`busy_timeout=0`)."""
        connection = connect_inline(path, busy_seconds)
        connection.row_factory = dict_row
        return cls(connection, busy_seconds)

    async def committed(self) -> None:
        """Return once the early statements run so far have committed."""
        await self._group.committed()

    def close(self) -> None:
        self._connection.close()


class _EarlyResults(_GroupStatements):
    """An `Executor` for a statement whose caller may act before it commits (the gate):
    `GroupCommit`'s `early` statements, committed at the end of the loop iteration."""

    _early = True

    def __init__(self, group: GroupCommit) -> None:
        self._group = group
