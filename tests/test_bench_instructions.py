"""bench.instructions reads callgrind's counts and reports them per call and per target.

The counting itself needs valgrind and minutes of simulated serving, so it is run by hand
(`python -m bench.instructions`, README "Measuring overhead"); what it computes from the
counts is checked here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import BenchError
from bench.instructions import Count, render, scenario_for, totals, wrapper
from bench.options import Scenario

DUMP = """# callgrind format
version: 1
pid: 4242
part: 1
events: Ir
summary: 0
fl=(1) ceval.c
fn=(1) _PyEval_EvalFrameDefault
0 120
totals: 573225606
"""


def test_a_dump_s_totals_line_is_what_it_counted() -> None:
    assert totals(DUMP) == 573_225_606


def test_a_dump_without_totals_is_an_error_not_zero() -> None:
    with pytest.raises(BenchError):
        totals(DUMP.replace("totals: 573225606\n", ""))


def test_counting_starts_off_and_each_process_writes_its_own_files(tmp_path: Path) -> None:
    command = wrapper(tmp_path)
    assert command[:3] == ("valgrind", "--tool=callgrind", "--instr-atstart=no")
    assert command[3] == f"--callgrind-out-file={tmp_path / 'callgrind.%p.out'}"


def test_the_report_gives_each_target_per_call_against_the_reference_and_the_floor() -> None:
    counts = [
        Count("reference", 500, 500 * 800_000),
        Count("floor", 400, 400 * 1_200_000),
        Count("service", 250, 250 * 1_800_000),
    ]
    lines = render(counts).splitlines()
    assert lines[1].split() == ["reference", "500", "800,000", "1.00x"]
    assert lines[2].split() == ["floor", "400", "1,200,000", "1.50x"]
    assert lines[3].split() == ["service", "250", "1,800,000", "2.25x"]
    assert lines[4] == "the service's code above the floor: 600,000 instructions a call"


def test_a_target_that_completed_no_call_counts_zero_a_call() -> None:
    assert Count("service", 0, 1_000).per_call == 0.0


def test_stream_counts_streamed_calls_at_concurrency_one() -> None:
    assert scenario_for(stream=True) == Scenario("stream c=1", 1, stream=True)
    assert scenario_for(stream=False) == Scenario("non-stream c=1", 1, stream=False)
