"""Applying the schema's numbered migrations (`storage.schema`) in order at start-up.

Each migration runs in one transaction together with the row that records its version, so
a crash mid-migration leaves the previous version.
"""

from __future__ import annotations

import logging

from storage.database import Database
from storage.errors import SchemaTooNewError
from storage.schema import MIGRATIONS

__all__ = ["MIGRATIONS", "migrate"]

logger = logging.getLogger(__name__)

_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)"""


async def migrate(database: Database) -> int:
    """Apply every migration newer than the database's version; return the version now."""
    await database.execute(_VERSIONS_TABLE)
    row = await database.fetch_one("SELECT MAX(version) AS version FROM schema_migrations")
    current = int(row["version"]) if row and row["version"] is not None else 0
    if current > len(MIGRATIONS):
        raise SchemaTooNewError(
            f"the database is at schema version {current}, this release knows "
            f"{len(MIGRATIONS)}: run the newer release or restore a backup"
        )
    for version, statements in enumerate(MIGRATIONS[current:], start=current + 1):
        async with database.transaction() as tx:
            for statement in statements[database.dialect]:
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version) VALUES (:version)", {"version": version}
            )
        logger.info("database migrated to schema version %d", version)
    return len(MIGRATIONS)
