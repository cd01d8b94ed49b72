"""Closed-loop load generator, run as its own process: `python -m bench.loadgen ...`.

N workers share one keep-alive `ClientSession` and each sends its next request as soon as
the last one finished, so the offered load adapts to the server (closed loop). After a
warm-up, only requests that finish inside the measurement window count; a success is a 200
(with a complete stream, when streaming). The CPU time of watched processes is sampled at
the window's edges here, on the generator's own clock, so it covers exactly the requests
counted. The result is one JSON line on stdout.
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

from bench.procfs import cpu_seconds, machine_busy_seconds

KEY_ENV = "BENCH_API_KEY"
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
    url: str
    body: bytes
    headers: dict[str, str]
    stream: bool


async def _one_request(session: aiohttp.ClientSession, target: _Target) -> tuple[str, str] | None:
    """Send one request and read the whole answer; None on success, else (kind, sample)."""
    try:
        async with session.post(target.url, data=target.body, headers=target.headers) as resp:
            payload = await resp.read()
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return type(error).__name__, str(error)
    if resp.status != 200:
        return f"HTTP {resp.status}", payload.decode(errors="replace")
    if target.stream and not payload.endswith(_STREAM_END):
        return "incomplete stream", payload[-200:].decode(errors="replace")
    return None


async def _worker(
    session: aiohttp.ClientSession, target: _Target, window: _Window, tally: _Tally
) -> None:
    while not window.closed:
        started = time.perf_counter()
        error = await _one_request(session, target)
        finished = time.perf_counter()
        if window.contains(finished):
            tally.record(error, finished - started)


@dataclass(frozen=True, slots=True)
class _CpuSample:
    pids: dict[int, float | None]
    own: float
    machine: float | None

    @classmethod
    def take(cls, pids: list[int]) -> _CpuSample:
        return cls(
            {pid: cpu_seconds(pid) for pid in pids}, time.process_time(), machine_busy_seconds()
        )


def _delta(first: float | None, last: float | None) -> float | None:
    return None if first is None or last is None else last - first


async def _clock(
    window: _Window, warmup: float, seconds: float, pids: list[int]
) -> tuple[_CpuSample, _CpuSample]:
    """Open and close the window; CPU samples (pids, this process, machine) at its edges."""
    await asyncio.sleep(warmup)
    before = _CpuSample.take(pids)
    window.start = time.perf_counter()
    await asyncio.sleep(seconds)
    window.end = time.perf_counter()
    after = _CpuSample.take(pids)
    window.closed = True
    return before, after


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile in milliseconds; 0 when nothing completed."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1] * 1000


async def run_load(
    target: _Target, concurrency: int, warmup: float, seconds: float, pids: list[int]
) -> LoadResult:
    """Drive `concurrency` workers through warm-up and one window; bounded by a grace period."""
    window, tally = _Window(), _Tally()
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        workers = [
            asyncio.create_task(_worker(session, target, window, tally))
            for _ in range(concurrency)
        ]
        before, after = await _clock(window, warmup, seconds, pids)
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
    )


def _target(url: str, stream: bool) -> _Target:
    """The bench's chat request; the key comes from the environment, never from argv."""
    request: dict[str, object] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16,
    }
    if stream:
        request["stream"] = True
    headers = {"Content-Type": "application/json"}
    key = os.environ.get(KEY_ENV)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return _Target(url=url, body=json.dumps(request).encode(), headers=headers, stream=stream)


def main() -> None:
    parser = argparse.ArgumentParser(description="Closed-loop HTTP load generator for bench.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--watch", type=int, action="append", default=[], help="pid to time")
    args = parser.parse_args()
    target = _target(args.url, args.stream)
    result = asyncio.run(run_load(target, args.concurrency, args.warmup, args.seconds, args.watch))
    print(json.dumps(asdict(result)), flush=True)


if __name__ == "__main__":
    main()
