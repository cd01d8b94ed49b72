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
from collections.abc import Callable
from pathlib import Path

from bench.errors import BenchError
from bench.launch import JSON_LIBRARIES, LOOPS
from bench.options import FLAT_ACCOUNTS, FLAT_ROWS, TARGETS, Flatness, Options, Variant
from bench.report import render, write_json
from bench.runner import BenchReport, run_bench

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _targets(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in TARGETS]
    if unknown or not names:
        message = f"targets must be a comma-separated subset of {','.join(TARGETS)}"
        raise argparse.ArgumentTypeError(message)
    return tuple(name for name in TARGETS if name in names)


def _counts(value: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 0:
        raise argparse.ArgumentTypeError("expected whole numbers, comma-separated: 1,2")
    return counts


def _ends(value: str) -> tuple[int, int]:
    counts = _counts(value)
    if len(counts) != 2:
        raise argparse.ArgumentTypeError("expected the two ends, comma-separated: 10,100000")
    return counts[0], counts[1]


def _choices(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    def parse(value: str) -> tuple[str, ...]:
        chosen = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        if not chosen or any(name not in allowed for name in chosen):
            raise argparse.ArgumentTypeError(f"a comma-separated subset of {','.join(allowed)}")
        return chosen

    return parse


def _postgres(value: str) -> str:
    if not value.startswith(("postgresql://", "postgres://")):
        raise argparse.ArgumentTypeError("--database takes a postgresql:// DSN (default SQLite)")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--seconds", type=float, default=5.0, help="measurement window (s)")
    add("--warmup", type=float, default=1.0, help="warm-up before each window")
    add("--concurrency", type=int, default=64, help="high concurrency level")
    add("--targets", type=_targets, default=TARGETS, help="e.g. direct,reference")
    add("--rounds", type=int, default=1, help="interleaved rounds; best kept")
    add("--startup-timeout", type=float, default=120.0, help="per server (s)")
    add("--json", action="store_true", help="also save results in bench/results/")
    add("--accounts", type=int, default=1, help="accounts seeded in the service's database")
    add("--history-rows", type=int, default=0, help="rows seeded in each of calls and ledger")
    add("--users", type=int, default=64, help="seeded accounts the load spreads over")
    add("--database", type=_postgres, help="PostgreSQL DSN (a fresh schema per service)")
    add("--replicas", type=_counts, default=(1,), help="service processes, e.g. 1,2")
    add("--flatness", action="store_true", help="also measure the flatness ends")
    add("--flat-accounts", type=_ends, default=FLAT_ACCOUNTS, help="the accounts' ends")
    add("--flat-rows", type=_ends, default=FLAT_ROWS, help="the history rows' ends")
    add("--held-streams", type=int, default=0, help="also hold N streams open at once")
    add("--loop", type=_choices(LOOPS), default=LOOPS[:1], help="event loops, e.g. asyncio,uvloop")
    add(
        "--json-lib", type=_choices(JSON_LIBRARIES), default=JSON_LIBRARIES[:1], help="json,orjson"
    )
    return parser


def _parse(argv: list[str] | None) -> tuple[Options, bool]:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.users < 1 or args.history_rows < 0:
        parser.error("--accounts and --users are at least 1, --history-rows at least 0")
    if max(args.replicas) > 1 and args.database is None:
        parser.error("--replicas above 1 need --database postgresql://... (SQLite: one)")
    flatness = None
    if args.flatness:
        flatness = Flatness(args.flat_accounts, args.flat_rows, min(args.flat_accounts))
    options = Options(
        seconds=args.seconds,
        warmup=args.warmup,
        concurrency=args.concurrency,
        targets=args.targets,
        startup_timeout=args.startup_timeout,
        rounds=max(1, args.rounds),
        database=args.database,
        accounts=args.accounts,
        history_rows=args.history_rows,
        users=args.users,
        replicas=tuple(sorted(set(args.replicas))),
        flatness=flatness,
        held_streams=args.held_streams,
        variants=tuple(Variant(loop, library) for loop in args.loop for library in args.json_lib),
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
