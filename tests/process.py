"""Running the real `python -m api` process in a test: start it, wait for /health, stop it.

Shared by the tests that need the real process (its signals, its start-up recovery, its
TLS socket, its log): fakes are served by the test itself and passed in through the
environment, never through a `.env` (the process runs in the test's tmp_path).
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from storage import AccessPolicy, open_storage

STARTUP_SECONDS = 60.0
EXIT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(**settings: str) -> dict[str, str]:
    """The test runner's environment without any real provider key, plus `settings`."""
    inherited = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return {**inherited, **settings}


async def wait_until_healthy(
    process: asyncio.subprocess.Process, base_url: str, verify: ssl.SSLContext | bool = True
) -> None:
    """Poll /health until it answers; fail at once if the process dies first."""
    deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
    async with httpx.AsyncClient(verify=verify) as client:
        while asyncio.get_running_loop().time() < deadline:
            if process.returncode is not None:
                raise AssertionError(f"the service exited with {process.returncode}")
            try:
                if (await client.get(f"{base_url}/health", timeout=1)).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)  # the port is not open yet: poll again shortly
    raise AssertionError("the service did not become healthy in time")


@dataclass
class ServiceProcess:
    process: asyncio.subprocess.Process
    base_url: str
    log_path: Path

    async def wait_exit(self) -> int:
        return await asyncio.wait_for(self.process.wait(), timeout=EXIT_SECONDS)


@asynccontextmanager
async def running_service(
    cwd: Path,
    env: Mapping[str, str],
    *,
    port: int,
    scheme: str = "http",
    verify: ssl.SSLContext | bool = True,
) -> AsyncIterator[ServiceProcess]:
    """`python -m api` serving on `port`, healthy; killed on exit if still running.

    Its output is appended to `cwd/service.log` (restarts add to the same file), whose
    tail is written to stderr at the end so a failing test shows what the service said.
    """
    base_url = f"{scheme}://127.0.0.1:{port}"
    log_path = cwd / "service.log"
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api",
            cwd=cwd,
            env={**env, "API_PORT": str(port)},
            stdout=log,
            stderr=log,
        )
    try:
        await wait_until_healthy(process, base_url, verify)
        yield ServiceProcess(process, base_url, log_path)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
        sys.stderr.write(log_path.read_text(errors="replace")[-4000:])


async def run_cli(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    """Run `python -m api <args>` to completion; its stdout (it must succeed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api",
        *args,
        cwd=cwd,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=EXIT_SECONDS)
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode()


async def register_ann(database_url: str, credit: int) -> str:
    """Before the service's first start: one account, `ann` (telegram user 1) with
    `credit`; returns its key."""
    storage = await open_storage(database_url, AccessPolicy(), lambda: 1_800_000_000)
    try:
        registration = await storage.accounts.register_telegram_user(1, "ann", credit, "en")
    finally:
        await storage.close()
    assert registration.secret is not None
    return registration.secret
