"""The checked-in description of the schema (storage/schema.<dialect>.sql) is what the
migrations build, on SQLite and on PostgreSQL; and a database that the release before
explicit versions migrated part of the way upgrades to exactly that schema."""

from __future__ import annotations

import difflib
import os

import pytest

from storage.database import Database, open_database
from storage.describe import (
    FILES,
    REGENERATE,
    checked_in,
    fresh_postgresql,
    fresh_sqlite,
    render,
)
from storage.migrations import MIGRATIONS, VERSIONS_TABLE, migrate
from tests.databases import POSTGRES_DSN, require_postgres


def assert_described(dialect: str, actual: str) -> None:
    expected = checked_in(dialect)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"storage/{FILES[dialect]} (checked in)",
                "a freshly migrated database",
            )
        )
        pytest.fail(
            f"storage/{FILES[dialect]} is not the schema the migrations build: regenerate "
            f"it with `{REGENERATE}` and commit it\n{diff}",
            pytrace=False,
        )


async def migrated(url: str) -> tuple[Database, str]:
    database = await open_database(url)
    await migrate(database)
    return database, await render(database)


async def test_the_checked_in_description_is_the_migrated_schema(database_url: str) -> None:
    database, description = await migrated(database_url)
    await database.close()
    assert_described(database.dialect, description)


@pytest.fixture
def postgres_dsn() -> str:
    """The suite's PostgreSQL server itself: the command makes its own schema there.

    Sync on purpose: the reachability check runs its own short loop, before the test's.
    """
    require_postgres(POSTGRES_DSN, os.environ)
    return POSTGRES_DSN


async def test_the_command_describes_a_fresh_sqlite_database() -> None:
    assert_described("sqlite", await fresh_sqlite())


async def test_the_command_describes_a_fresh_postgresql_schema(postgres_dsn: str) -> None:
    assert_described("postgresql", await fresh_postgresql(postgres_dsn))


async def migrate_by_position(database: Database, count: int) -> None:
    """What the release before explicit versions did: apply the first `count` migrations of
    its list, recording each by its position in the list."""
    await database.execute(VERSIONS_TABLE)
    for position, migration in enumerate(MIGRATIONS[:count], start=1):
        async with database.transaction() as tx:
            for statement in migration.statements(database.dialect):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (:version)", {"version": position}
            )


@pytest.mark.parametrize("applied", [1, 5, 11, 12, 13])
async def test_a_database_migrated_by_position_upgrades_to_the_same_schema(
    database_url: str, applied: int
) -> None:
    database = await open_database(database_url)
    try:
        await migrate_by_position(database, applied)
        assert await migrate(database) == len(MIGRATIONS)
        rows = await database.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
        description = await render(database)
    finally:
        await database.close()
    assert [row["version"] for row in rows] == list(range(1, len(MIGRATIONS) + 1))
    assert_described(database.dialect, description)
