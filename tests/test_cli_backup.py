"""`myapi backup <file>`: a consistent copy of the SQLite database, made while it is in use;
PostgreSQL is pointed at pg_dump."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from api.cli import run_command
from api.settings import Settings
from storage import AccessPolicy, open_storage
from tests.clock import FakeClock
from tests.process import run_cli, service_env


async def test_backup_copies_a_database_in_use_and_the_copy_opens(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    url = f"sqlite:///{source}"
    storage = await open_storage(url, AccessPolicy(), FakeClock())
    try:  # open, in WAL mode, with the account's rows not yet checkpointed into the file
        created = await storage.admin.create_account("ann", 1_250_000, "test")
        output = await run_cli(tmp_path, service_env(DATABASE_URL=url), "backup", "copy.db")
        await storage.admin.credit("ann", 1, None, "test")  # after the copy: not in it
    finally:
        await storage.close()
    copy = tmp_path / "copy.db"
    assert f"backed up the database to copy.db ({copy.stat().st_size} bytes)" in output
    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as opened:
        [(verdict,)] = opened.execute("PRAGMA integrity_check").fetchall()
        [(mode,)] = opened.execute("PRAGMA journal_mode").fetchall()
        accounts = opened.execute("SELECT username, balance, key_prefix FROM accounts").fetchall()
        [(ledger_sum,)] = opened.execute("SELECT SUM(amount) FROM ledger").fetchall()
    assert (verdict, mode) == ("ok", "delete")  # one self-contained file
    assert accounts == [("ann", 1_250_000, created.account.key_prefix)]
    assert ledger_sum == 1_250_000
    assert partial_files(tmp_path) == []


def partial_files(directory: Path) -> list[str]:
    """What a backup writes before it renames the copy into place: nothing may be left."""
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".partial"))


def backup(url: str, target: Path) -> int:
    return run_command(["backup", str(target)], Settings(database_url=url))


def test_backup_never_overwrites_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    asyncio.run(_migrated(url))
    target = tmp_path / "precious.db"
    target.write_bytes(b"an older backup")
    assert backup(url, target) == 1
    assert "exists already" in capsys.readouterr().err
    assert target.read_bytes() == b"an older backup"


def test_backup_of_a_missing_database_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backup(f"sqlite:///{tmp_path / 'typo.db'}", tmp_path / "copy.db") == 1
    assert "no SQLite database" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_backup_of_postgresql_says_to_use_pg_dump_and_never_shows_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://myapi:s3cret-pw@db.internal:5432/myapi"
    assert backup(url, tmp_path / "copy.dump") == 1
    error = capsys.readouterr().err
    assert "pg_dump --format=custom" in error
    assert "postgresql://myapi@db.internal:5432/myapi" in error
    assert "s3cret-pw" not in error
    assert list(tmp_path.iterdir()) == []


async def _migrated(url: str) -> None:
    storage = await open_storage(url, AccessPolicy(), FakeClock())
    await storage.close()
