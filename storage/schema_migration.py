"""One schema migration, declared with its version and name where its statements live.

A database records the versions it has applied (`storage.migrations`), nothing else, so a
version is a promise kept forever: version n is always the same statements, and the
release's migrations are exactly 1..n in order. `checked` enforces the second half at
import; tests/test_storage_migrations.py pins the statements of every released version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from storage.errors import MigrationOrderError

__all__ = ["Migration", "checked"]

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Migration:
    """The statements that take a database from `version - 1` to `version`, per dialect.

    Both dialects share the version even when one of them has nothing to do (an empty
    tuple), so a version means the same point in the schema's history on either database.
    """

    version: int
    name: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        """This migration's statements for `dialect` ("sqlite" or "postgresql")."""
        if dialect == "sqlite":
            return self.sqlite
        if dialect == "postgresql":
            return self.postgresql
        message = f"migration {self.version} has no statements for dialect {dialect!r}"
        raise MigrationOrderError(message)


def checked(migrations: Sequence[Migration]) -> tuple[Migration, ...]:
    """`migrations` as a tuple, once their versions are 1..n in order and names unique."""
    names: set[str] = set()
    for position, migration in enumerate(migrations, start=1):
        if migration.version != position:
            message = (
                f"migration {migration.name!r} is version {migration.version} at position "
                f"{position}: versions must be 1..n in order, with no gap or repeat"
            )
            raise MigrationOrderError(message)
        if not _NAME.fullmatch(migration.name) or migration.name in names:
            message = (
                f"migration {position} needs a unique snake_case name, not {migration.name!r}"
            )
            raise MigrationOrderError(message)
        names.add(migration.name)
    return tuple(migrations)
