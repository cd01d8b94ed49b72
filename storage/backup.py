"""`myapi backup <file>`: a consistent copy of a SQLite database, also while the service runs.

SQLite's online backup API copies the pages as one read transaction sees them, WAL included,
so the copy is a consistent database even while the service writes (WAL lets it go on
writing meanwhile). It is blocking work, so it runs in a worker thread, never on the event
loop. The copy is written beside the target under a temporary name, checked, and renamed
into place: a failed backup never leaves a half file under the name asked for, and an
existing file is never overwritten.

PostgreSQL is backed up by its own tool, `pg_dump`; this module only says so.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from storage.database import sqlite_path
from storage.errors import StorageError


class BackupError(StorageError):
    """The backup was not made; the message says why and what to do."""


def pg_dump_advice(url: str, target: Path) -> str:
    """How to back up the PostgreSQL database `url` names, without its password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return (
        f"DATABASE_URL is PostgreSQL ({shown}): myapi backup copies SQLite databases; back "
        f"PostgreSQL up with its own tool, pg_dump: pg_dump --format=custom "
        f"--file={target} '<your DATABASE_URL>' (restore with pg_restore)"
    )


async def backup_database(url: str, target: Path) -> int:
    """Copy the SQLite database `url` names to `target`; returns the copy's size in bytes.

    Raises `BackupError` for PostgreSQL (use pg_dump), a missing database, an existing
    target, or a copy that fails its integrity check.
    """
    if not url.startswith("sqlite:///"):
        raise BackupError(pg_dump_advice(url, target))
    return await asyncio.to_thread(_backup_sqlite, sqlite_path(url), target)


def _backup_sqlite(source: Path, target: Path) -> int:
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}: check DATABASE_URL")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    descriptor, partial_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(descriptor)
    partial = Path(partial_name)
    try:
        _copy(source, partial)
        os.link(partial, target)  # fails, rather than overwrites, if the name was taken
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _copy(source: Path, copy: Path) -> None:
    """The online backup, then a check of the copy, which is left in rollback-journal mode
    so that it is one self-contained file."""
    uri = f"{source.resolve().as_uri()}?mode=rw"  # never creates an empty database
    with (
        closing(sqlite3.connect(uri, uri=True)) as origin,
        closing(sqlite3.connect(copy)) as destination,
    ):
        origin.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
        [(verdict,)] = destination.execute("PRAGMA integrity_check").fetchall()
    if verdict != "ok":
        raise BackupError(f"the copy failed SQLite's integrity check ({verdict}); not kept")
