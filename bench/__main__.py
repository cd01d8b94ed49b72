"""`python -m bench`: measure the gateway's overhead against a pass-through reference.

Bounded end to end: each child has its own deadline and the whole run has one too, and
every process started is stopped on the way out, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

from bench.errors import BenchError
from bench.report import render, write_json
from bench.runner import TARGETS, BenchReport, Options, run_bench

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _targets(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in TARGETS]
    if unknown or not names:
        message = f"targets must be a comma-separated subset of {','.join(TARGETS)}"
        raise argparse.ArgumentTypeError(message)
    return tuple(name for name in TARGETS if name in names)


def _parse(argv: list[str] | None) -> tuple[Options, bool]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="measurement window (s)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up before each window")
    parser.add_argument("--concurrency", type=int, default=64, help="high concurrency level")
    parser.add_argument("--targets", type=_targets, default=TARGETS, help="e.g. direct,reference")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; best kept")
    parser.add_argument("--startup-timeout", type=float, default=60.0, help="per server (s)")
    parser.add_argument("--json", action="store_true", help="also save results in bench/results/")
    args = parser.parse_args(argv)
    options = Options(
        seconds=args.seconds,
        warmup=args.warmup,
        concurrency=args.concurrency,
        targets=args.targets,
        startup_timeout=args.startup_timeout,
        rounds=max(1, args.rounds),
    )
    return options, args.json


async def _bounded(options: Options) -> BenchReport:
    """The run under its time bound; SIGTERM and SIGHUP cancel it like Ctrl-C does.

    Python would otherwise die on SIGTERM without unwinding, leaving the servers running.
    """
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, task.cancel)
    async with asyncio.timeout(options.time_bound()):
        return await run_bench(options)


def main(argv: list[str] | None = None) -> int:
    options, save = _parse(argv)
    try:
        report = asyncio.run(_bounded(options))
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except TimeoutError:
        print(f"bench failed: exceeded its {options.time_bound():.0f} s bound", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    print(render(report))
    if save:
        path = write_json(report, RESULTS_DIR, time.strftime("%Y%m%d-%H%M%S"))
        print(
            f"\nsaved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
