"""The printed report: the table, each service against the reference, and the targets.

Ratios, not absolute times, are what the design quotes: the reference proxy runs on the
same core, behind the same upstream, with the same client library and event loop, so
service/reference isolates what the gateway itself costs.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.goals import (
    Goal,
    added_p50,
    cpu_ratios,
    flatness_goals,
    held_goal,
    postgres_goals,
    reference_of,
    service_goals,
)
from bench.held_run import HeldReport
from bench.measure import Measurement
from bench.options import Variant
from bench.runner import BenchReport

#: Above this share of core 1, the generator and upstream (not the server) set the pace.
LOAD_CORE_SATURATED = 0.9
#: Cores of CPU others may use in a window before the report warns (an idle VM shows ~0.15).
FOREIGN_LOAD_WARNING = 0.3


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _errors(measurement: Measurement) -> str:
    errors = measurement.load.errors
    return ", ".join(f"{kind} x{count}" for kind, count in errors.items()) or "0"


def measurement_table(report: BenchReport) -> list[str]:
    header = f"{'scenario':<18}{'target':<24}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}"
    header += f"{'CPU ms/req':>11}{'DB ms/req':>10}{'core1':>7}{'others':>7}  errors"
    lines = [header, "-" * len(header)]
    for m in report.best():
        busy = None if m.load_core_busy is None else m.load_core_busy * 100
        others = None if m.foreign_load is None else m.foreign_load * 100
        lines.append(
            f"{m.scenario.name:<18}{m.target:<24}{m.load.requests_per_second:>8.0f}"
            f"{m.load.p50_ms:>8.2f}{m.load.p99_ms:>8.2f}"
            f"{_number(m.server_cpu_ms_per_request, 3):>11}"
            f"{_number(m.database_cpu_ms_per_request, 3):>10}"
            f"{_number(busy, 0) + '%':>7}{_number(others, 0) + '%':>7}  {_errors(m)}"
        )
    return lines


def _verdict(met: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[met]


def _goal_lines(goals: list[Goal], indent: str = "  ") -> list[str]:
    return [f"{indent}{_verdict(g.met):<5}{g.asks}: {g.measured}" for g in goals]


def _main_services(report: BenchReport) -> list[str]:
    return [spec.name for spec in report.options.services() if not spec.only]


def _database_label(report: BenchReport) -> str:
    return "SQLite" if report.options.database is None else "PostgreSQL"


def comparison_lines(report: BenchReport, service: str) -> list[str]:
    """Throughput and CPU of one service against its reference, scenario by scenario."""
    reference_name = reference_of(report, service)
    lines = [f"{service} against {reference_name}:"]
    for scenario in report.options.scenarios():
        ours = report.find(service, scenario.name)
        reference = report.find(reference_name, scenario.name)
        if ours is None or reference is None:
            continue
        base = reference.load.requests_per_second
        throughput = ours.load.requests_per_second / base if base else None
        cpu = cpu_ratios(report, service).get(scenario.name)
        lines.append(
            f"  {scenario.name:<17} req/s {_number(throughput)}x, CPU/req "
            f"{_number(ours.cpu_ms_per_request, 3)} vs {_number(reference.cpu_ms_per_request, 3)}"
            f" ms = {_number(cpu)}x"
        )
        busy = reference.load_core_busy
        if busy is not None and busy >= LOAD_CORE_SATURATED:
            lines.append(
                "    note: core 1 was saturated while loading the reference: its req/s is a "
                "floor, so this throughput ratio flatters the service; trust CPU/req more"
            )
    lines.append(
        f"  added p50 at c=1: {_number(added_p50(report, service), 3)} ms vs {reference_name}, "
        f"{_number(added_p50(report, service, 'direct'), 3)} ms vs direct"
    )
    return lines


def floor_lines(report: BenchReport) -> list[str]:
    """What the money's two statements cost at least (the floor against the reference) and
    what each service's own code costs on top of them (the service against the floor)."""
    if report.find("floor", report.options.scenarios()[0].name) is None:
        return []
    lines = ["The floor (the reference + the gate's and the settlement's statements):"]
    # The floor runs on asyncio with the standard library's JSON: services on those only.
    plain = [spec.name for spec in report.options.services() if spec.variant == Variant()]
    compared = [service for service in _main_services(report) if service in plain]
    for name, baseline in [("floor", "reference"), *((service, "floor") for service in compared)]:
        ratios = cpu_ratios(report, name, baseline)
        cpu = ", ".join(f"{_number(ratio)}x" for ratio in ratios.values())
        lines.append(
            f"  {name} against {baseline}: CPU/req {cpu} ({', '.join(ratios)}); "
            f"added p50 at c=1 {_number(added_p50(report, name, baseline), 3)} ms"
        )
    return lines


def held_lines(held: HeldReport) -> list[str]:
    lines = [
        f"Held streams: {held.requested:,} asked; descriptor limit {held.descriptor_limit:,} "
        "(a relayed stream takes two in its server)"
    ]
    for side in held.sides:
        mib = [None if v is None else v / 2**20 for v in (side.rss_before, side.rss_open)]
        billed = "" if side.billed is None else f", {side.billed:,} billed"
        lines.append(
            f"  {side.target:<10} held {side.opened:,} of {side.attempted:,} at once: RSS "
            f"{_number(mib[0], 0)} -> {_number(mib[1], 0)} MiB, "
            f"{side.descriptors_open} descriptors; {side.completed:,} completed{billed}"
        )
        for kind, sample in side.error_samples.items():
            lines.append(f"    {kind} x{side.errors[kind]}: {sample}")
    return lines


def goal_lines(report: BenchReport) -> list[str]:
    lines = ["Targets (the issue's; against the reference on the same loop in this run):"]
    for service in _main_services(report):
        lines.append(f"  {service} ({_database_label(report)}):")
        lines += _goal_lines(service_goals(report, service), "    ")
    lines += _goal_lines(flatness_goals(report))
    lines += _goal_lines([held_goal(report.held)])
    lines += _goal_lines(postgres_goals(report))
    return lines


def render(report: BenchReport) -> str:
    """The whole printed report: placement, table, memory, comparisons and targets."""
    options = report.options
    placement = "servers on core 0, upstream + load generator on core 1"
    if not report.pinned:
        placement = "NOT pinned (taskset or two cores unavailable): expect noisy numbers"
    variants = ", ".join(f"{v.loop}+{v.json_library}" for v in options.variants)
    lines = [
        f"bench: {options.seconds:g} s windows after {options.warmup:g} s warm-up; {placement}",
        f"database {_database_label(report)}; event loop+JSON {variants}; "
        f"{options.accounts:,} accounts, {options.history_rows:,} history rows",
    ]
    lines += ["", *measurement_table(report), *_noise_warning(report), ""]
    memory = ", ".join(
        f"{target} {_number(None if rss is None else rss / 2**20, 1)} MiB"
        for target, rss in report.rss_bytes.items()
    )
    startup = ", ".join(f"{t} {seconds:.1f} s" for t, seconds in report.ready_seconds.items())
    lines += [f"RSS after the run (direct = the fake upstream): {memory}"]
    lines += [f"Start to first 200 on /health: {startup}", ""]
    for service in _main_services(report):
        lines += [*comparison_lines(report, service), ""]
    floor = floor_lines(report)
    lines += [*floor, ""] if floor else []
    if report.held is not None:
        lines += [*held_lines(report.held), ""]
    lines += goal_lines(report)
    lines += _error_samples(report)
    return "\n".join(lines)


def _noise_warning(report: BenchReport) -> list[str]:
    loads = [m.foreign_load for m in report.best() if m.foreign_load is not None]
    if not loads or max(loads) < FOREIGN_LOAD_WARNING:
        return []
    return [
        f"warning: other processes used up to {max(loads):.0%} of a core during the windows "
        "('others'): these numbers are disturbed; rerun on a quiet machine or with --rounds 3"
    ]


def _error_samples(report: BenchReport) -> list[str]:
    lines: list[str] = []
    for m in report.measurements:
        for kind, sample in m.load.error_samples.items():
            lines.append(f"  {m.target} {m.scenario.name} round {m.round} {kind}: {sample}")
    if not lines:
        return []
    tail = report.service_log_tail.strip()
    service_log = ["Service output (tail):", tail] if tail else []
    return ["", "Errors (first of each kind):", *lines, *service_log]


def _without_password(dsn: str | None) -> str | None:
    """A DSN fit to be saved: any password replaced by ***."""
    if dsn is None:
        return None
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def write_json(report: BenchReport, directory: Path, stamp: str) -> Path:
    """Save the raw measurements and the targets' verdicts as `<stamp>.json`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stamp}.json"
    goals = {
        service: [asdict(goal) for goal in service_goals(report, service)]
        for service in _main_services(report)
    }
    others = [*flatness_goals(report), held_goal(report.held), *postgres_goals(report)]
    saved = asdict(report)
    saved["options"]["database"] = _without_password(report.options.database)
    data = {
        "report": saved,
        "targets": {**goals, "run": [asdict(goal) for goal in others]},
        "requests_per_second": {
            f"{m.target} {m.scenario.name}": m.load.requests_per_second for m in report.best()
        },
    }
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
