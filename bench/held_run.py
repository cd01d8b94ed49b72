"""The held-streams scenario: N streams open at once through one process, and its memory.

On servers of its own (an upstream started with `--hold`, the reference, one service
allowed N upstream connections): for the service and then the reference, the client
(bench.held) opens N streams, the RSS and descriptors of the server are read once every
stream is open, the upstream releases them, and the client checks that each completed;
for the service, the database must then hold one billed call per completed stream.

A relayed stream takes two descriptors in the server (the client's connection and the
upstream's), and nothing can raise the process's hard limit (`ulimit -Hn`). When N streams
do not fit, the scenario holds as many as do, says so, and extrapolates the memory per
stream to N; the report marks the verdict as extrapolated.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.databases import PreparedDatabase, prepared_database
from bench.errors import BenchError
from bench.held import HeldResult
from bench.loadgen import KEYS_ENV
from bench.measure import Target
from bench.options import LOAD_CORE, Options, ServiceSpec
from bench.processes import ROOT, Fleet, Server, base_env, pin_prefix, python_module
from bench.procfs import rss_bytes
from bench.proxy import REFERENCE_KEYS
from bench.servers import start_reference, start_service, start_upstream
from storage.database import open_database

#: Descriptors a server keeps for itself beyond its streams' (listener, database, pipes).
_DESCRIPTOR_MARGIN = 64
_BILLING_SECONDS = 60.0
#: Opening, holding and finishing one side's streams (a busy machine opens ~500 a second).
_SIDE_BOUND_SECONDS = 300.0
_POLL_SECONDS = 0.2


@dataclass(slots=True)
class HeldSide:
    """One server under the held load."""

    target: str
    attempted: int
    rss_before: int | None = None
    rss_open: int | None = None
    descriptors_open: int | None = None
    opened: int = 0
    completed: int = 0
    billed: int | None = None
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: dict[str, str] = field(default_factory=dict)

    def rss_at(self, streams: int) -> float | None:
        """RSS with `streams` open: measured, or extrapolated linearly per open stream."""
        if self.rss_open is None or self.rss_before is None or not self.opened:
            return None
        per_stream = (self.rss_open - self.rss_before) / self.opened
        return self.rss_before + per_stream * streams


@dataclass(slots=True)
class HeldReport:
    requested: int
    descriptor_limit: int
    sides: list[HeldSide] = field(default_factory=list)


def _descriptors(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def _fitting(requested: int, pid: int, limit: int) -> int:
    """How many relayed streams fit in `pid`'s descriptors: two each, beyond its own."""
    used = _descriptors(pid) or 0
    return max(0, min(requested, (limit - used - _DESCRIPTOR_MARGIN) // 2))


async def _fetch_int(url: str, sql: str, params: dict[str, object] | None = None) -> int:
    database = await open_database(url)
    try:
        row = await database.fetch_one(sql, params)
    finally:
        await database.close()
    assert row is not None
    return int(row["n"] or 0)


async def _last_call(url: str) -> int:
    return await _fetch_int(url, "SELECT MAX(id) AS n FROM calls")


async def _wait_billed(url: str, after: int, expected: int) -> int:
    """Calls billed after call `after`, once they reach `expected` or the bound passes.

    Settlement follows each stream's end by a moment; counting by id stays quick however
    much history the database was seeded with.
    """
    sql = "SELECT COUNT(*) AS n FROM calls WHERE id > :after AND cost > 0"
    deadline = time.monotonic() + _BILLING_SECONDS
    billed = await _fetch_int(url, sql, {"after": after})
    while billed < expected and time.monotonic() < deadline:
        await asyncio.sleep(_POLL_SECONDS)
        billed = await _fetch_int(url, sql, {"after": after})
    return billed


async def _release(upstream: Server) -> None:
    async with aiohttp.ClientSession() as http, http.post(f"{upstream.base_url}/release") as r:
        r.raise_for_status()


async def _hold(target: Target, upstream: Server, side: HeldSide, keys: str) -> None:
    """Run the client against `target` and fill `side` in; the client is gone on return."""
    server = target.servers[0]
    side.rss_before = rss_bytes(server.pid)
    url = f"{server.base_url}/v1/chat/completions"
    command = python_module("bench.held", "--url", url, "--streams", str(side.attempted))
    env = base_env() | ({KEYS_ENV: keys} if keys else {})
    client = await asyncio.create_subprocess_exec(
        *pin_prefix(LOAD_CORE),
        *command,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert client.stdout is not None
        async with asyncio.timeout(_SIDE_BOUND_SECONDS):
            opened = HeldResult.from_json(await _line(client.stdout, "open"))
            side.rss_open = rss_bytes(server.pid)
            side.descriptors_open = _descriptors(server.pid)
            await _release(upstream)
            done = HeldResult.from_json(await _line(client.stdout, "done"))
            await client.wait()
    except TimeoutError:
        message = f"{side.attempted} held streams through {target.name} took over "
        raise BenchError(f"{message}{_SIDE_BOUND_SECONDS:.0f} s") from None
    finally:
        if client.returncode is None:
            client.kill()
            await client.wait()
    side.opened, side.completed = opened.opened, done.completed
    side.errors, side.error_samples = done.errors, done.error_samples


async def _line(stream: asyncio.StreamReader, phase: str) -> str:
    line = (await stream.readline()).decode()
    if not line:
        raise BenchError(f"the held-streams client exited before its {phase!r} line")
    return line


async def _measure_service(
    fleet: Fleet,
    spec: ServiceSpec,
    database: PreparedDatabase,
    upstream: Server,
    report: HeldReport,
    options: Options,
) -> None:
    """The service may open as many upstream connections as it holds streams."""
    connections = str(report.requested + _DESCRIPTOR_MARGIN)
    target = await start_service(
        fleet, spec, database, upstream, options, UPSTREAM_MAX_CONNECTIONS=connections
    )
    fitting = _fitting(report.requested, target.pids[0], report.descriptor_limit)
    side = HeldSide("service", fitting)
    last = await _last_call(database.url)
    await _hold(target, upstream, side, ",".join(database.keys))
    side.billed = await _wait_billed(database.url, last, side.completed)
    report.sides.append(side)


async def run_held(options: Options, workdir: Path) -> HeldReport:
    """The scenario for the service, then the reference, on servers started for it."""
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    report = HeldReport(options.held_streams, limit)
    users = min(options.users, options.accounts)
    variant = options.variants[0]
    name = "service" + variant.suffix
    spec = ServiceSpec(name, options.accounts, options.history_rows, users, variant=variant)
    async with (
        prepared_database(spec, options.database, workdir) as database,
        Fleet(workdir) as fleet,
    ):
        upstream = await start_upstream(fleet, options, hold=True)
        if "service" in options.targets:
            await _measure_service(fleet, spec, database, upstream, report, options)
        if "reference" in options.targets:
            reference = await start_reference(fleet, upstream, options, variant)
            side = HeldSide("reference", _fitting(options.held_streams, reference.pids[0], limit))
            await _hold(reference, upstream, side, ",".join(REFERENCE_KEYS))
            report.sides.append(side)
    return report
