"""One bench run: the upstream, the reference and every service, each loaded in turn.

The services are whatever the options ask for (one per replica count, plus the flatness
ends), each on its own seeded database, all in one fleet with the one reference, so every
ratio compares windows of the same run. Rounds interleave the windows; the held streams,
when asked for, come after, on servers of their own (see bench.held_run).
"""

from __future__ import annotations

import tempfile
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.databases import prepared_database
from bench.held_run import HeldReport, run_held
from bench.measure import Measurement, Target, measure
from bench.options import LOAD_CORE, SERVER_CORE, Options
from bench.processes import Fleet, Server, pin_prefix
from bench.procfs import rss_bytes
from bench.servers import start_floor, start_reference, start_service, start_upstream


@dataclass(slots=True)
class BenchReport:
    options: Options
    pinned: bool
    measurements: list[Measurement] = field(default_factory=list)
    rss_bytes: dict[str, int | None] = field(default_factory=dict)
    ready_seconds: dict[str, float] = field(default_factory=dict)
    service_log_tail: str = ""
    held: HeldReport | None = None

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

    def find(self, target: str, scenario: str) -> Measurement | None:
        for measurement in self.best():
            if measurement.target == target and measurement.scenario.name == scenario:
                return measurement
        return None


async def _start_targets(
    stack: AsyncExitStack, options: Options, workdir: Path
) -> tuple[Server, list[Target]]:
    """The databases first (so the fleet, entered after, stops before they are dropped)."""
    specs = options.services()
    databases = [
        await stack.enter_async_context(prepared_database(spec, options.database, workdir))
        for spec in specs
    ]
    floor = options.floor()
    floor_database = None
    if floor is not None:
        floor_database = await stack.enter_async_context(prepared_database(floor, None, workdir))
    fleet = await stack.enter_async_context(Fleet(workdir))
    upstream = await start_upstream(fleet, options)
    targets = [Target("direct", (upstream,))] if "direct" in options.targets else []
    for variant in options.references():
        targets.append(await start_reference(fleet, upstream, options, variant))
    if floor_database is not None:
        targets.append(await start_floor(fleet, upstream, options, floor_database))
    for spec, database in zip(specs, databases, strict=True):
        targets.append(await start_service(fleet, spec, database, upstream, options))
    return upstream, targets


def _record_servers(report: BenchReport, targets: list[Target]) -> None:
    """Memory (all of a target's processes) and start-up time (its slowest) after the run."""
    for target in targets:
        sizes = [rss_bytes(pid) for pid in target.pids]
        known = [size for size in sizes if size is not None]
        report.rss_bytes[target.name] = sum(known) if len(known) == len(sizes) else None
        report.ready_seconds[target.name] = max(s.ready_seconds for s in target.servers)
    services = [target for target in targets if target.spec is not None]
    if services:
        report.service_log_tail = services[0].servers[0].log_tail(2000)


async def run_bench(options: Options) -> BenchReport:
    """Measure every scenario against every target; all processes are gone on return."""
    report = BenchReport(
        options=options, pinned=bool(pin_prefix(SERVER_CORE) and pin_prefix(LOAD_CORE))
    )
    with tempfile.TemporaryDirectory(prefix="myapi-bench-") as tmp:
        workdir = Path(tmp)
        async with AsyncExitStack() as stack:
            upstream, targets = await _start_targets(stack, options, workdir)
            for round_ in range(1, options.rounds + 1):
                for scenario in options.scenarios():
                    for target in targets:
                        if target.runs(scenario):
                            measurement = await measure(
                                target, upstream, scenario, round_, options
                            )
                            report.measurements.append(measurement)
            _record_servers(report, targets)
        if options.held_streams:
            report.held = await run_held(options, workdir)
    return report
