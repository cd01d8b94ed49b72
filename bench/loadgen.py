"""Closed-loop load generator, run as its own process: `python -m bench.loadgen ...`.

N workers share one keep-alive `ClientSession` and each sends its next request as soon as
the last one finished, so the offered load adapts to the server (closed loop). Worker i
calls the i-th URL (round robin over a service's replicas) with the i-th key (round robin
over the bench users). After a warm-up, only requests that finish inside the measurement
window count; a success is a 200 (with a complete stream, when streaming). The CPU time of
watched processes is sampled at the window's edges here, on the generator's own clock, so
it covers exactly the requests counted; so is the CPU of a PostgreSQL server's backends
that serve the service (found by their `application_name`). The result is one JSON line on
stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import aiohttp
import asyncpg

from bench.procfs import cpu_seconds, machine_busy_seconds

#: The bench users' keys, comma-separated: in the environment, never on a command line.
KEYS_ENV = "BENCH_API_KEYS"
#: The PostgreSQL server whose backends are timed: a DSN may hold a password, so not argv.
DATABASE_ENV = "BENCH_DATABASE_DSN"
_BACKENDS = "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
_STREAM_END = b"data: [DONE]\n\n"
_GRACE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one measurement window saw; `cpu_seconds` is keyed by watched pid (as text)."""

    completed: int
    window_seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    error_samples: dict[str, str]
    cpu_seconds: dict[str, float | None]
    generator_cpu_seconds: float
    machine_busy_seconds: float | None
    #: CPU of the database server's backends serving the target (PostgreSQL only).
    database_cpu_seconds: float | None = None

    @property
    def requests_per_second(self) -> float:
        return self.completed / self.window_seconds if self.window_seconds else 0.0

    @classmethod
    def from_json(cls, line: str) -> LoadResult:
        return cls(**json.loads(line))


@dataclass(slots=True)
class _Window:
    """The measurement interval on `time.perf_counter()`; open-ended until the clock sets it."""

    start: float = math.inf
    end: float = math.inf
    closed: bool = False

    def contains(self, instant: float) -> bool:
        return self.start <= instant <= self.end


@dataclass(slots=True)
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def record(self, error: tuple[str, str] | None, seconds: float) -> None:
        if error is None:
            self.latencies.append(seconds)
            return
        kind, sample = error
        self.errors[kind] += 1
        self.samples.setdefault(kind, sample[:300])


@dataclass(frozen=True, slots=True)
class _Target:
    urls: list[str]
    body: bytes
    headers: list[dict[str, str]]
    stream: bool


async def _one_request(
    session: aiohttp.ClientSession, target: _Target, worker: int
) -> tuple[str, str] | None:
    """Send one request and read the whole answer; None on success, else (kind, sample)."""
    url = target.urls[worker % len(target.urls)]
    headers = target.headers[worker % len(target.headers)]
    try:
        async with session.post(url, data=target.body, headers=headers) as resp:
            payload = await resp.read()
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return type(error).__name__, str(error)
    if resp.status != 200:
        return f"HTTP {resp.status}", payload.decode(errors="replace")
    if target.stream and not payload.endswith(_STREAM_END):
        return "incomplete stream", payload[-200:].decode(errors="replace")
    return None


async def _worker(
    session: aiohttp.ClientSession, target: _Target, worker: int, window: _Window, tally: _Tally
) -> None:
    while not window.closed:
        started = time.perf_counter()
        error = await _one_request(session, target, worker)
        finished = time.perf_counter()
        if window.contains(finished):
            tally.record(error, finished - started)


class _Backends:
    """The database server's processes serving one service, named by `application_name`."""

    def __init__(self, connection: asyncpg.Connection, application_name: str) -> None:
        self._connection = connection
        self._name = application_name

    async def cpu(self) -> dict[int, float | None]:
        rows = await self._connection.fetch(_BACKENDS, self._name)
        return {row["pid"]: cpu_seconds(row["pid"]) for row in rows}


@dataclass(frozen=True, slots=True)
class _CpuSample:
    pids: dict[int, float | None]
    own: float
    machine: float | None
    backends: dict[int, float | None]

    @classmethod
    async def take(cls, pids: list[int], backends: _Backends | None) -> _CpuSample:
        return cls(
            {pid: cpu_seconds(pid) for pid in pids},
            time.process_time(),
            machine_busy_seconds(),
            await backends.cpu() if backends is not None else {},
        )


def _delta(first: float | None, last: float | None) -> float | None:
    return None if first is None or last is None else last - first


def _backends_delta(before: _CpuSample, after: _CpuSample) -> float | None:
    """A backend that started during the window counts whole; one that ended is lost."""
    if not after.backends:
        return None
    used = (_delta(before.backends.get(pid, 0.0), cpu) for pid, cpu in after.backends.items())
    return sum(value for value in used if value is not None)


async def _clock(
    window: _Window, warmup: float, seconds: float, pids: list[int], backends: _Backends | None
) -> tuple[_CpuSample, _CpuSample]:
    """Open and close the window; CPU samples (pids, this process, machine) at its edges."""
    await asyncio.sleep(warmup)
    before = await _CpuSample.take(pids, backends)
    window.start = time.perf_counter()
    await asyncio.sleep(seconds)
    window.end = time.perf_counter()
    after = await _CpuSample.take(pids, backends)
    window.closed = True
    return before, after


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile in milliseconds; 0 when nothing completed."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1] * 1000


async def run_load(
    target: _Target,
    concurrency: int,
    warmup: float,
    seconds: float,
    pids: list[int],
    backends: _Backends | None = None,
) -> LoadResult:
    """Drive `concurrency` workers through warm-up and one window; bounded by a grace period."""
    window, tally = _Window(), _Tally()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        workers = [
            asyncio.create_task(_worker(session, target, worker, window, tally))
            for worker in range(concurrency)
        ]
        before, after = await _clock(window, warmup, seconds, pids, backends)
        _done, pending = await asyncio.wait(workers, timeout=_GRACE_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    latencies = sorted(tally.latencies)
    return LoadResult(
        completed=len(latencies),
        window_seconds=window.end - window.start,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        errors=dict(tally.errors),
        error_samples=tally.samples,
        cpu_seconds={str(pid): _delta(before.pids[pid], after.pids[pid]) for pid in pids},
        generator_cpu_seconds=after.own - before.own,
        machine_busy_seconds=_delta(before.machine, after.machine),
        database_cpu_seconds=_backends_delta(before, after),
    )


def _target(urls: list[str], stream: bool) -> _Target:
    """The bench's chat request; the keys come from the environment, never from argv."""
    request: dict[str, object] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16,
    }
    if stream:
        request["stream"] = True
    base = {"Content-Type": "application/json"}
    keys = [key for key in os.environ.get(KEYS_ENV, "").split(",") if key]
    headers = [{**base, "Authorization": f"Bearer {key}"} for key in keys] or [base]
    return _Target(urls=urls, body=json.dumps(request).encode(), headers=headers, stream=stream)


async def _load(args: argparse.Namespace) -> LoadResult:
    """The run, with a connection to the database server while backends are to be timed."""
    target = _target(args.url, args.stream)
    if args.database_app is None:
        return await run_load(target, args.concurrency, args.warmup, args.seconds, args.watch)
    connection = await asyncpg.connect(os.environ[DATABASE_ENV])
    try:
        backends = _Backends(connection, args.database_app)
        return await run_load(
            target, args.concurrency, args.warmup, args.seconds, args.watch, backends
        )
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Closed-loop HTTP load generator for bench.")
    parser.add_argument("--url", action="append", required=True, help="one per replica")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--watch", type=int, action="append", default=[], help="pid to time")
    parser.add_argument(
        "--database-app", help=f"application_name of backends to time (server: ${DATABASE_ENV})"
    )
    args = parser.parse_args()
    result = asyncio.run(_load(args))
    print(json.dumps(asdict(result)), flush=True)


if __name__ == "__main__":
    main()
