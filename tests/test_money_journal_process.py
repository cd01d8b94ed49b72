"""The real `python -m api` process, killed while a settlement waits for the database.

A stream passes the gate; another connection then takes SQLite's write lock, so the
settlement that follows the stream's last byte cannot be written and is kept. The process
is killed (SIGKILL: no shutdown runs), the lock is let go, and a new process on the same
database charges the call exactly once before it answers anything. And two replicas never
share one journal: the second refuses to start.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.fakes.upstream import FakeUpstream, serve
from tests.process import free_port, register_ann, running_service, service_env

CREDIT = 10**8
REQUEST_ID = "killed-while-the-database-was-away"
STREAM = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
    "stream_options": {"include_usage": True},
}


async def _until(condition: Callable[[], bool]) -> None:
    """Poll `condition` for up to five seconds (observed, never assumed after a sleep)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def _stream(client: httpx.AsyncClient, base_url: str, key: str) -> bytes:
    headers = {"Authorization": f"Bearer {key}", "X-Request-Id": REQUEST_ID}
    url = f"{base_url}/v1/chat/completions"
    async with client.stream("POST", url, json=STREAM, headers=headers) as response:
        assert response.status_code == 200
        return await response.aread()


def _money(database: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int, int, int]:
    """(calls, charges, balance, reserved, ledger sum) read straight from the file."""
    with sqlite3.connect(database) as connection:
        calls = connection.execute("SELECT request_id, cost FROM calls").fetchall()
        charges = connection.execute(
            "SELECT request_id, amount FROM ledger WHERE kind = 'charge'"
        ).fetchall()
        balance, reserved = connection.execute("SELECT balance, reserved FROM accounts").fetchone()
        [total] = connection.execute("SELECT SUM(amount) FROM ledger").fetchone()
    return calls, charges, balance, reserved, total


async def test_a_process_killed_with_a_kept_settlement_leaves_its_charge_to_the_next(
    tmp_path: Path,
) -> None:
    database = tmp_path / "myapi.db"
    database_url = f"sqlite:///{database}"
    journal = tmp_path / "myapi.db.money-journal"  # the default: beside the database
    key = await register_ann(database_url, CREDIT)
    upstream = FakeUpstream(prompt_tokens=1000, completion_tokens=2000)
    upstream.pause_stream = asyncio.Event()
    async with serve(upstream) as upstream_url:
        env = service_env(
            DATABASE_URL=database_url,
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-journal-operator",
            DATABASE_COMMAND_TIMEOUT="0.5",
            BOT_MODE="off",
        )
        port = free_port()
        async with (
            running_service(tmp_path, env, port=port) as service,
            httpx.AsyncClient(timeout=10) as client,
        ):
            streaming = asyncio.create_task(_stream(client, service.base_url, key))
            await _until(lambda: bool(upstream.requests))  # past the gate, money held
            other = sqlite3.connect(database, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # the database is away for the service
            upstream.pause_stream.set()
            assert b"data: [DONE]" in await streaming  # the client has what it paid for
            await _until(lambda: journal.exists() and journal.stat().st_size > 0)
            service.process.kill()
            await service.process.wait()
            other.execute("ROLLBACK")
            other.close()
        assert _money(database)[:2] == ([], [])  # nothing written by the killed process
        async with (
            running_service(tmp_path, env, port=port) as service,
            httpx.AsyncClient(timeout=10) as client,
        ):
            assert (await client.get(f"{service.base_url}/health")).status_code == 200
            service.process.terminate()
            assert await service.wait_exit() == 0
    calls, charges, balance, reserved, total = _money(database)
    [(request_id, cost)] = calls
    assert (request_id, cost > 0) == (REQUEST_ID, True)
    assert charges == [(REQUEST_ID, -cost)]  # charged once, at its price
    assert (balance, reserved, total) == (CREDIT - cost, 0, CREDIT - cost)
    assert journal.read_bytes() == b""  # emptied once written
    log = (tmp_path / "service.log").read_text()
    assert "settlements an earlier process could not write" in log


async def test_a_second_replica_on_the_same_journal_refuses_to_start(
    tmp_path: Path, postgres_url: str
) -> None:
    journal = tmp_path / "shared-journal"
    env = service_env(DATABASE_URL=postgres_url, MONEY_JOURNAL=str(journal), BOT_MODE="off")
    async with running_service(tmp_path, env, port=free_port()) as first:
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "api",
            cwd=tmp_path,
            env={**env, "API_PORT": str(free_port())},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, said = await asyncio.wait_for(second.communicate(), timeout=30)
        assert second.returncode == 1
        assert f"myapi: another process keeps its waiting money in {journal}" in said.decode()
        assert b"Traceback" not in said
        assert first.process.returncode is None  # the first serves on
