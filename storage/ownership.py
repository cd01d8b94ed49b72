"""Which process serves a SQLite database: an exclusive OS lock on a file beside it.

Start-up recovery on SQLite releases every hold and frees every idempotency claim in
progress, which is right only when no other process is serving the same file: a second
`serve` would otherwise wipe the first one's live holds before failing on the busy port, and
the first one's calls would then settle against holds that no longer exist. So the serving
process takes `<database>.lock` with a non-blocking `flock` BEFORE it recovers anything, and
keeps it until its storage closes; a second serving process fails at once and touches
nothing. The command line never takes it, so it keeps working beside the service.

The kernel drops the lock when the process dies (even by SIGKILL), so a crash never leaves
the database unservable; the lock file itself stays, empty, and means nothing on its own.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storage.errors import DatabaseInUseError


def lock_path(database: Path) -> Path:
    """The lock file beside the database: `myapi.db` -> `myapi.db.lock`."""
    return database.with_name(f"{database.name}.lock")


class ServingLock:
    """An exclusive `flock` on the lock file, held from `acquire` until `release`."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, database: Path) -> ServingLock:
        """Take the lock or raise `DatabaseInUseError` at once (never wait for it)."""
        path = lock_path(database)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise DatabaseInUseError(database) from None
        except BaseException:
            os.close(descriptor)
            raise
        return cls(path, descriptor)

    def release(self) -> None:
        """Let another process serve the database; a second call does nothing."""
        if self._descriptor is not None:
            descriptor, self._descriptor = self._descriptor, None
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            os.close(descriptor)
