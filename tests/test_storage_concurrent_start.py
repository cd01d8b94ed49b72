"""Replicas that start at once on a fresh database (a compose file's two replicas on a new
volume) both come up: migrations are serialised, and each is applied exactly once."""

from __future__ import annotations

import asyncio

from storage import AccessPolicy, open_storage
from storage.migrations import MIGRATIONS
from tests.conftest import FakeClock


async def test_two_replicas_migrating_one_fresh_database_at_once_both_start(
    database_url: str, clock: FakeClock
) -> None:
    opened = await asyncio.gather(
        *(open_storage(database_url, AccessPolicy(), clock) for _ in range(3))
    )
    try:
        rows = await opened[0].database.fetch_all(
            "SELECT version FROM schema_migrations ORDER BY version"
        )
    finally:
        for storage in opened:
            await storage.close()
    assert [row["version"] for row in rows] == [m.version for m in MIGRATIONS]
