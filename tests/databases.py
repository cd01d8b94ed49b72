"""Where the suite's databases come from: a SQLite file, or a fresh PostgreSQL schema.

A PostgreSQL test skips, with the reason, when no server answers at MYAPI_TEST_POSTGRES_DSN.
Under CI (`CI=true`, which CI services set) it fails with that reason instead: the CI
machines have PostgreSQL, so a skip there means the PostgreSQL half of every money rule went
untested while the build still looked green.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import asyncpg
import pytest

POSTGRES_DSN = os.environ.get(
    "MYAPI_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
_CI_TRUE = frozenset({"true", "1", "yes"})


def running_under_ci(environ: Mapping[str, str]) -> bool:
    """CI services set CI=true (some spell it 1 or yes)."""
    return environ.get("CI", "").strip().lower() in _CI_TRUE


async def postgres_unreachable_reason(dsn: str) -> str | None:
    """Why no PostgreSQL answers at `dsn`, or None when one does."""
    try:
        connection = await asyncpg.connect(dsn, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL is not reachable at MYAPI_TEST_POSTGRES_DSN ({error!r})"
    await connection.close()
    return None


def require_postgres(dsn: str, environ: Mapping[str, str]) -> None:
    """Return when PostgreSQL answers at `dsn`; otherwise skip, or fail under CI.

    Sync on purpose: it runs on its own short loop, before the test's loop exists.
    """
    reason = asyncio.run(postgres_unreachable_reason(dsn))
    if reason is None:
        return
    if running_under_ci(environ):
        pytest.fail(f"{reason}; CI must run the PostgreSQL tests, not skip them", pytrace=False)
    pytest.skip(reason)


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def postgres_schema(dsn: str) -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(dsn, f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in dsn else "?"
    try:
        yield f"{dsn}{separator}search_path={schema}"
    finally:
        asyncio.run(_admin(dsn, f"DROP SCHEMA {schema} CASCADE"))
