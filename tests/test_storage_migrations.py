"""Migration versions: declared with each migration, 1..n in order, and never edited.

A database records only the versions it applied, so version n must stay the statements
that position n of the old list was: the fingerprints below pin every released migration.
"""

from __future__ import annotations

import hashlib

import pytest

from storage.errors import MigrationOrderError
from storage.migrations import MIGRATIONS, Migration
from storage.schema_migration import checked

#: version: (name, fingerprint of its statements on both dialects). A released migration
#: is never edited: add the next one, and its line here.
RELEASED = {
    1: ("accounts_and_ledger", "5247ee87e3fd0662"),
    2: ("admin_actions", "e9de368627aa4247"),
    3: ("calls", "286cb05fe9dd76b9"),
    4: ("call_shortfall", "3789aa9d249bf5e6"),
    5: ("hold_rows", "ceb1befe82482371"),
    6: ("rate_windows", "d79255ad6b20d051"),
    7: ("idempotency_keys", "c06d11637671be90"),
    8: ("language_choice", "7862d240617f7754"),
    9: ("payments", "8bcf4e011b9c1d7e"),
    10: ("notices_and_retention", "5f7be6ed8e569e85"),
    11: ("image_library", "cef48600383cb9c4"),
    12: ("settle_after_lost_hold", "43be1bc8c81492aa"),
    13: ("lock_cause", "be7cc5111f19cd86"),
    14: ("call_usage_breakdown", "c267e33a0a76ee6b"),
    15: ("settle_key", "7867f6ee88facd22"),
    16: ("response_owners", "87f51911654e85a2"),
    17: ("upstream_key_health", "1c4bdd1a0cedda5e"),
    18: ("call_tool_calls", "d910c3687b6a21a7"),
}


def fingerprint(migration: Migration) -> str:
    digest = hashlib.sha256()
    for dialect in ("sqlite", "postgresql"):
        for statement in migration.statements(dialect):
            digest.update(f"{dialect}\0{statement}\0".encode())
    return digest.hexdigest()[:16]


def test_versions_are_their_positions() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


@pytest.mark.parametrize("version", sorted(RELEASED))
def test_a_released_migration_is_never_edited(version: int) -> None:
    migration = MIGRATIONS[version - 1]
    assert (migration.name, fingerprint(migration)) == RELEASED[version]


def test_every_migration_is_pinned() -> None:
    assert len(MIGRATIONS) == len(RELEASED)


def migration(version: int, name: str) -> Migration:
    return Migration(version, name, sqlite=(), postgresql=())


@pytest.mark.parametrize(
    "migrations",
    [
        [migration(1, "a"), migration(3, "b")],
        [migration(1, "a"), migration(1, "b")],
        [migration(2, "a")],
        [migration(2, "b"), migration(1, "a")],
    ],
    ids=["gap", "repeat", "not_from_one", "out_of_order"],
)
def test_versions_must_be_contiguous_from_one(migrations: list[Migration]) -> None:
    with pytest.raises(MigrationOrderError, match=r"1\.\.n in order"):
        checked(migrations)


@pytest.mark.parametrize("name", ["a", "Not Snake", ""])
def test_names_must_be_unique_snake_case(name: str) -> None:
    with pytest.raises(MigrationOrderError, match="unique snake_case name"):
        checked([migration(1, "a"), migration(2, name)])


def test_an_unknown_dialect_has_no_statements() -> None:
    with pytest.raises(MigrationOrderError, match="mysql"):
        MIGRATIONS[0].statements("mysql")
