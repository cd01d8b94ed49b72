"""Running a user's script (an `examples/` file, a docs code sample) as its own process,
pointed at a service on loopback through the environment the examples document."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.process import service_env

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
#: A script imports an SDK or two (google-genai takes a few seconds) and makes two calls.
SCRIPT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Ran:
    status: int
    stdout: str
    stderr: str

    def line(self, prefix: str) -> str:
        """The one stdout line starting with `prefix`."""
        [found] = [line for line in self.stdout.splitlines() if line.startswith(prefix)]
        return found


def script_env(base_url: str, username: str, key: str) -> dict[str, str]:
    """The runner's environment without provider keys, and the three MYAPI_ variables.

    NO_PROXY keeps a proxy configured on the machine off loopback calls.
    """
    return service_env(
        MYAPI_BASE_URL=base_url,
        MYAPI_USERNAME=username,
        MYAPI_KEY=key,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )


async def run_script(command: Sequence[str], env: dict[str, str], cwd: Path) -> Ran:
    """Run `command` to its end (bounded), keeping what it printed."""
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=SCRIPT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return Ran(process.returncode or 0, out.decode(), err.decode())


def python(path_or_code: Path | str) -> list[str]:
    """The command running a script file, or a piece of code, with this interpreter."""
    if isinstance(path_or_code, Path):
        return [sys.executable, str(path_or_code)]
    return [sys.executable, "-c", path_or_code]
