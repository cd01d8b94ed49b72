"""bench/'s verdicts compare each service with the reference on its own event loop: a
service under uvloop against a reference under asyncio would flatter it."""

from __future__ import annotations

from bench.goals import cpu_ratios, service_goals
from bench.loadgen import LoadResult
from bench.measure import Measurement
from bench.options import Options, Variant
from bench.report import floor_lines
from bench.runner import BenchReport

ASYNCIO, UVLOOP = Variant(), Variant(loop="uvloop")


def measured(target: str, scenario_index: int, options: Options, cpu_ms: float) -> Measurement:
    scenario = options.scenarios()[scenario_index]
    load = LoadResult(
        completed=1000,
        window_seconds=1.0,
        p50_ms=1.0,
        p99_ms=2.0,
        errors={},
        error_samples={},
        cpu_seconds={},
        generator_cpu_seconds=0.0,
        machine_busy_seconds=None,
    )
    return Measurement(target, scenario, 1, load, cpu_ms, None, None, None)


def report_of(
    cpu_ms: dict[str, float], targets: tuple[str, ...] = ("reference", "service")
) -> BenchReport:
    options = Options(
        seconds=1,
        warmup=0,
        concurrency=64,
        targets=targets,
        startup_timeout=1,
        variants=(ASYNCIO, UVLOOP),
    )
    report = BenchReport(options, pinned=True)
    for target, cpu in cpu_ms.items():
        for index in range(len(options.scenarios())):
            report.measurements.append(measured(target, index, options, cpu))
    return report


def test_each_service_s_cpu_is_compared_with_the_reference_on_its_own_loop() -> None:
    report = report_of(
        {"reference": 0.4, "reference uvloop": 0.2, "service": 0.6, "service uvloop": 0.5}
    )
    assert set(cpu_ratios(report, "service").values()) == {0.6 / 0.4}
    assert set(cpu_ratios(report, "service uvloop").values()) == {0.5 / 0.2}
    cpu_goal = service_goals(report, "service uvloop")[2]
    assert cpu_goal.met is False  # 2.5x its own reference, though 1.25x the other
    assert cpu_goal.measured.startswith("2.50x")


def test_the_floor_is_compared_with_the_reference_and_the_plain_service_with_the_floor() -> None:
    report = report_of(
        {"reference": 0.4, "floor": 0.6, "service": 0.9, "service uvloop": 0.5},
        ("reference", "floor", "service"),
    )
    lines = floor_lines(report)
    assert lines[1].startswith("  floor against reference: CPU/req 1.50x, 1.50x, 1.50x")
    assert lines[2].startswith("  service against floor: CPU/req 1.50x, 1.50x, 1.50x")
    assert len(lines) == 3  # the uvloop service is not set against the asyncio floor


def test_a_run_without_the_floor_prints_no_floor_lines() -> None:
    assert floor_lines(report_of({"reference": 0.4, "service": 0.9})) == []
