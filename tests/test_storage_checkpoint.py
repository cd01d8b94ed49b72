"""The WAL checkpointer: it copies a grown WAL back from a thread, does nothing while the
service is idle, keeps one connection, and lets none outlive `stop`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_inline import InlineSqlite

INSERT = "INSERT INTO t (v) VALUES (:v) RETURNING id"


@dataclass
class Database:
    """A WAL database, its request-path connection, and the checkpointers made on it."""

    path: Path
    inline: InlineSqlite
    checkpointers: list[WalCheckpointer] = field(default_factory=list)

    def checkpointer(self, threshold: int) -> WalCheckpointer:
        checkpointer = WalCheckpointer(self.path, threshold=threshold)
        self.checkpointers.append(checkpointer)
        return checkpointer

    async def write(self, value: bytes) -> None:
        await self.inline.execute(INSERT, {"v": value})


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    database = Database(path, InlineSqlite.open(path))
    yield database
    for checkpointer in database.checkpointers:
        await checkpointer.stop()
    database.inline.close()


async def test_a_grown_wal_is_copied_once_and_not_again_until_written(db: Database) -> None:
    """SQLite reuses a checkpointed WAL without shrinking it: its size alone would call for
    a checkpoint at every look, idle or not; a write since the last one is what does."""
    checkpointer = db.checkpointer(threshold=64 * 1024)
    assert await checkpointer.tick() is False  # an empty WAL: nothing to do
    for _ in range(20):
        await db.write(b"x" * 8192)
    assert await checkpointer.tick() is True
    before = db.path.stat().st_size
    assert before > 20 * 8192  # copied into the file
    assert await checkpointer.tick() is False  # idle: the WAL is as it was
    assert await checkpointer.tick() is False
    await db.write(b"y" * 8192)
    assert await checkpointer.tick() is True  # written since: copied again
    assert db.path.stat().st_size > before


async def test_a_checkpoint_a_reader_held_back_is_tried_again_until_complete(
    db: Database,
) -> None:
    checkpointer = db.checkpointer(threshold=0)
    reader = sqlite3.connect(db.path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM t").fetchone()  # its snapshot: before the writes
        for _ in range(3):
            await db.write(b"x" * 8192)
        assert await checkpointer.tick() is True  # the frames the reader needs stay
        assert await checkpointer.tick() is True  # not written since, but not done: again
        reader.execute("COMMIT")
        assert await checkpointer.tick() is True  # now every frame is copied
        assert await checkpointer.tick() is False  # and nothing is left to do
    finally:
        reader.close()
    with sqlite3.connect(db.path) as fresh:
        assert fresh.execute("SELECT COUNT(*) FROM t").fetchone() == (3,)


async def test_a_wal_under_the_threshold_is_left_alone(db: Database) -> None:
    await db.write(b"x")
    assert await db.checkpointer(threshold=1024 * 1024).tick() is False


async def test_a_failed_checkpoint_is_logged_and_tried_again_on_a_fresh_connection(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = db.checkpointer(threshold=0)
    await db.write(b"x")
    assert await checkpointer.tick() is True
    broken = checkpointer._connection
    assert broken is not None
    broken.close()  # as if the connection had failed under it
    await db.write(b"y")
    assert await checkpointer.tick() is True
    assert "the WAL checkpoint" in caplog.text
    assert "retried later" in caplog.text
    assert await checkpointer.tick() is True  # not marked done: tried again, and it works
    assert checkpointer._connection is not broken


async def test_stopping_waits_for_a_checkpoint_still_running_and_leaves_no_connection(
    db: Database,
) -> None:
    checkpointer = db.checkpointer(threshold=0)
    await db.write(b"x")
    assert await checkpointer.tick() is True  # the connection is open and kept
    await db.write(b"y")
    checkpointer._connection_lock.acquire()  # the next checkpoint stalls in its thread
    running = asyncio.create_task(checkpointer.tick())
    stopping = asyncio.create_task(checkpointer.stop())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not stopping.done()  # stop waits for the thread to give the connection up
    checkpointer._connection_lock.release()
    await asyncio.gather(running, stopping)
    assert checkpointer._connection is None
