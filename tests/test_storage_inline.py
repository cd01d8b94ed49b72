"""The request path's SQLite statements run on the loop: they never block it waiting for
another writer's lock, give up as a busy timeout would (the outage error, a 503), and leave
checkpoints to a thread."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.database import open_database
from storage.errors import DatabaseUnavailableError
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_database import SqliteDatabase
from storage.sqlite_inline import InlineSqlite, SqliteSynchronous

INSERT = "INSERT INTO t (v) VALUES (:v) RETURNING id"


def make_database(path: Path) -> None:
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")


async def test_a_locked_database_is_waited_for_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path, busy_seconds=30)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer (the CLI, say) holds the lock
    insert = asyncio.create_task(inline.fetch_one(INSERT, {"v": b"x"}))
    ticks = 0
    while ticks < 20:  # the loop keeps running other work meanwhile
        await asyncio.sleep(0)
        ticks += 1
    assert not insert.done()
    other.execute("COMMIT")
    row = await insert
    assert row == {"id": 1}
    other.close()
    inline.close()


async def test_a_lock_held_past_the_wait_fails_as_the_database_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path, busy_seconds=0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseUnavailableError):
        await inline.execute(INSERT, {"v": b"x"})
    other.execute("ROLLBACK")
    other.close()
    assert await inline.fetch_all("SELECT id FROM t") == []  # the refused insert did nothing
    inline.close()


async def test_the_inline_connection_never_checkpoints_and_the_checkpointer_does(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path)
    assert await inline.fetch_one("PRAGMA wal_autocheckpoint") == {"wal_autocheckpoint": 0}
    for _ in range(50):
        await inline.execute(INSERT, {"v": b"x" * 8192})
    before = path.stat().st_size
    checkpointer = WalCheckpointer(path)
    await checkpointer.checkpoint()
    assert path.stat().st_size > before + 50 * 8192  # the rows were copied into the file
    with sqlite3.connect(path) as fresh:
        assert fresh.execute("SELECT COUNT(*) FROM t").fetchone() == (50,)
    await checkpointer.stop()
    inline.close()


@pytest.mark.parametrize(
    ("synchronous", "pragma", "inline"),
    [(SqliteSynchronous.NORMAL, 1, True), (SqliteSynchronous.FULL, 2, False)],
)
async def test_the_durability_setting_decides_the_pragma_and_the_path(
    tmp_path: Path, synchronous: SqliteSynchronous, pragma: int, inline: bool
) -> None:
    """NORMAL runs the hot statements on the loop; FULL fsyncs every commit, so they take
    the database thread like every other statement."""
    database = await open_database(
        f"sqlite:///{tmp_path}/db.sqlite", sqlite_synchronous=synchronous
    )
    try:
        assert isinstance(database, SqliteDatabase)
        assert await database.hot.fetch_one("PRAGMA synchronous") == {"synchronous": pragma}
        assert await database.fetch_one("PRAGMA synchronous") == {"synchronous": pragma}
        assert isinstance(database.hot, InlineSqlite) is inline
    finally:
        await database.close()
