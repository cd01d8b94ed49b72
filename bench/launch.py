"""`python -m bench.launch [--loop uvloop] [--json orjson] MODULE ARGS...`: a server module
run under the event loop and JSON library chosen for the run.

The reference and the service are both started through here with the same choices, so a
comparison never pits one event loop against another. `--json orjson` puts orjson behind
the standard library's `json.loads`/`json.dumps` before anything imports them (aiohttp and
the service bind them at import), for every call whose arguments orjson honours; others
(indent, sort_keys, default, hooks) keep the standard library. It measures what orjson
could save at most on the hot path, without changing the service: orjson writes compact
JSON, so only whitespace differs on the wire.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import runpy
import sys
from collections.abc import Callable
from typing import Any

LOOPS = ("asyncio", "uvloop")
JSON_LIBRARIES = ("json", "orjson")
#: json.dumps arguments orjson's output already satisfies (compact, UTF-8).
_ORJSON_DUMPS_ARGUMENTS = frozenset({"ensure_ascii", "separators"})


def _optional(name: str) -> Any:
    """uvloop and orjson are measured, not depended on: imported only when chosen."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise SystemExit(f"bench.launch: {name} is not installed in this environment") from None


def use_uvloop() -> None:
    asyncio.set_event_loop_policy(_optional("uvloop").EventLoopPolicy())


def use_orjson() -> None:
    orjson = _optional("orjson")

    standard_loads, standard_dumps = json.loads, json.dumps

    def loads(text: str | bytes | bytearray, **options: Any) -> Any:
        return standard_loads(text, **options) if options else orjson.loads(text)

    def dumps(value: Any, **options: Any) -> str:
        if set(options) <= _ORJSON_DUMPS_ARGUMENTS:
            encoded: bytes = orjson.dumps(value)
            return encoded.decode()
        return standard_dumps(value, **options)

    # The standard library's signatures, narrowed to what orjson honours: the point.
    json.loads = loads  # type: ignore[assignment]
    json.dumps = dumps  # type: ignore[assignment]


SETUP: dict[str, Callable[[], None]] = {"uvloop": use_uvloop, "orjson": use_orjson}


def command(module: str, *args: str, loop: str, json_library: str) -> list[str]:
    """The argv that runs `module` through this launcher with this interpreter."""
    launcher = [sys.executable, "-m", "bench.launch", "--loop", loop, "--json", json_library]
    return [*launcher, module, *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loop", choices=LOOPS, default="asyncio")
    parser.add_argument("--json", choices=JSON_LIBRARIES, default="json")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    for choice in (args.loop, args.json):
        if choice in SETUP:
            SETUP[choice]()
    sys.argv = [args.module, *args.args]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
