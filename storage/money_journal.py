"""Money waiting for the database, kept on disk so a killed process loses none of it.

Two things cannot wait in memory alone while the database is away: a call's settlement
(`api.settlements`: the client has its answer, the charge is not written yet) and a Telegram
Stars payment (`bot.pending_payments`: Telegram took the Stars, the credit is not written
yet). A process killed during the outage (SIGKILL, the OOM killer, a replica's machine
going away) lost them: answers never charged, payments never credited. Each is now
appended here, flushed to the disk, before the process acts on it (answers the client,
tells the payer); the next process on the same file takes them up, and each is written to
the database once, as its key makes a second write a no-op (a settlement's `settle_key`, a
payment's Telegram charge id).

The file is a log of JSON lines: an entry `{"v": 1, "kind": K, "key": KEY, "data": {...}}`
when something starts waiting, and `{"v": 1, "kind": K, "done": KEY}` once it is in the
database. An entry with a later `done` line of its kind and key is not waiting. The file
is emptied as soon as nothing in it waits, so it stays small.

Invariants:
- An entry is on the disk (fsynced) before `add` returns. A `done` line is flushed, not
  fsynced: lost, its entry is written again by the next process, as a no-op.
- Every method blocks on the disk: callers run them in a thread, never on the event loop.
- One process per file: it is locked (`flock`) while open; a second process refuses to
  start and names the file (`MONEY_JOURNAL`).
- A line that cannot be read back is logged and skipped: it can only be an append that a
  crash cut short, which nothing had acted on yet.
- `done` may come before its `add` (the two run in threads; the database came back while
  the entry was on its way): the `add` is then not written, since what it keeps is in the
  database already.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

logger = logging.getLogger(__name__)

#: The version of every line; a line of another version is not read.
FORMAT = 1
T = TypeVar("T")


class JournalInUseError(RuntimeError):
    """Another live process keeps its waiting money in the same file."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing waiting: of `kind` ("settlement", "payment"), unique by `key` within it."""

    kind: str
    key: str
    data: dict[str, Any]


class MoneyJournal:
    """An append-only file of what waits for the database, locked by the one process that
    keeps it. Safe to call from several threads at once (one lock orders the writes)."""

    def __init__(self, path: Path, file: BinaryIO, waiting: dict[tuple[str, str], Entry]) -> None:
        self.path = path
        self._file = file
        self._waiting = waiting
        #: Keys done before their `add` came (see the module): that `add` writes nothing.
        self._ended: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> MoneyJournal:
        """Open (creating it and its folder) and lock `path`, and read what waits there;
        `JournalInUseError` when another process holds it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        file = path.open("a+b")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            raise JournalInUseError(
                f"another process keeps its waiting money in {path}: give each process "
                "its own file (MONEY_JOURNAL)"
            ) from None
        file.seek(0)
        journal = cls(path, file, _waiting_in(path, file.read()))
        if not journal._waiting:
            journal._empty()  # at most a line cut short, which nothing acted on
        return journal

    def waiting(self, kind: str) -> list[Entry]:
        """What waits of `kind`, oldest first."""
        with self._lock:
            return [entry for entry in self._waiting.values() if entry.kind == kind]

    def holds(self, kind: str, key: str) -> bool:
        """Whether `kind`'s `key` waits in the file."""
        with self._lock:
            return (kind, key) in self._waiting

    def add(self, entry: Entry) -> None:
        """Put `entry` on the disk; return once it is there."""
        line = {"v": FORMAT, "kind": entry.kind, "key": entry.key, "data": entry.data}
        with self._lock:
            if (entry.kind, entry.key) in self._ended:
                self._ended.discard((entry.kind, entry.key))
                return
            self._write(line)
            os.fsync(self._file.fileno())
            self._waiting[entry.kind, entry.key] = entry

    def done(self, kind: str, key: str) -> None:
        """`kind`'s `key` is in the database now; the file is emptied when nothing else
        waits."""
        with self._lock:
            if self._waiting.pop((kind, key), None) is None:
                self._ended.add((kind, key))
                return
            if self._waiting:
                self._write({"v": FORMAT, "kind": kind, "done": key})
            else:
                self._empty()

    def close(self) -> None:
        """Unlock and close; what waits stays in the file for the next process."""
        with self._lock:
            self._file.close()

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
        self._file.flush()

    def _empty(self) -> None:
        self._file.truncate(0)
        os.fsync(self._file.fileno())


def restored(journal: MoneyJournal, kind: str, build: Callable[..., T]) -> list[T]:
    """What waits of `kind`, oldest first, each built from its data (`build(**data)`); one
    that cannot be is said at ERROR and left in the file for the operator."""
    kept = []
    for entry in journal.waiting(kind):
        try:
            kept.append(build(**entry.data))
        except TypeError as error:
            logger.error("%s %s in %s cannot be read: %s", kind, entry.key, journal.path, error)
    return kept


async def keep_in(journal: MoneyJournal, entry: Entry) -> bool:
    """`add` in a thread (a disk flush takes milliseconds); False, said at ERROR, when the
    disk refused it: what it keeps then waits in memory only, lost if the process stops."""
    try:
        await asyncio.to_thread(journal.add, entry)
    except OSError as failed:
        logger.error(
            "%s %s could not be kept in %s (%s): it is lost if this process stops before "
            "the database is back",
            entry.kind,
            entry.key,
            journal.path,
            failed,
        )
        return False
    return True


async def end_in(journal: MoneyJournal, kind: str, key: str) -> None:
    """`done` in a thread; a refusal is said at WARNING (the next process writes the entry
    to the database again, a no-op)."""
    try:
        await asyncio.to_thread(journal.done, kind, key)
    except OSError as failed:
        logger.warning("could not mark %s %s done in %s: %s", kind, key, journal.path, failed)


def _waiting_in(path: Path, content: bytes) -> dict[tuple[str, str], Entry]:
    """The entries of `content` that no later `done` line ends, oldest first."""
    waiting: dict[tuple[str, str], Entry] = {}
    for number, raw in enumerate(content.splitlines(), start=1):
        line = _parsed(raw)
        if line is None:
            logger.error("%s, line %d: not a journal line, skipped: %r", path, number, raw)
        elif "done" in line:
            waiting.pop((str(line["kind"]), str(line["done"])), None)
        else:
            entry = Entry(str(line["kind"]), str(line["key"]), dict(line["data"]))
            waiting[entry.kind, entry.key] = entry
    return waiting


def _parsed(raw: bytes) -> dict[str, Any] | None:
    try:
        line = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(line, dict) or line.get("v") != FORMAT:
        return None
    if "kind" not in line:
        return None
    if "done" in line or ("key" in line and isinstance(line.get("data"), dict)):
        return line
    return None
