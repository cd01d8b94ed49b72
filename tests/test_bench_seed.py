"""The bench's bulk seeding gives databases the service opens as its own.

Seeded on SQLite and on PostgreSQL through the bench's own entry point, then opened by
storage as the service opens it: every balance equals its ledger, every bench user's key
passes the gate, and the triggers the seeding turned off work again.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import pytest

from bench.databases import prepared_database
from bench.options import ServiceSpec
from storage import AccessPolicy, Storage, open_storage
from storage.models import AuthOutcome
from storage.sql import INSERT_LEDGER, ledger_params
from tests.clock import FakeClock
from tests.databases import POSTGRES_DSN, require_postgres

SPEC = ServiceSpec("seeded", accounts=40, history_rows=1000, users=4)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite; the PostgreSQL server, where the bench makes its own schema (sync
    on purpose: the reachability check runs its own short loop)."""
    if request.param == "sqlite":
        return None
    require_postgres(POSTGRES_DSN, os.environ)
    return POSTGRES_DSN


@pytest.fixture
def postgres_server() -> str:
    """Sync on purpose: the reachability check runs its own short loop."""
    require_postgres(POSTGRES_DSN, os.environ)
    return POSTGRES_DSN


async def _opened(url: str, clock: FakeClock) -> Storage:
    """As the serving process opens it: holds recovered, the ledger checked."""
    return await open_storage(url, AccessPolicy(), clock, recover_holds=True)


async def _count(storage: Storage, table: str) -> int:
    row = await storage.database.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")  # noqa: S608
    assert row is not None
    return int(row["n"])


async def test_seeded_rows_are_there_and_every_balance_equals_its_ledger(
    server: str | None, tmp_path: Path, clock: FakeClock
) -> None:
    async with prepared_database(SPEC, server, tmp_path, tmp_path / "seeded") as seeded:
        storage = await _opened(seeded.url, clock)
        try:
            assert await storage.accounts.mismatched_balances() == []
            counts = {table: await _count(storage, table) for table in ("calls", "ledger")}
            assert await _count(storage, "accounts") == 40
        finally:
            await storage.close()
    assert counts == {"calls": 1000, "ledger": 1000 + 40}  # a grant per account


async def test_the_history_is_shared_evenly_among_the_accounts(
    server: str | None, tmp_path: Path, clock: FakeClock
) -> None:
    async with prepared_database(SPEC, server, tmp_path, tmp_path / "seeded") as seeded:
        storage = await _opened(seeded.url, clock)
        try:
            rows = await storage.database.fetch_all(
                "SELECT account_id, COUNT(*) AS n FROM calls GROUP BY account_id"
            )
        finally:
            await storage.close()
    assert len(rows) == 40
    assert {row["n"] for row in rows} == {1000 // 40}


async def test_each_bench_user_key_passes_the_gate_and_holds(
    server: str | None, tmp_path: Path, clock: FakeClock
) -> None:
    async with prepared_database(SPEC, server, tmp_path, tmp_path / "seeded") as seeded:
        storage = await _opened(seeded.url, clock)
        try:
            verdicts = [await storage.accounts.authorize(None, key, 100) for key in seeded.keys]
        finally:
            await storage.close()
    assert [verdict.outcome for verdict in verdicts] == [AuthOutcome.OK] * 4
    assert [verdict.account_id for verdict in verdicts] == [1, 11, 21, 31]  # spread out


async def test_the_triggers_move_balances_again_after_seeding(
    server: str | None, tmp_path: Path, clock: FakeClock
) -> None:
    async with prepared_database(SPEC, server, tmp_path, tmp_path / "seeded") as seeded:
        storage = await _opened(seeded.url, clock)
        try:
            before = await storage.accounts.ledger_total(1)
            await storage.database.execute(INSERT_LEDGER, ledger_params(1, "adjust", 5, 0))
            account = await storage.accounts.by_username("bench1")
        finally:
            await storage.close()
    assert account is not None
    assert account.balance == before + 5


async def test_a_postgresql_schema_is_dropped_when_the_run_ends(
    postgres_server: str, tmp_path: Path
) -> None:
    async with prepared_database(SPEC, postgres_server, tmp_path) as seeded:
        schema = seeded.application_name
    connection = await asyncpg.connect(postgres_server)
    try:
        left = await connection.fetchval(
            "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", schema
        )
    finally:
        await connection.close()
    assert schema is not None
    assert left == 0


async def test_sqlite_seeding_is_reused_for_the_same_parameters(tmp_path: Path) -> None:
    cache = tmp_path / "seeded"
    async with prepared_database(SPEC, None, tmp_path, cache) as first:
        pass
    (cached,) = cache.glob("*.db")
    seeded_at = cached.stat().st_mtime_ns
    async with prepared_database(SPEC, None, tmp_path, cache) as second:
        pass
    assert second.keys == first.keys
    assert second.url != first.url  # each run serves its own copy
    assert cached.stat().st_mtime_ns == seeded_at
