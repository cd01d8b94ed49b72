"""Graceful shutdown: SIGTERM stops accepting, lets running calls finish, bills them, exits 0.

A stream is held open by the fake upstream (`pause_stream`) while the process gets SIGTERM;
new connections must be refused from then on, the stream must complete once released, its
call must be charged, and the exit code must be 0. A call still running when the grace
period (SHUTDOWN_GRACE_SECONDS) ends is cancelled, and its hold is still settled.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from storage import AccessPolicy, open_storage
from tests.fakes.upstream import FakeUpstream, serve
from tests.process import ServiceProcess, free_port, running_service, service_env

REFUSAL_SECONDS = 5.0
BODY = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


@dataclass
class Running:
    service: ServiceProcess
    key: str
    database: Path
    paused: asyncio.Event


async def _register(database_url: str) -> str:
    policy = AccessPolicy(lock_strikes=5, lock_seconds=60)
    storage = await open_storage(database_url, policy, lambda: 1_800_000_000)
    try:
        registration = await storage.accounts.register_telegram_user(1, "ann", 10**7, "en")
    finally:
        await storage.close()
    assert registration.secret is not None
    return registration.secret


@asynccontextmanager
async def _running(tmp_path: Path, grace: str) -> AsyncIterator[Running]:
    database = tmp_path / "shutdown.db"
    key = await _register(f"sqlite:///{database}")
    paused = asyncio.Event()
    upstream = FakeUpstream(prompt_tokens=1000, completion_tokens=2000, pause_stream=paused)
    async with serve(upstream) as upstream_url:
        env = service_env(
            DATABASE_URL=f"sqlite:///{database}",
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-shutdown-operator",
            SHUTDOWN_GRACE_SECONDS=grace,
        )
        async with running_service(tmp_path, env, port=free_port()) as service:
            yield Running(service, key, database, paused)
        paused.set()  # never leave the fake's handler waiting


async def _until_refused(base_url: str) -> None:
    """Poll new connections (bounded) until the listening socket is closed."""
    deadline = asyncio.get_running_loop().time() + REFUSAL_SECONDS
    async with httpx.AsyncClient() as fresh:
        while True:
            try:
                await fresh.get(f"{base_url}/health", timeout=1, headers={"Connection": "close"})
            except httpx.ConnectError:
                return
            assert asyncio.get_running_loop().time() < deadline, "still accepting after SIGTERM"
            await asyncio.sleep(0.02)


def _call(database: Path, request_id: str) -> tuple[int, int, int]:
    """(status, cost, reserved) of the call recorded under `request_id`."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            """SELECT c.status, c.cost, a.reserved FROM calls c
               JOIN accounts a ON a.id = c.account_id WHERE c.request_id = ?""",
            (request_id,),
        ).fetchone()
    assert row is not None, f"no call recorded for {request_id}"
    return int(row[0]), int(row[1]), int(row[2])


async def test_sigterm_lets_a_running_stream_finish_and_charges_it(tmp_path: Path) -> None:
    request_id = uuid.uuid4().hex
    async with _running(tmp_path, grace="30") as running, httpx.AsyncClient() as client:
        headers = {"Authorization": f"Bearer {running.key}", "X-Request-Id": request_id}
        url = f"{running.service.base_url}/v1/chat/completions"
        async with client.stream("POST", url, json=BODY, headers=headers) as response:
            chunks = response.aiter_text()
            first = await anext(chunks)  # the stream is running
            running.service.process.terminate()
            await _until_refused(running.service.base_url)
            running.paused.set()
            rest = "".join([chunk async for chunk in chunks])
        assert response.status_code == 200
        assert "data: [DONE]" in first + rest
        assert await running.service.wait_exit() == 0
    status, cost, reserved = _call(running.database, request_id)
    assert (status, reserved) == (200, 0)
    assert cost == 1350  # 1000 input + 2000 output tokens of gpt-4o-mini


async def test_a_call_still_running_after_the_grace_period_is_cancelled_and_settled(
    tmp_path: Path,
) -> None:
    request_id = uuid.uuid4().hex
    async with _running(tmp_path, grace="0.5") as running, httpx.AsyncClient() as client:
        headers = {"Authorization": f"Bearer {running.key}", "X-Request-Id": request_id}
        url = f"{running.service.base_url}/v1/chat/completions"
        async with client.stream("POST", url, json=BODY, headers=headers) as response:
            await anext(response.aiter_text())
            running.service.process.terminate()
            assert await running.service.wait_exit() == 0  # never released: grace ends it
    status, _, reserved = _call(running.database, request_id)
    assert status == 499  # abandoned by the shutdown, not failed by the provider
    assert reserved == 0
