"""Copying the WAL back into the database file, from a worker thread, when it has grown.

The request path's connection never checkpoints (`storage.sqlite_inline`), so without this
the WAL would grow without bound. Every `interval` seconds the WAL file is looked at (a
`stat`, microseconds); when it is past `threshold` bytes AND was written since the last
checkpoint began (or that one could not copy every frame), a PASSIVE checkpoint (it waits
for no reader or writer) runs in a thread, so its reads, writes and fsyncs never touch the
loop.

Invariants:
- An idle service does nothing: SQLite reuses a checkpointed WAL from its start without
  shrinking the file, so its size alone would call for a checkpoint (and a connection) every
  `interval` forever; its modification time says whether anything was written since. A
  checkpoint that could not copy every frame (a reader still needs the older pages) is
  tried again at the next look, written or not.
- One connection, opened in the first checkpoint and kept: opening one reads and parses the
  whole schema, which cost more than the checkpoint of a quiet WAL. One thread at a time
  uses it (a lock: a checkpoint still running in its thread when `stop` cancels the task
  that awaited it is waited for before the connection is closed), and a connection that
  failed is closed and opened afresh the next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

#: The WAL size past which the checkpointer copies it back (SQLite's own default: 1000 pages).
CHECKPOINT_BYTES = 4 * 1024 * 1024


class WalCheckpointer:
    """Checkpoints the WAL of the database at `path` (see the module)."""

    def __init__(
        self, path: Path, interval: float = 0.5, threshold: int = CHECKPOINT_BYTES
    ) -> None:
        self._path = path
        self._wal = Path(f"{path}-wal")
        self._interval = interval
        self._threshold = threshold
        #: The WAL's modification time when the last checkpoint began.
        self._checkpointed_at: int | None = None
        self._connection: sqlite3.Connection | None = None
        self._connection_lock = threading.Lock()
        self._stopped = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self._close)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.tick()

    async def tick(self) -> bool:
        """Checkpoint when the WAL is past the threshold and was written since the last
        checkpoint began (or that one left frames uncopied); whether it did."""
        try:
            wal = os.stat(self._wal)
        except FileNotFoundError:
            return False
        if wal.st_size <= self._threshold or wal.st_mtime_ns == self._checkpointed_at:
            return False
        self._checkpointed_at = wal.st_mtime_ns  # a write during the checkpoint calls again
        await self.checkpoint()
        return True

    async def checkpoint(self) -> None:
        """One PASSIVE checkpoint, off the loop; a failure is logged and retried later, and
        so is a checkpoint that left frames uncopied."""
        try:
            complete = await asyncio.to_thread(self._checkpoint)
        except sqlite3.Error:
            self._checkpointed_at = None
            logger.exception("the WAL checkpoint of %s failed; it is retried later", self._path)
            return
        if not complete:
            self._checkpointed_at = None

    def _checkpoint(self) -> bool:
        """In a worker thread: the checkpoint, on the kept connection; whether it copied
        every frame of the WAL."""
        with self._connection_lock:
            if self._stopped:  # stopping: no connection may outlive `stop`
                return True
            if self._connection is None:
                self._connection = sqlite3.connect(
                    self._path, isolation_level=None, check_same_thread=False
                )
            try:
                busy, frames, copied = self._connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
            except sqlite3.Error:
                self._connection.close()
                self._connection = None
                raise
            return not busy and copied == frames

    def _close(self) -> None:
        """In a worker thread, once any checkpoint still running there has ended."""
        with self._connection_lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
