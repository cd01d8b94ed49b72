"""Two real `python -m api` processes on one SQLite file: the second stops, the first's
call in flight keeps its hold and is recorded and charged when it ends.

Before the fix the second process released every hold at start-up, then failed on the busy
port, and the first one's settle broke `reserved >= 0`: the call was never recorded (free).
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.fakes.upstream import FakeUpstream, serve
from tests.process import EXIT_SECONDS, free_port, register_ann, running_service, service_env

CREDIT = 10**8
REQUEST_ID = "in-flight-call"
BOUND_SECONDS = 10.0


def reserved(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        [(value,)] = connection.execute("SELECT reserved FROM accounts").fetchall()
    return int(value)


def call_and_charges(database: Path) -> tuple[list[int], list[int], int, int]:
    """(costs of the call's records, its charge amounts, the balance, the ledger's sum)."""
    with sqlite3.connect(database) as connection:
        costs = connection.execute(
            "SELECT cost FROM calls WHERE request_id = ?", (REQUEST_ID,)
        ).fetchall()
        charges = connection.execute(
            "SELECT amount FROM ledger WHERE kind = 'charge' AND request_id = ?", (REQUEST_ID,)
        ).fetchall()
        [(balance, total)] = connection.execute(
            "SELECT balance, (SELECT SUM(amount) FROM ledger) FROM accounts"
        ).fetchall()
    return [c for (c,) in costs], [a for (a,) in charges], int(balance), int(total)


async def until(condition: Callable[[], bool]) -> None:
    """Poll `condition` (bounded): what the process did is observed, not assumed."""
    deadline = asyncio.get_running_loop().time() + BOUND_SECONDS
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never came true"
        await asyncio.sleep(0.01)


async def stream_call(base_url: str, key: str) -> bytes:
    body = {
        "model": "gpt-4o-mini",
        "stream": True,
        "messages": [{"role": "user", "content": "hi"}],
    }
    headers = {"Authorization": f"Bearer {key}", "X-Request-Id": REQUEST_ID}
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST", f"{base_url}/v1/chat/completions", json=body, headers=headers, timeout=30
        ) as response,
    ):
        assert response.status_code == 200
        return await response.aread()


async def second_serve(cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Start another service on the same database and port; its exit status and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=EXIT_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_a_second_serve_stops_and_the_first_ones_call_is_still_charged(
    tmp_path: Path,
) -> None:
    database = tmp_path / "shared.db"
    key = await register_ann(f"sqlite:///{database}", CREDIT)
    upstream = FakeUpstream(pause_stream=asyncio.Event())
    async with serve(upstream) as upstream_url:
        port = free_port()
        env = service_env(
            DATABASE_URL=f"sqlite:///{database}",
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-second-serve-operator",
            RATE_LIMIT_PER_MINUTE="0",
        )
        async with running_service(tmp_path, env, port=port) as first:
            call = asyncio.create_task(stream_call(first.base_url, key))
            await until(lambda: bool(upstream.requests) and reserved(database) > 0)
            held = reserved(database)
            status, output = await second_serve(tmp_path, {**env, "API_PORT": str(port)})
            still_held = reserved(database)
            assert upstream.pause_stream is not None
            upstream.pause_stream.set()
            streamed = await call
            # A stream is settled once its last byte is sent: wait for the record, bounded.
            await until(lambda: bool(call_and_charges(database)[0]))
    assert status == 1
    assert "already serving the SQLite database" in output
    assert still_held == held
    assert b"[DONE]" in streamed
    costs, charges, balance, ledger_sum = call_and_charges(database)
    [cost] = costs  # recorded exactly once
    assert cost > 0
    assert charges == [-cost]
    assert (balance, ledger_sum) == (CREDIT - cost, CREDIT - cost)
    assert reserved(database) == 0
