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


async def test_the_checkpointer_copies_a_grown_wal_once_and_not_again_until_written(
    tmp_path: Path,
) -> None:
    """SQLite reuses a checkpointed WAL without shrinking it: its size alone would call for
    a checkpoint at every look, idle or not; a write since the last one is what does."""
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path)
    checkpointer = WalCheckpointer(path, threshold=64 * 1024)
    try:
        assert await checkpointer.tick() is False  # an empty WAL: nothing to do
        for _ in range(20):
            await inline.execute(INSERT, {"v": b"x" * 8192})
        assert await checkpointer.tick() is True
        before = path.stat().st_size
        assert before > 20 * 8192  # copied into the file
        assert await checkpointer.tick() is False  # idle: the WAL is as it was
        assert await checkpointer.tick() is False
        await inline.execute(INSERT, {"v": b"y" * 8192})
        assert await checkpointer.tick() is True  # written since: copied again
        assert path.stat().st_size > before
    finally:
        await checkpointer.stop()
        inline.close()


async def test_a_wal_under_the_threshold_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path)
    checkpointer = WalCheckpointer(path, threshold=1024 * 1024)
    try:
        await inline.execute(INSERT, {"v": b"x"})
        assert await checkpointer.tick() is False
        with sqlite3.connect(path) as reader:
            assert reader.execute("SELECT COUNT(*) FROM t").fetchone() == (1,)
    finally:
        await checkpointer.stop()
        inline.close()


async def test_a_failed_checkpoint_is_logged_and_tried_again_on_a_fresh_connection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path)
    checkpointer = WalCheckpointer(path, threshold=0)
    try:
        await inline.execute(INSERT, {"v": b"x"})
        assert await checkpointer.tick() is True
        broken = checkpointer._connection
        assert broken is not None
        broken.close()  # as if the connection had failed under it
        await inline.execute(INSERT, {"v": b"y"})
        assert await checkpointer.tick() is True
        assert "the WAL checkpoint" in caplog.text
        assert await checkpointer.tick() is True  # not marked done: tried again, and it works
        assert checkpointer._connection is not broken
        assert "retried later" in caplog.text
    finally:
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


async def test_stopping_waits_for_a_checkpoint_still_running_and_leaves_no_connection(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite"
    make_database(path)
    inline = InlineSqlite.open(path)
    checkpointer = WalCheckpointer(path, threshold=0)
    try:
        await inline.execute(INSERT, {"v": b"x"})
        assert await checkpointer.tick() is True  # the connection is open and kept
        await inline.execute(INSERT, {"v": b"y"})
        checkpointer._connection_lock.acquire()  # the next checkpoint stalls in its thread
        running = asyncio.create_task(checkpointer.tick())
        stopping = asyncio.create_task(checkpointer.stop())
        for _ in range(20):
            await asyncio.sleep(0)
        assert not stopping.done()  # stop waits for the thread to give the connection up
        checkpointer._connection_lock.release()
        await asyncio.gather(running, stopping)
        assert checkpointer._connection is None
    finally:
        inline.close()
