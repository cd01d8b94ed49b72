"""One bench run: start the upstream, the reference and the service, load each in turn.

Placement on a machine with two cores or more: the servers being compared (reference proxy
and service) get core 0 to themselves, one at a time under load; the fake upstream and the
load generator share core 1. Both compared servers meet identical conditions, so their
ratio means something even where absolute numbers depend on the machine.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadgen import KEY_ENV, LoadResult
from bench.processes import Fleet, Server, free_port, pin_prefix, python_module, run_to_completion
from bench.procfs import rss_bytes
from bench.seed import create_bench_user

SERVER_CORE = 0
LOAD_CORE = 1
TARGETS = ("direct", "reference", "service")
_LOADGEN_SLACK_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    concurrency: int
    stream: bool


@dataclass(frozen=True, slots=True)
class Options:
    seconds: float
    warmup: float
    concurrency: int
    targets: tuple[str, ...]
    startup_timeout: float
    rounds: int = 1

    def scenarios(self) -> list[Scenario]:
        high = self.concurrency
        return [
            Scenario("non-stream c=1", 1, stream=False),
            Scenario(f"non-stream c={high}", high, stream=False),
            Scenario(f"stream c={high}", high, stream=True),
        ]

    def time_bound(self) -> float:
        """Upper bound of a whole run: every window, its slack, and every start-up."""
        per_run = self.warmup + self.seconds + _LOADGEN_SLACK_SECONDS
        runs = self.rounds * len(self.scenarios()) * len(self.targets)
        return runs * per_run + 3 * self.startup_timeout + 30


@dataclass(frozen=True, slots=True)
class Measurement:
    """One target under one scenario; CPU figures come from the generator's window."""

    target: str
    scenario: Scenario
    round: int
    load: LoadResult
    server_cpu_ms_per_request: float | None
    load_core_busy: float | None
    foreign_load: float | None


@dataclass(slots=True)
class BenchReport:
    options: Options
    pinned: bool
    measurements: list[Measurement] = field(default_factory=list)
    rss_bytes: dict[str, int | None] = field(default_factory=dict)
    ready_seconds: dict[str, float] = field(default_factory=dict)
    service_log_tail: str = ""

    def best(self) -> list[Measurement]:
        """Per target and scenario, the round with the highest throughput.

        Other work on the machine only ever slows a window down, so the fastest of
        interleaved rounds is the least disturbed one; its latency and CPU figures are kept
        together with it, from the same window.
        """
        best: dict[tuple[str, str], Measurement] = {}
        for m in self.measurements:
            key = (m.target, m.scenario.name)
            kept = best.get(key)
            if kept is None or m.load.requests_per_second > kept.load.requests_per_second:
                best[key] = m
        return list(best.values())


def _base_env() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != KEY_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _service_env(port: int, database_url: str, upstream: Server) -> dict[str, str]:
    """The service's settings; an empty BOT_TOKEN overrides any token in a local .env."""
    env = _base_env()
    env.update(
        API_HOST="127.0.0.1",
        API_PORT=str(port),
        DATABASE_URL=database_url,
        OPENAI_BASE_URL=f"{upstream.base_url}/v1",
        OPENAI_API_KEY="sk-bench",
        BOT_TOKEN="",
        BOT_MODE="off",
        RATE_LIMIT_PER_MINUTE="0",  # one bench user makes thousands of calls a minute
    )
    return env


async def _start_servers(
    fleet: Fleet, workdir: Path, options: Options
) -> tuple[dict[str, Server], str]:
    """Start what `options.targets` needs; the servers by target, and the service's key."""
    timeout = options.startup_timeout
    port = free_port()
    upstream = await fleet.start(
        "upstream",
        python_module("bench.upstream", "--port", str(port)),
        LOAD_CORE,
        port,
        _base_env(),
        ready_timeout=timeout,
    )
    servers = {"direct": upstream}
    key = ""
    if "reference" in options.targets:
        port = free_port()
        command = python_module(
            "bench.proxy", "--port", str(port), "--upstream", f"{upstream.base_url}/v1"
        )
        servers["reference"] = await fleet.start(
            "reference", command, SERVER_CORE, port, _base_env(), ready_timeout=timeout
        )
    if "service" in options.targets:
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        key = await create_bench_user(database_url)
        port = free_port()
        env = _service_env(port, database_url, upstream)
        servers["service"] = await fleet.start(
            "service", python_module("api"), SERVER_CORE, port, env, ready_timeout=timeout
        )
    return servers, key


def _loadgen_command(
    server: Server, pids: list[int], scenario: Scenario, options: Options
) -> list[str]:
    args = ["--url", f"{server.base_url}/v1/chat/completions"]
    args += ["--concurrency", str(scenario.concurrency)]
    args += ["--warmup", str(options.warmup), "--seconds", str(options.seconds)]
    args += ["--stream"] if scenario.stream else []
    for pid in pids:
        args += ["--watch", str(pid)]
    return python_module("bench.loadgen", *args)


async def _measure(
    servers: dict[str, Server],
    target: str,
    scenario: Scenario,
    round_: int,
    options: Options,
    key: str,
) -> Measurement:
    """Load `target` for one window from core 1 and relate CPU deltas to completed requests."""
    server, upstream = servers[target], servers["direct"]
    command = _loadgen_command(server, sorted({server.pid, upstream.pid}), scenario, options)
    env = _base_env()
    if target == "service":
        env[KEY_ENV] = key
    bound = options.warmup + options.seconds + _LOADGEN_SLACK_SECONDS
    output = await run_to_completion("load generator", command, LOAD_CORE, env, bound)
    load = LoadResult.from_json(output.strip().splitlines()[-1])
    return Measurement(
        target,
        scenario,
        round_,
        load,
        server_cpu_ms_per_request=_cpu_ms_per_request(load, server.pid),
        load_core_busy=_load_core_busy(load, upstream.pid),
        foreign_load=_foreign_load(load),
    )


def _cpu_ms_per_request(load: LoadResult, pid: int) -> float | None:
    cpu = load.cpu_seconds.get(str(pid))
    if cpu is None or not load.completed:
        return None
    return cpu * 1000 / load.completed


def _load_core_busy(load: LoadResult, upstream_pid: int) -> float | None:
    """Share of core 1 that the upstream and the generator used: near 1, they set the pace."""
    upstream_cpu = load.cpu_seconds.get(str(upstream_pid))
    if upstream_cpu is None or not load.window_seconds:
        return None
    return (upstream_cpu + load.generator_cpu_seconds) / load.window_seconds


def _foreign_load(load: LoadResult) -> float | None:
    """Cores' worth of CPU used by anything but the run's own processes during the window."""
    ours = [cpu for cpu in load.cpu_seconds.values() if cpu is not None]
    if load.machine_busy_seconds is None or not load.window_seconds:
        return None
    others = load.machine_busy_seconds - sum(ours) - load.generator_cpu_seconds
    return max(0.0, others) / load.window_seconds


async def run_bench(options: Options) -> BenchReport:
    """Measure every scenario against every target; all processes are gone on return."""
    report = BenchReport(
        options=options, pinned=bool(pin_prefix(SERVER_CORE) and pin_prefix(LOAD_CORE))
    )
    with tempfile.TemporaryDirectory(prefix="myapi-bench-") as tmp:
        async with Fleet(Path(tmp)) as fleet:
            servers, key = await _start_servers(fleet, Path(tmp), options)
            for round_ in range(1, options.rounds + 1):
                for scenario in options.scenarios():
                    for target in options.targets:
                        measurement = await _measure(
                            servers, target, scenario, round_, options, key
                        )
                        report.measurements.append(measurement)
            for target in options.targets:
                report.rss_bytes[target] = rss_bytes(servers[target].pid)
                report.ready_seconds[target] = servers[target].ready_seconds
            if "service" in servers:
                report.service_log_tail = servers["service"].log_tail(2000)
    return report
