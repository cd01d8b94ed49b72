"""Applying the schema's migrations (`storage.schema.MIGRATIONS`) in order at start-up.

A database records each applied migration by its version in `schema_migrations`, and its
schema version is the highest recorded. Versions are declared with each migration and are
1..n in order (checked at import), so version n is what position n was before versions
were declared, and every existing database upgrades exactly as it did then.

Each migration runs in one transaction together with the row that records its version, so
a crash mid-migration leaves the previous version.
"""

from __future__ import annotations

import logging

from storage.database import Database
from storage.errors import SchemaTooNewError
from storage.schema import MIGRATIONS, Migration

__all__ = ["MIGRATIONS", "VERSIONS_TABLE", "Migration", "migrate"]

logger = logging.getLogger(__name__)

VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)"""


async def migrate(database: Database) -> int:
    """Apply every migration newer than the database's version; return the version now."""
    await database.execute(VERSIONS_TABLE)
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
        for statement in migration.statements(database.dialect):
            await tx.execute(statement)
        await tx.execute(
            "INSERT INTO schema_migrations (version) VALUES (:version)",
            {"version": migration.version},
        )
    logger.info("database migrated to schema version %d (%s)", migration.version, migration.name)
