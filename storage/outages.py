"""Which driver errors mean "the database is away", and the timeouts that bound every wait.

An outage must reach the API as one error, `DatabaseUnavailableError` (a 503), never as the
driver's own exception (a 500 with a traceback), and no statement may wait without a bound:
PostgreSQL gets a connect timeout (which also bounds waiting for a pooled connection) and a
command timeout; SQLite gets the command timeout as its busy timeout (how long a statement
waits for another process's write lock) and as the bound on waiting for its one connection.

Everything else (a constraint, a syntax error, a bug) stays what it is: an outage is a state
of the database or the link to it, never a property of the statement.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from types import TracebackType

import asyncpg

from storage.errors import DatabaseUnavailableError

#: SQLite's primary result codes for a database that cannot take the statement now: locked
#: past the busy timeout, out of disk or memory, an I/O error, a file it cannot open or
#: write.
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
#: PostgreSQL's own words for it: the connection classes (08), insufficient resources (53:
#: disk full, out of memory, too many connections) and operator intervention (57: shutting
#: down, starting up, restarting).
_POSTGRES_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.OperatorInterventionError,
)
#: What asyncpg reports about the link itself: a closed connection, a refused or reset
#: socket, a timeout (connect, pool or command).
_LINK_ERRORS = (asyncpg.InterfaceError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class DatabaseTimeouts:
    """Bounds on every wait for the database, in seconds (DATABASE_CONNECT_TIMEOUT and
    DATABASE_COMMAND_TIMEOUT). Both must be positive: no wait is unbounded."""

    connect: float = 5.0
    command: float = 10.0

    def __post_init__(self) -> None:
        if self.connect <= 0 or self.command <= 0:
            raise ValueError("database timeouts must be positive numbers of seconds")


def outage_reason(error: BaseException) -> str | None:
    """Why `error` means the database is unavailable, or None when it means something else.

    asyncpg's `InterfaceError` counts only for a closed connection: its other uses are
    programming errors, which must stay loud.
    """
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_UNAVAILABLE:
            return f"SQLite: {error}"
        return None
    if isinstance(error, _POSTGRES_UNAVAILABLE):
        return f"PostgreSQL: {type(error).__name__}"
    if isinstance(error, asyncpg.InterfaceError) and "closed" not in str(error):
        return None
    if isinstance(error, _LINK_ERRORS):
        return f"no answer ({type(error).__name__})"
    return None


def is_outage(error: BaseException) -> bool:
    return outage_reason(error) is not None


class _OutagesTranslated:
    """The context manager of `outages_translated`: a class, not a generator, because it
    wraps both statements of every billed call and holds no state."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(error, Exception) or isinstance(error, DatabaseUnavailableError):
            return  # nothing raised, or not ours to translate: it goes on unchanged
        reason = outage_reason(error)
        if reason is not None:
            raise DatabaseUnavailableError(reason) from error


_TRANSLATED = _OutagesTranslated()


def outages_translated() -> _OutagesTranslated:
    """Re-raise an outage as `DatabaseUnavailableError`; anything else unchanged."""
    return _TRANSLATED
