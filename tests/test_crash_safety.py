"""Crash safety: SIGKILL in the middle of concurrent billed calls loses no money.

The real process serves a few users calling concurrently through a slow fake upstream, is
killed without warning while calls are in flight, and is started again on the same SQLite
file. Afterwards every balance is its ledger's sum, no hold is left, and every call a client
saw succeed (200) was charged exactly once, found by the X-Request-Id the client saw.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from storage import AccessPolicy, open_storage
from tests.fakes.upstream import FakeUpstream, serve
from tests.process import free_port, running_service, service_env

USERS = ("ann", "bob", "cid")
WORKERS_PER_USER = 3
LOAD_SECONDS = 3.0
CREDIT = 10**8
MIN_SUCCEEDED_BEFORE_KILL = 6


async def _register_users(database_url: str) -> dict[str, str]:
    """The accounts exist before the first start; returns each user's key."""
    storage = await open_storage(database_url, AccessPolicy(lock_strikes=5, lock_seconds=60), _now)
    try:
        keys: dict[str, str] = {}
        for telegram_id, name in enumerate(USERS, start=1):
            registration = await storage.accounts.register_telegram_user(
                telegram_id, name, CREDIT, "en"
            )
            assert registration.secret is not None
            keys[name] = registration.secret
        return keys
    finally:
        await storage.close()


def _now() -> int:
    return 1_800_000_000


async def _caller(
    client: httpx.AsyncClient, base_url: str, key: str, stop_at: float, succeeded: list[str]
) -> None:
    """Call until `stop_at` (or until the service dies); record each 200's request id."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        headers = {"Authorization": f"Bearer {key}", "X-Request-Id": uuid.uuid4().hex}
        try:
            response = await client.post(
                f"{base_url}/v1/chat/completions", json=body, headers=headers, timeout=10
            )
        except httpx.TransportError:
            return  # killed mid-call: the client never saw it succeed
        if response.status_code == 200:
            succeeded.append(response.headers["X-Request-Id"])


async def _until(condition: Callable[[], bool]) -> None:
    """Poll `condition` (bounded): the load is observed, not assumed after a fixed sleep."""
    deadline = asyncio.get_running_loop().time() + LOAD_SECONDS
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the load never built up"
        await asyncio.sleep(0.01)


_CALLS_BY_REQUEST = "SELECT request_id, COUNT(*) FROM calls GROUP BY request_id"
_CHARGES_BY_REQUEST = (
    "SELECT request_id, COUNT(*) FROM ledger WHERE kind = 'charge' GROUP BY request_id"
)


def _count_by_request(database: Path, query: str) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(query).fetchall()
    return {str(request_id): int(count) for request_id, count in rows}


def _accounts(database: Path) -> list[tuple[str, int, int, int]]:
    """(username, balance, reserved, ledger sum) of every account."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            """SELECT username, balance, reserved,
                      (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account_id = a.id)
               FROM accounts a"""
        ).fetchall()
    return [(str(u), int(b), int(r), int(total)) for u, b, r, total in rows]


async def test_sigkill_mid_flight_loses_no_charge_and_leaves_no_hold(tmp_path: Path) -> None:
    database = tmp_path / "crash.db"
    keys = await _register_users(f"sqlite:///{database}")
    upstream = FakeUpstream(prompt_tokens=1000, completion_tokens=2000, delay=0.15)
    succeeded: list[str] = []
    async with serve(upstream) as upstream_url:
        env = service_env(
            DATABASE_URL=f"sqlite:///{database}",
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-crash-operator",
            RATE_LIMIT_PER_MINUTE="0",
        )
        port = free_port()
        async with (
            running_service(tmp_path, env, port=port) as service,
            httpx.AsyncClient(
                limits=httpx.Limits(max_connections=len(USERS) * WORKERS_PER_USER)
            ) as client,
        ):
            stop_at = asyncio.get_running_loop().time() + LOAD_SECONDS
            callers = [
                asyncio.create_task(_caller(client, service.base_url, key, stop_at, succeeded))
                for key in keys.values()
                for _ in range(WORKERS_PER_USER)
            ]
            await _until(lambda: len(succeeded) >= MIN_SUCCEEDED_BEFORE_KILL)
            service.process.kill()
            await asyncio.wait_for(asyncio.gather(*callers), timeout=15)
        assert any(reserved for _, _, reserved, _ in _accounts(database)), "nothing in flight"
        async with running_service(tmp_path, env, port=port) as service:
            service.process.terminate()
            assert await service.wait_exit() == 0
    for username, balance, reserved, ledger_sum in _accounts(database):
        assert reserved == 0, username
        assert balance == ledger_sum, username
    calls = _count_by_request(database, _CALLS_BY_REQUEST)
    charges = _count_by_request(database, _CHARGES_BY_REQUEST)
    for request_id in succeeded:
        assert calls.get(request_id) == 1, request_id
        assert charges.get(request_id) == 1, request_id
