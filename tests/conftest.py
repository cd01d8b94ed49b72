"""Fixtures shared by the suite: an injected clock, and storage on SQLite and PostgreSQL.

The storage fixture runs each test against a real SQLite file, and against PostgreSQL in a
schema of its own when a server answers at MYAPI_TEST_POSTGRES_DSN (default: the local one),
skipping with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from storage import AccessPolicy, Storage, open_storage

POSTGRES_DSN = os.environ.get(
    "MYAPI_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
START = 1_800_000_000


@dataclass
class FakeClock:
    """Epoch seconds that move only when a test says so."""

    now: int = START

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> AccessPolicy:
    return AccessPolicy(lock_strikes=5, lock_seconds=30 * 60)


async def _postgres_unreachable_reason() -> str | None:
    try:
        connection = await asyncpg.connect(POSTGRES_DSN, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL is not reachable at MYAPI_TEST_POSTGRES_DSN ({error!r})"
    await connection.close()
    return None


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped after the test.

    Sync on purpose: schema set-up runs on its own short loop, before the test's loop.
    """
    reason = asyncio.run(_postgres_unreachable_reason())
    if reason:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_DSN else "?"
    try:
        yield f"{POSTGRES_DSN}{separator}search_path={schema}"
    finally:
        asyncio.run(_admin(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'myapi.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every storage test runs on both databases (PostgreSQL skips when absent)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def storage(
    database_url: str, clock: FakeClock, policy: AccessPolicy
) -> AsyncIterator[Storage]:
    opened = await open_storage(database_url, policy, clock)
    try:
        yield opened
    finally:
        await opened.close()
