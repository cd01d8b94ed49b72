"""One measurement window: what is loaded (a `Target`) and what it cost (a `Measurement`).

A target is every process that serves one thing under test: the upstream itself, the
reference, or a service with all its replicas (the load spreads over them, and their CPU
is added up). On PostgreSQL a service's CPU per request also counts the database server's
backends that served it, since SQLite's work is inside the service's own process.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.databases import PreparedDatabase
from bench.loadgen import DATABASE_ENV, KEYS_ENV, LoadResult
from bench.options import LOAD_CORE, LOADGEN_SLACK_SECONDS, Options, Scenario, ServiceSpec
from bench.processes import Server, base_env, python_module, run_to_completion
from bench.proxy import REFERENCE_KEYS


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    servers: tuple[Server, ...]
    spec: ServiceSpec | None = None
    database: PreparedDatabase | None = None

    def runs(self, scenario: Scenario) -> bool:
        return self.spec is None or self.spec.runs(scenario)

    @property
    def pids(self) -> list[int]:
        return [server.pid for server in self.servers]


@dataclass(frozen=True, slots=True)
class Measurement:
    """One target under one scenario; CPU figures come from the generator's window."""

    target: str
    scenario: Scenario
    round: int
    load: LoadResult
    server_cpu_ms_per_request: float | None
    database_cpu_ms_per_request: float | None
    load_core_busy: float | None
    foreign_load: float | None

    @property
    def cpu_ms_per_request(self) -> float | None:
        """The whole cost of a request: the server's processes and its database's."""
        server, database = self.server_cpu_ms_per_request, self.database_cpu_ms_per_request
        return None if server is None else server + (database or 0.0)


def _loadgen_command(
    target: Target, upstream: Server, scenario: Scenario, options: Options
) -> list[str]:
    args: list[str] = []
    for server in target.servers:
        args += ["--url", f"{server.base_url}/v1/chat/completions"]
    args += ["--concurrency", str(scenario.concurrency)]
    args += ["--warmup", str(options.warmup), "--seconds", str(options.seconds)]
    args += ["--stream"] if scenario.stream else []
    for pid in sorted({*target.pids, upstream.pid}):
        args += ["--watch", str(pid)]
    if target.database is not None and target.database.application_name:
        args += ["--database-app", target.database.application_name]
    return python_module("bench.loadgen", *args)


async def measure(
    target: Target, upstream: Server, scenario: Scenario, round_: int, options: Options
) -> Measurement:
    """Load `target` for one window from core 1 and relate CPU deltas to completed requests."""
    command = _loadgen_command(target, upstream, scenario, options)
    env = base_env()
    if target.database is None:
        env[KEYS_ENV] = ",".join(REFERENCE_KEYS)  # the reference's bearer tokens
    else:
        env[KEYS_ENV] = ",".join(target.database.keys)
        if target.database.admin_dsn is not None:
            env[DATABASE_ENV] = target.database.admin_dsn
    bound = options.warmup + options.seconds + LOADGEN_SLACK_SECONDS
    output = await run_to_completion("load generator", command, LOAD_CORE, env, bound)
    load = LoadResult.from_json(output.strip().splitlines()[-1])
    return Measurement(
        target.name,
        scenario,
        round_,
        load,
        server_cpu_ms_per_request=_per_request(load, _sum(load, target.pids)),
        database_cpu_ms_per_request=_per_request(load, load.database_cpu_seconds),
        load_core_busy=_load_core_busy(load, upstream.pid),
        foreign_load=_foreign_load(load),
    )


def _sum(load: LoadResult, pids: list[int]) -> float | None:
    used = [load.cpu_seconds.get(str(pid)) for pid in pids]
    return None if any(cpu is None for cpu in used) else sum(cpu or 0.0 for cpu in used)


def _per_request(load: LoadResult, cpu: float | None) -> float | None:
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
    ours.append(load.database_cpu_seconds or 0.0)
    if load.machine_busy_seconds is None or not load.window_seconds:
        return None
    others = load.machine_busy_seconds - sum(ours) - load.generator_cpu_seconds
    return max(0.0, others) / load.window_seconds
