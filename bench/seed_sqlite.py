"""Bulk seeding of an SQLite file (see bench.seed): synchronous, run in a thread.

The file is new and private to the seeding, and is thrown away if anything fails, so it is
written without a journal and without syncs; the triggers on `calls` and `ledger` are
dropped for the bulk rows and recreated, word for word from `sqlite_master`, before the
file is closed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.seed import (
    ACCOUNT_COLUMNS,
    BALANCES_SQL,
    SQLITE_NUMBERS,
    Progress,
    SeedPlan,
    account_rows,
    chunks,
    grants_sql,
    history_sql,
    keys_in_order,
)

_PRAGMAS = ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144")
_TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (?, ?)"


def seed_sqlite(path: Path, plan: SeedPlan, now: int, progress: Progress) -> list[str]:
    """Seed the migrated file at `path`; the sample users' keys, in `plan.user_ids()` order."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in _PRAGMAS:
            connection.execute(f"PRAGMA {pragma}")
        triggers = connection.execute(_TRIGGERS, ("calls", "ledger")).fetchall()
        for name, _sql in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        keys: dict[int, str] = {}
        _insert_accounts(connection, plan, now, keys)
        for first, last in chunks(plan.history_rows):
            for statement in history_sql(plan, now, first, last, SQLITE_NUMBERS):
                connection.execute(statement)
            progress(f"{last:,} of {plan.history_rows:,} rows")
        connection.execute(BALANCES_SQL)
        for _name, sql in triggers:
            connection.execute(sql)
    finally:
        connection.close()
    return keys_in_order(plan, keys)


def _insert_accounts(
    connection: sqlite3.Connection, plan: SeedPlan, now: int, keys: dict[int, str]
) -> None:
    columns = ", ".join(ACCOUNT_COLUMNS)
    marks = ", ".join("?" for _ in ACCOUNT_COLUMNS)
    connection.execute("BEGIN")
    connection.executemany(
        f"INSERT INTO accounts ({columns}) VALUES ({marks})",  # noqa: S608
        account_rows(plan, now, keys),
    )
    connection.execute(grants_sql(now))
    connection.execute("COMMIT")
