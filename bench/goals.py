"""The performance issue's targets, each a verdict on figures of this run.

All but memory are ratios against the pass-through reference measured in the same run (or,
for flatness, between a service's two ends), so they keep their meaning on any machine:
- chat (non-streaming) at 64 concurrent calls: at least 0.5x the reference's requests/s;
- streams at 64: at least 0.5x;
- CPU per request (the service's processes and, on PostgreSQL, its database backends): at
  most 2x the reference's, in every scenario;
- p50 at concurrency 1: at most 0.25 ms above the reference's;
- flat within 10 % (requests/s and CPU per request) from 10 to 100 000 accounts and from 0
  to 10 million call and ledger rows;
- 10 000 concurrent open streams held by one process under 1 GiB RSS;
- PostgreSQL measured the same way, with one replica and with two.
A target the run did not measure is reported as n/a, with the option that measures it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.held_run import HeldReport, HeldSide
from bench.measure import Measurement
from bench.options import FLAT_ACCOUNTS, FLAT_ROWS, Flatness, flat_name, service_name
from bench.runner import BenchReport

MIN_THROUGHPUT_RATIO = 0.5
MAX_CPU_RATIO = 2.0
MAX_ADDED_P50_MS = 0.25
MAX_FLAT_DEVIATION = 0.10
HELD_STREAMS = 10_000
MAX_HELD_RSS_BYTES = 2**30
POSTGRES_REPLICAS = (1, 2)


@dataclass(frozen=True, slots=True)
class Goal:
    """One target: what it asks, what was measured, and the verdict (None: not measured)."""

    asks: str
    measured: str
    met: bool | None


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _shown(value: float | None, suffix: str = "x", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{suffix}"


def reference_of(report: BenchReport, service: str) -> str:
    """The reference a service is compared with: the one on the same event loop."""
    for spec in report.options.services():
        if spec.name == service:
            return spec.variant.reference
    return "reference"


def _throughput_goal(report: BenchReport, service: str, scenario: str, what: str) -> Goal:
    ours = report.find(service, scenario)
    reference = report.find(reference_of(report, service), scenario)
    ratio = None
    if ours is not None and reference is not None:
        ratio = _ratio(ours.load.requests_per_second, reference.load.requests_per_second)
    asks = f"{what} at c={report.options.concurrency} >= {MIN_THROUGHPUT_RATIO}x reference req/s"
    return Goal(asks, _shown(ratio), None if ratio is None else ratio >= MIN_THROUGHPUT_RATIO)


def cpu_ratios(
    report: BenchReport, service: str, baseline: str | None = None
) -> dict[str, float | None]:
    """Per scenario: the service's CPU per request over the baseline's (by default its
    reference, the one on the same event loop)."""
    ratios: dict[str, float | None] = {}
    baseline = baseline or reference_of(report, service)
    for scenario in report.options.scenarios():
        ours, reference = (
            report.find(service, scenario.name),
            report.find(baseline, scenario.name),
        )
        if ours is not None and reference is not None:
            ratios[scenario.name] = _ratio(ours.cpu_ms_per_request, reference.cpu_ms_per_request)
    return ratios


def _cpu_goal(report: BenchReport, service: str) -> Goal:
    asks = f"CPU per request <= {MAX_CPU_RATIO:g}x reference's (every scenario)"
    ratios = cpu_ratios(report, service)
    known = {name: ratio for name, ratio in ratios.items() if ratio is not None}
    if not known or len(known) < len(ratios):
        return Goal(asks, "-", None)
    worst = max(known, key=lambda name: known[name])
    measured = f"{known[worst]:.2f}x (worst: {worst})"
    return Goal(asks, measured, known[worst] <= MAX_CPU_RATIO)


def added_p50(report: BenchReport, service: str, baseline: str | None = None) -> float | None:
    """p50 at c=1 above the baseline's (by default the service's reference)."""
    baseline = baseline or reference_of(report, service)
    first = report.options.scenarios()[0].name
    ours, base = report.find(service, first), report.find(baseline, first)
    if ours is None or base is None or not ours.load.completed:
        return None
    return ours.load.p50_ms - base.load.p50_ms


def service_goals(report: BenchReport, service: str) -> list[Goal]:
    """The four ratios of one service (or of all its replicas) against the reference."""
    concurrency = report.options.concurrency
    added = added_p50(report, service)
    return [
        _throughput_goal(report, service, f"non-stream c={concurrency}", "chat"),
        _throughput_goal(report, service, f"stream c={concurrency}", "streams"),
        _cpu_goal(report, service),
        Goal(
            f"p50 at c=1 <= reference's + {MAX_ADDED_P50_MS} ms",
            _shown(added, " ms", 3) if added is None or added < 0 else f"+{added:.3f} ms",
            None if added is None else added <= MAX_ADDED_P50_MS,
        ),
    ]


def _flat_goal(near: Measurement | None, far: Measurement | None, asks: str) -> Goal:
    if near is None or far is None:
        return Goal(asks, "not measured (run with --flatness)", None)
    throughput = _ratio(far.load.requests_per_second, near.load.requests_per_second)
    cpu = _ratio(far.cpu_ms_per_request, near.cpu_ms_per_request)
    measured = f"req/s {_shown(throughput)}, CPU/req {_shown(cpu)}"
    if throughput is None or cpu is None:
        return Goal(asks, measured, None)
    flat = all(abs(ratio - 1) <= MAX_FLAT_DEVIATION for ratio in (throughput, cpu))
    return Goal(asks, measured, flat)


def flatness_goals(report: BenchReport) -> list[Goal]:
    """Far end over near end; the issue's ends unless --flat-accounts/--flat-rows moved them."""
    flatness = report.options.flatness or Flatness()
    scenario = report.options.flat_scenario
    (near, far), (empty, full) = flatness.accounts, flatness.rows

    def end(accounts: int, rows: int) -> Measurement | None:
        return report.find(flat_name(accounts, rows), scenario)

    moved = flatness.accounts != FLAT_ACCOUNTS or flatness.rows != FLAT_ROWS
    note = " (ends moved: not the issue's)" if moved else ""
    return [
        _flat_goal(
            end(near, empty), end(far, empty),
            f"flat within 10% from {near:,} to {far:,} accounts{note}",
        ),
        _flat_goal(
            end(near, empty), end(near, full),
            f"flat within 10% from {empty:,} to {full:,} call and ledger rows{note}",
        ),
    ]  # fmt: skip


def held_goal(held: HeldReport | None) -> Goal:
    """Measured at the streams held; extrapolated per stream to the issue's count if fewer."""
    asks = f"{HELD_STREAMS:,} open streams in one process < 1 GiB RSS"
    side = _side(held, "service")
    if held is None or side is None:
        return Goal(asks, f"not measured (run with --held-streams {HELD_STREAMS})", None)
    rss = side.rss_at(HELD_STREAMS)
    measured = _shown(None if rss is None else rss / 2**20, " MiB", 0)
    if side.opened != HELD_STREAMS:
        measured += f" (extrapolated from {side.opened:,} held)"
    whole = side.completed == side.opened and side.billed == side.completed
    if not whole:
        measured += f"; {side.completed:,} completed, {side.billed} billed"
    return Goal(asks, measured, None if rss is None else rss < MAX_HELD_RSS_BYTES and whole)


def _side(held: HeldReport | None, target: str) -> HeldSide | None:
    sides = [] if held is None else [side for side in held.sides if side.target == target]
    return sides[0] if sides else None


def postgres_goals(report: BenchReport) -> list[Goal]:
    """Whether this run measured PostgreSQL with one replica and with two."""
    goals = []
    for replicas in POSTGRES_REPLICAS:
        asks = f"PostgreSQL, {replicas} replica{'s' if replicas > 1 else ''}, the same targets"
        measured = report.options.database is not None and replicas in report.options.replicas
        if measured:
            name = service_name(replicas, report.options.variants[0])
            verdicts = [goal.met for goal in service_goals(report, name)]
            met = None if None in verdicts else all(verdicts)
            goals.append(Goal(asks, f"'{name}' above", met))
        else:
            hint = "not measured (run with --database postgresql://... --replicas 1,2)"
            goals.append(Goal(asks, hint, None))
    return goals
