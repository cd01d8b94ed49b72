"""Each service's database for one run: a seeded SQLite copy, or a fresh PostgreSQL schema.

SQLite: seeded files are kept in bench/results/seeded/ (git-ignored), named by schema
version and seeding parameters, so a rerun with the same `--accounts`/`--history-rows`
copies the file instead of seeding again; each run serves a copy, so the cache never changes.
PostgreSQL: a schema of the run's own, seeded, and dropped when the run ends, however it ends
(as the tests do, see tests/databases.py); the service's connections carry the schema's
name as their `application_name`, which is how the load generator finds them to time them.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.errors import BenchError
from bench.options import ServiceSpec
from bench.seed import Progress, SeedPlan, create_schema
from bench.seed_postgres import seed_postgres
from bench.seed_sqlite import seed_sqlite
from storage.migrations import MIGRATIONS

SEEDED_DIR = Path(__file__).resolve().parent / "results" / "seeded"


@dataclass(frozen=True, slots=True)
class PreparedDatabase:
    """What a service needs to run on a seeded database, and how to observe it."""

    url: str
    keys: tuple[str, ...]
    #: PostgreSQL only: the server to ask for the service's backends, and their name there.
    admin_dsn: str | None = None
    application_name: str | None = None


def _progress(name: str) -> Progress:
    started = time.monotonic()

    def report(message: str) -> None:
        elapsed = time.monotonic() - started
        print(f"seeding {name}: {message} ({elapsed:.0f} s)", file=sys.stderr, flush=True)

    return report


def _plan(spec: ServiceSpec) -> SeedPlan:
    return SeedPlan(spec.accounts, spec.history_rows, spec.users)


@asynccontextmanager
async def prepared_database(
    spec: ServiceSpec, database: str | None, workdir: Path, seeded_dir: Path = SEEDED_DIR
) -> AsyncIterator[PreparedDatabase]:
    """The seeded database `spec` asks for, on SQLite (`database` None) or PostgreSQL.

    SQLite: a copy in `workdir` of the file cached in `seeded_dir`.
    """
    if database is None:
        yield await _sqlite_copy(spec, workdir, seeded_dir)
        return
    async with _postgres_schema(database) as (admin_dsn, schema):
        dsn = _with_query(database, search_path=schema)
        await create_schema(dsn)
        keys = await seed_postgres(dsn, _plan(spec), int(time.time()), _progress(spec.name))
        url = _with_query(dsn, application_name=schema)
        yield PreparedDatabase(url, tuple(keys), admin_dsn, schema)


async def _sqlite_copy(spec: ServiceSpec, workdir: Path, seeded_dir: Path) -> PreparedDatabase:
    plan = _plan(spec)
    version = MIGRATIONS[-1].version
    stem = f"sqlite-v{version}-a{plan.accounts}-r{plan.history_rows}-u{plan.users}"
    cached, keys_file = seeded_dir / f"{stem}.db", seeded_dir / f"{stem}.keys.json"
    if not (cached.exists() and keys_file.exists()):
        await _seed_sqlite_cache(plan, cached, keys_file, _progress(spec.name))
    slug = spec.name.replace(" ", "-").replace("=", "")
    served = workdir / f"{slug}-{uuid.uuid4().hex[:8]}.db"  # never another run's WAL
    await asyncio.to_thread(shutil.copyfile, cached, served)
    keys = json.loads(await asyncio.to_thread(keys_file.read_text))
    return PreparedDatabase(f"sqlite:///{served}", tuple(keys))


async def _seed_sqlite_cache(
    plan: SeedPlan, cached: Path, keys_file: Path, progress: Progress
) -> None:
    """Seed into a scratch name and rename: an interrupted seeding leaves no cache entry."""
    cached.parent.mkdir(parents=True, exist_ok=True)
    scratch = cached.with_suffix(".partial")
    for leftover in cached.parent.glob(f"{scratch.name}*"):
        leftover.unlink()
    await create_schema(f"sqlite:///{scratch}")
    stop = threading.Event()

    def stoppable(message: str) -> None:
        """Between chunks: a thread cannot be cancelled, but it can stop at the next one."""
        if stop.is_set():
            raise BenchError("seeding interrupted")
        progress(message)

    seeding = asyncio.to_thread(seed_sqlite, scratch, plan, int(time.time()), stoppable)
    try:
        keys = await seeding
    except BaseException:
        stop.set()
        raise
    await asyncio.to_thread(keys_file.write_text, json.dumps(keys))
    await asyncio.to_thread(scratch.rename, cached)


@asynccontextmanager
async def _postgres_schema(dsn: str) -> AsyncIterator[tuple[str, str]]:
    """A fresh schema on the server `dsn` names, dropped on the way out."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    await _admin(dsn, f"CREATE SCHEMA {schema}")
    try:
        yield dsn, schema
    finally:
        await _admin(dsn, f"DROP SCHEMA {schema} CASCADE")


async def _admin(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _with_query(dsn: str, **params: str) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"{dsn}{'&' if '?' in dsn else '?'}{query}"
