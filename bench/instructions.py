"""`python -m bench.instructions`: the instructions a call costs each target, by callgrind.

CPU time on a shared machine moves by a third within the hour (README, "Measuring
overhead"), so a change worth a few percent cannot be seen in it. callgrind counts the
instructions a process executes, the same from run to run for the same code and inputs,
whatever else the machine does. Each target (the reference, the floor, the service; see
bench/README.md) is started under callgrind with counting off; after a warm-up, counting
is switched on for a window of calls at concurrency 1 (`callgrind_control -i on`), then off,
and the window's count is divided by the calls completed in it (give or take the one in
flight at each edge; the target's own timers and its WAL checkpoints in that window are
counted with the calls, as they are in its CPU time). Every instruction is simulated, so a
target serves about fifty times slower than it would: a minute or two each. Needs valgrind
(Debian's package).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from bench.databases import prepared_database
from bench.errors import BenchError
from bench.measure import Target, measure
from bench.options import Options, Scenario, ServiceSpec, Variant
from bench.processes import Fleet, Server
from bench.servers import start_floor, start_reference, start_service, start_upstream

TARGETS = ("reference", "floor", "service")
T = TypeVar("T")
_AT_ONE = Scenario("non-stream c=1", 1, stream=False)
_STREAM_AT_ONE = Scenario("stream c=1", 1, stream=True)


@dataclass(frozen=True, slots=True)
class Count:
    """One target's counted window: the calls completed in it and the instructions."""

    target: str
    calls: int
    instructions: int

    @property
    def per_call(self) -> float:
        return self.instructions / self.calls if self.calls else 0.0


def wrapper(out_dir: Path) -> tuple[str, ...]:
    """callgrind with counting off until told; one output file per process and dump."""
    out = out_dir / "callgrind.%p.out"
    return ("valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}")


def totals(dump: str) -> int:
    """The instructions a callgrind output file counted (its `totals:` line)."""
    for line in dump.splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise BenchError("a callgrind output without its totals line")


async def _control(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "callgrind_control",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        said = output.decode(errors="replace").strip()
        raise BenchError(f"callgrind_control {' '.join(args)} failed: {said}")


class _Counting:
    """Switches a target's counting on around one awaited thing and reads what it counted
    (each dump is a new file; the one written at the process's exit comes later)."""

    def __init__(self, out_dir: Path, pid: int) -> None:
        self._out_dir, self._pid = out_dir, str(pid)
        self._read: set[Path] = set()

    async def around(self, work: Awaitable[T]) -> tuple[T, int]:
        """`work`'s result, and the instructions counted while it ran."""
        await _control("-i", "on", self._pid)
        try:
            result = await work
        finally:
            await _control("-i", "off", self._pid)
        await _control("-d", self._pid)
        return result, await asyncio.to_thread(self._new_dumps)

    def _new_dumps(self) -> int:
        dumps = set(self._out_dir.glob(f"callgrind.{self._pid}.out.*")) - self._read
        self._read |= dumps
        return sum(totals(path.read_text()) for path in dumps)


async def _count(
    target: Target, upstream: Server, options: Options, out_dir: Path, scenario: Scenario
) -> Count:
    """Warm `target` up, then count one window of `scenario`'s calls (concurrency 1)."""
    warm = replace(options, seconds=options.warmup, warmup=0)
    await measure(target, upstream, scenario, 0, warm)
    counting = _Counting(out_dir, target.servers[0].pid)
    window = measure(target, upstream, scenario, 1, replace(options, warmup=0))
    measured, counted = await counting.around(window)
    return Count(target.name, measured.load.completed, counted)


async def count_instructions(
    options: Options, targets: tuple[str, ...], scenario: Scenario = _AT_ONE
) -> list[Count]:
    """Each of `targets` counted in turn, on its own seeded SQLite copy where it needs one."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise BenchError("bench.instructions needs valgrind (apt install valgrind)")
    with tempfile.TemporaryDirectory(prefix="myapi-instructions-") as tmp:
        workdir = Path(tmp)
        options = replace(options, wrapper=wrapper(workdir))
        async with AsyncExitStack() as stack:
            databases = {
                name: await stack.enter_async_context(
                    prepared_database(ServiceSpec(name, 1, 0, 1), None, workdir)
                )
                for name in targets
                if name != "reference"
            }
            fleet = await stack.enter_async_context(Fleet(workdir))
            upstream = await start_upstream(fleet, options)
            counts = []
            for name in targets:
                if name == "reference":
                    target = await start_reference(fleet, upstream, options, Variant())
                elif name == "floor":
                    target = await start_floor(fleet, upstream, options, databases[name])
                else:
                    spec = ServiceSpec(name, 1, 0, 1)
                    target = await start_service(fleet, spec, databases[name], upstream, options)
                counts.append(await _count(target, upstream, options, workdir, scenario))
            return counts


def scenario_for(stream: bool) -> Scenario:
    """The counted scenario: a whole answer or a whole stream, at concurrency 1."""
    return _STREAM_AT_ONE if stream else _AT_ONE


def render(counts: list[Count]) -> str:
    """Instructions a call, and each against the reference and the floor when counted."""
    by_name = {count.target: count.per_call for count in counts}
    lines = [f"{'target':<12}{'calls':>8}{'instructions a call':>22}{'vs reference':>14}"]
    for count in counts:
        base = by_name.get("reference")
        ratio = f"{count.per_call / base:.2f}x" if base else "-"
        lines.append(f"{count.target:<12}{count.calls:>8}{count.per_call:>22,.0f}{ratio:>14}")
    if "floor" in by_name and "service" in by_name:
        above = by_name["service"] - by_name["floor"]
        lines.append(f"the service's code above the floor: {above:,.0f} instructions a call")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="the counted window (s)")
    parser.add_argument("--warmup", type=float, default=3.0, help="calls before counting (s)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="e.g. floor,service")
    parser.add_argument("--stream", action="store_true", help="count streamed calls instead")
    args = parser.parse_args(argv)
    targets = tuple(name for name in TARGETS if name in args.targets.split(","))
    options = Options(
        seconds=args.seconds,
        warmup=args.warmup,
        concurrency=1,
        targets=targets,
        startup_timeout=300.0,
    )
    try:
        counts = asyncio.run(count_instructions(options, targets, scenario_for(args.stream)))
    except BenchError as error:
        print(f"bench.instructions failed: {error}", file=sys.stderr)
        return 1
    print(render(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
