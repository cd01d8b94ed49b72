"""Applying the schema's migrations (`storage.schema.MIGRATIONS`) in order at start-up.

A database records each applied migration by its version in `schema_migrations`, and its
schema version is the highest recorded. Versions are declared with each migration and are
1..n in order (checked at import), so version n is what position n was before versions
were declared, and every existing database upgrades exactly as it did then.

Each migration runs in one transaction together with the row that records its version, so
a crash mid-migration leaves the previous version.

Replicas may start at once on one PostgreSQL database (a compose file's two replicas on a
fresh volume): each migration's transaction first takes a transaction-level advisory lock
and checks its version again, so the second replica waits for the first and then applies
nothing twice. SQLite serialises them already (BEGIN IMMEDIATE); the check covers it too.
"""

from __future__ import annotations

import logging

from storage.database import Database, Executor
from storage.errors import SchemaTooNewError
from storage.schema import MIGRATIONS, Migration

__all__ = ["MIGRATIONS", "VERSIONS_TABLE", "Migration", "migrate"]

logger = logging.getLogger(__name__)

VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)"""


#: The advisory lock that serialises migrating replicas (a constant, well away from 0).
_MIGRATION_LOCK = 0x6D79617069  # "myapi"
_APPLIED = "SELECT 1 AS applied FROM schema_migrations WHERE version = :version"


async def _serialised(tx: Executor, dialect: str) -> None:
    """Wait for any other replica migrating this database (until this transaction ends)."""
    if dialect == "postgresql":
        await tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": _MIGRATION_LOCK})


async def migrate(database: Database) -> int:
    """Apply every migration newer than the database's version; return the version now."""
    async with database.transaction() as tx:
        await _serialised(tx, database.dialect)
        await tx.execute(VERSIONS_TABLE)
    row = await database.fetch_one("SELECT MAX(version) AS version FROM schema_migrations")
    current = int(row["version"]) if row and row["version"] is not None else 0
    latest = MIGRATIONS[-1].version
    if current > latest:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, this release knows "
            f"{latest}: run the newer release or restore a backup"
        )
    for migration in MIGRATIONS[current:]:
        await _apply(database, migration)
    return latest


async def _apply(database: Database, migration: Migration) -> None:
    async with database.transaction() as tx:
        await _serialised(tx, database.dialect)
        if await tx.fetch_one(_APPLIED, {"version": migration.version}) is not None:
            return  # another replica applied it while this one waited
        for statement in migration.statements(database.dialect):
            await tx.execute(statement)
        await tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (:version)",
            {"version": migration.version},
        )
    logger.info("database migrated to schema version %d (%s)", migration.version, migration.name)
