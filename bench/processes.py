"""Starting, pinning, waiting for and stopping the processes of one bench run.

Every process is a child started here and stopped here: `Fleet` is an async context manager
that terminates what it started in every case (then kills after a bound), so an interrupted
or failed run leaves nothing listening. Readiness is a poll of a health route bounded by a
timeout, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import aiohttp

from bench.errors import BenchError, StartupError
from bench.loadgen import DATABASE_ENV, KEYS_ENV

ROOT = Path(__file__).resolve().parent.parent
_STOP_GRACE_SECONDS = 5.0
_POLL_SECONDS = 0.05


def free_port() -> int:
    """A loopback port free right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pin_prefix(core: int) -> list[str]:
    """`taskset -c core` when taskset exists and the core is ours to use, else nothing.

    Without pinning the numbers still come out, only noisier: the caller reports it.
    """
    if shutil.which("taskset") is None or not hasattr(os, "sched_getaffinity"):
        return []
    if core not in os.sched_getaffinity(0):
        return []
    return ["taskset", "-c", str(core)]


def base_env() -> dict[str, str]:
    """This environment for a child, unbuffered, less what only the load generator gets."""
    env = {k: v for k, v in os.environ.items() if k not in (KEYS_ENV, DATABASE_ENV)}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def python_module(module: str, *args: str) -> list[str]:
    """The command that runs `module` with this interpreter (the project's venv)."""
    return [sys.executable, "-m", module, *args]


@dataclass(slots=True)
class Server:
    """One started server: its process, address and where its output goes."""

    name: str
    process: asyncio.subprocess.Process
    base_url: str
    log: Path
    _log_file: IO[bytes]
    ready_seconds: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, limit: int = 4000) -> str:
        self._log_file.flush()
        text = self.log.read_text(errors="replace")
        return text[-limit:]


class Fleet:
    """The servers of one run; leaving the context stops each of them, newest first."""

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._servers: list[Server] = []

    @property
    def workdir(self) -> Path:
        """The run's temporary folder (its logs, and each service's money journal)."""
        return self._log_dir
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fleet:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await stop_all(self._servers)
        finally:
            if self._http is not None:
                await self._http.close()

    async def start(
        self,
        name: str,
        command: list[str],
        core: int,
        port: int,
        env: dict[str, str],
        *,
        ready_timeout: float,
    ) -> Server:
        """Launch `command` pinned to `core` and wait until GET /health answers 200."""
        log = self._log_dir / f"{name}.log"
        log_file = log.open("wb")
        launched = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *pin_prefix(core),
            *command,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
        server = Server(name, process, f"http://127.0.0.1:{port}", log, log_file)
        self._servers.append(server)
        try:
            async with asyncio.timeout(ready_timeout):
                await self._wait_ready(server)
        except TimeoutError:
            message = f"{name} not ready at {server.base_url} within {ready_timeout:.0f} s"
            raise StartupError(f"{message}; its output:\n{server.log_tail()}") from None
        server.ready_seconds = time.monotonic() - launched
        return server

    async def _wait_ready(self, server: Server) -> None:
        """Poll GET /health until 200; fails at once if the process has exited."""
        assert self._http is not None
        url = server.base_url + "/health"
        while True:
            if server.process.returncode is not None:
                message = f"{server.name} exited with {server.process.returncode} before ready"
                raise StartupError(f"{message}; its output:\n{server.log_tail()}")
            try:
                async with self._http.get(url) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError, OSError):
                pass
            await asyncio.sleep(_POLL_SECONDS)


def _signal(process: asyncio.subprocess.Process, *, kill: bool) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        if kill:
            process.kill()
        else:
            process.terminate()


async def stop_all(servers: list[Server]) -> None:
    """SIGTERM to every server at once, then SIGKILL to any still running after the grace.

    All are signalled before any is waited for, and whatever still runs when the wait is
    itself interrupted (a second Ctrl-C) is killed on the way out: no server survives.
    """
    try:
        for server in servers:
            _signal(server.process, kill=False)
        waits = [asyncio.ensure_future(server.process.wait()) for server in servers]
        if waits:
            await asyncio.wait(waits, timeout=_STOP_GRACE_SECONDS)
        for server in servers:
            _signal(server.process, kill=True)
        await asyncio.gather(*waits)
    finally:
        for server in servers:
            _signal(server.process, kill=True)
            server._log_file.close()


async def run_to_completion(
    name: str, command: list[str], core: int, env: dict[str, str], bound: float
) -> str:
    """Run a short-lived child pinned to `core`; its stdout, or BenchError with its stderr."""
    process = await asyncio.create_subprocess_exec(
        *pin_prefix(core),
        *command,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(bound):
            stdout, stderr = await process.communicate()
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        tail = stderr.decode(errors="replace")[-4000:]
        raise BenchError(f"{name} exited with {process.returncode}:\n{tail}")
    return stdout.decode()
