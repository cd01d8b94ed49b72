"""Bulk seeding of a fresh PostgreSQL schema (see bench.seed).

The schema is the run's own and is dropped afterwards. The bulk rows are written with the
session's triggers off (`session_replication_role = replica`, which also skips the
foreign-key checks: the rows are consistent by construction), which takes a superuser, as
the test server's `postgres` is: per-row triggers would update each account once per row,
quadratic in one transaction. The planner's statistics are gathered at the end, as
autovacuum would have done on a database that grew to this size over time.
"""

from __future__ import annotations

import asyncpg

from bench.errors import BenchError
from bench.seed import (
    ACCOUNT_COLUMNS,
    BALANCES_SQL,
    POSTGRES_NUMBERS,
    Progress,
    SeedPlan,
    account_rows,
    chunks,
    grants_sql,
    history_sql,
    keys_in_order,
)

_ANALYZED = ("accounts", "calls", "ledger")
#: The accounts were written with their ids: the identity goes on after the last one.
_IDS_FOLLOW = "SELECT setval(pg_get_serial_sequence('accounts', 'id'), MAX(id)) FROM accounts"


async def seed_postgres(dsn: str, plan: SeedPlan, now: int, progress: Progress) -> list[str]:
    """Seed the migrated schema `dsn` names; the sample users' keys, in id order."""
    connection = await asyncpg.connect(dsn)
    try:
        await _triggers(connection, enable=False)
        keys: dict[int, str] = {}
        await _insert_accounts(connection, plan, now, keys)
        for first, last in chunks(plan.history_rows):
            async with connection.transaction():
                for statement in history_sql(plan, now, first, last, POSTGRES_NUMBERS):
                    await connection.execute(statement)
            progress(f"{last:,} of {plan.history_rows:,} rows")
        await connection.execute(BALANCES_SQL)
        await _triggers(connection, enable=True)
        await connection.execute(_IDS_FOLLOW)
        await connection.execute(f"VACUUM ANALYZE {', '.join(_ANALYZED)}")
    finally:
        await connection.close()
    return keys_in_order(plan, keys)


async def _triggers(connection: asyncpg.Connection, *, enable: bool) -> None:
    role = "origin" if enable else "replica"
    try:
        await connection.execute(f"SET session_replication_role = {role}")
    except asyncpg.InsufficientPrivilegeError as error:
        message = f"seeding PostgreSQL needs a superuser in --database ({error})"
        raise BenchError(message) from None


async def _insert_accounts(
    connection: asyncpg.Connection, plan: SeedPlan, now: int, keys: dict[int, str]
) -> None:
    columns = ", ".join(ACCOUNT_COLUMNS)
    marks = ", ".join(f"${n}" for n in range(1, len(ACCOUNT_COLUMNS) + 1))
    async with connection.transaction():
        await connection.executemany(
            f"INSERT INTO accounts ({columns}) VALUES ({marks})",  # noqa: S608
            account_rows(plan, now, keys),
        )
        await connection.execute(grants_sql(now))
