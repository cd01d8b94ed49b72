"""The table, the ratios and the verdicts against the performance targets.

Ratios, not absolute times, are what the design quotes: the reference proxy runs on the
same core, behind the same upstream, with the same client library, so service/reference
isolates what the gateway itself costs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.runner import BenchReport, Measurement

MIN_THROUGHPUT_RATIO = 0.5
MAX_ADDED_P50_MS = 0.5
MAX_ADDED_CPU_MS = 0.5
#: Above this share of core 1, the generator and upstream (not the server) set the pace.
LOAD_CORE_SATURATED = 0.9
#: Cores of CPU others may use in a window before the report warns (an idle VM shows ~0.15).
FOREIGN_LOAD_WARNING = 0.3


@dataclass(frozen=True, slots=True)
class Ratios:
    """Service against reference (and direct) per scenario; None where a side is missing."""

    throughput: dict[str, float | None]
    cpu_ms: dict[str, tuple[float | None, float | None]]
    added_p50_vs_reference_ms: float | None
    added_p50_vs_direct_ms: float | None
    reference_load_bound: list[str]


def _find(report: BenchReport, target: str, scenario: str) -> Measurement | None:
    for measurement in report.best():
        if measurement.target == target and measurement.scenario.name == scenario:
            return measurement
    return None


def _added_p50(report: BenchReport, baseline: str, scenario: str) -> float | None:
    service, base = _find(report, "service", scenario), _find(report, baseline, scenario)
    if service is None or base is None or not service.load.completed:
        return None
    return service.load.p50_ms - base.load.p50_ms


def compute_ratios(report: BenchReport) -> Ratios:
    throughput: dict[str, float | None] = {}
    cpu_ms: dict[str, tuple[float | None, float | None]] = {}
    load_bound: list[str] = []
    for scenario in report.options.scenarios():
        service = _find(report, "service", scenario.name)
        reference = _find(report, "reference", scenario.name)
        if service is None or reference is None:
            continue
        base_rps = reference.load.requests_per_second
        throughput[scenario.name] = (
            service.load.requests_per_second / base_rps if base_rps else None
        )
        busy = reference.load_core_busy
        if busy is not None and busy >= LOAD_CORE_SATURATED:
            load_bound.append(scenario.name)
        cpu_ms[scenario.name] = (
            service.server_cpu_ms_per_request,
            reference.server_cpu_ms_per_request,
        )
    first = report.options.scenarios()[0].name
    return Ratios(
        throughput=throughput,
        cpu_ms=cpu_ms,
        added_p50_vs_reference_ms=_added_p50(report, "reference", first),
        added_p50_vs_direct_ms=_added_p50(report, "direct", first),
        reference_load_bound=load_bound,
    )


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _errors(measurement: Measurement) -> str:
    errors = measurement.load.errors
    return ", ".join(f"{kind} x{count}" for kind, count in errors.items()) or "0"


def measurement_table(report: BenchReport) -> list[str]:
    header = f"{'scenario':<18}{'target':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    header += f"{'CPU ms/req':>12}{'core1 busy':>12}{'others':>8}  errors"
    lines = [header, "-" * len(header)]
    for m in report.best():
        busy = None if m.load_core_busy is None else m.load_core_busy * 100
        others = None if m.foreign_load is None else m.foreign_load * 100
        lines.append(
            f"{m.scenario.name:<18}{m.target:<11}{m.load.requests_per_second:>9.0f}"
            f"{m.load.p50_ms:>9.2f}{m.load.p99_ms:>9.2f}"
            f"{_number(m.server_cpu_ms_per_request, 3):>12}{_number(busy, 0) + '%':>12}"
            f"{_number(others, 0) + '%':>8}"
            f"  {_errors(m)}"
        )
    return lines


def _verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[ok]


def _cpu_lines(ratios: Ratios) -> tuple[list[str], bool | None]:
    lines, worst = [], None
    for name, (service, reference) in ratios.cpu_ms.items():
        added = None if service is None or reference is None else service - reference
        worst = added if worst is None or (added is not None and added > worst) else worst
        lines.append(
            f"  CPU ms/request {name:<17} service {_number(service, 3)}, "
            f"reference {_number(reference, 3)}, added {_number(added, 3)}"
        )
    return lines, None if worst is None else worst <= MAX_ADDED_CPU_MS


def ratio_lines(ratios: Ratios) -> list[str]:
    if not ratios.throughput:
        return ["Ratios: need both the service and the reference (see --targets)."]
    lines = ["Service against the reference proxy:"]
    for name, ratio in ratios.throughput.items():
        lines.append(f"  throughput service/reference {name:<17} {_number(ratio)}")
    known = [ratio for ratio in ratios.throughput.values() if ratio is not None]
    throughput_ok = min(known) >= MIN_THROUGHPUT_RATIO if known else None
    added = ratios.added_p50_vs_reference_ms
    lines.append(
        f"  added p50 at c=1: {_number(added, 3)} ms vs reference, "
        f"{_number(ratios.added_p50_vs_direct_ms, 3)} ms vs direct"
    )
    cpu_lines, cpu_ok = _cpu_lines(ratios)
    lines += cpu_lines
    if ratios.reference_load_bound:
        lines.append(
            f"  note: core 1 was saturated while loading the reference "
            f"({', '.join(ratios.reference_load_bound)}): its throughput there is a floor, "
            "so the throughput ratio flatters the service; trust CPU ms/request more"
        )
    lines += [
        "Targets:",
        f"  throughput >= {MIN_THROUGHPUT_RATIO:.0%} of reference (every scenario): "
        f"{_verdict(throughput_ok)}",
        f"  added p50 at c=1 <= {MAX_ADDED_P50_MS} ms (vs reference): "
        f"{_verdict(None if added is None else added <= MAX_ADDED_P50_MS)}",
        f"  added CPU <= {MAX_ADDED_CPU_MS} ms/request (service - reference, every scenario): "
        f"{_verdict(cpu_ok)}",
    ]
    return lines


def render(report: BenchReport) -> str:
    """The whole printed report: placement note, table, memory, ratios and targets."""
    options = report.options
    placement = "servers on core 0, upstream + load generator on core 1"
    if not report.pinned:
        placement = "NOT pinned (taskset or two cores unavailable): expect noisy numbers"
    lines = [
        f"bench: {options.seconds:g} s windows after {options.warmup:g} s warm-up; {placement}"
    ]
    lines += ["", *measurement_table(report), *_noise_warning(report), ""]
    memory = ", ".join(
        f"{target} {_number(None if rss is None else rss / 2**20, 1)} MiB"
        for target, rss in report.rss_bytes.items()
    )
    startup = ", ".join(
        f"{target} {seconds:.1f} s" for target, seconds in report.ready_seconds.items()
    )
    lines += [
        f"RSS after the run (direct = the fake upstream): {memory}",
        f"Start to first 200 on /health: {startup}",
        "",
    ]
    lines += ratio_lines(compute_ratios(report))
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


def write_json(report: BenchReport, directory: Path, stamp: str) -> Path:
    """Save the raw measurements and ratios as `<stamp>.json` under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stamp}.json"
    data = {
        "report": asdict(report),
        "ratios": asdict(compute_ratios(report)),
        "requests_per_second": {
            f"{m.target} {m.scenario.name}": m.load.requests_per_second for m in report.best()
        },
    }
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
