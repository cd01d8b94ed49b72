"""Crash safety: SIGKILL in the middle of concurrent billed calls loses no money.

The real process serves a few users calling concurrently through a slow fake upstream, is
killed without warning while calls are in flight, and is started again on the same database
(a SQLite file, or a PostgreSQL schema). Afterwards every balance is its ledger's sum and
every call a client saw succeed (200) was charged exactly once, found by the X-Request-Id the
client saw. SQLite's start-up releases every hold at once; PostgreSQL's, where other replicas
may still be running calls, keeps each crashed hold as a row until it is older than any call
can run, and a start-up after that releases them all.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from storage import AccessPolicy, Storage, open_storage
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


_CALLS_BY_REQUEST = "SELECT request_id, COUNT(*) AS n FROM calls GROUP BY request_id"
_CHARGES_BY_REQUEST = (
    "SELECT request_id, COUNT(*) AS n FROM ledger WHERE kind = 'charge' GROUP BY request_id"
)


STALE_HOLD_SECONDS = 3600  # the service's default STALE_HOLD_MINUTES


async def _count_by_request(storage: Storage, query: str) -> dict[str, int]:
    rows = await storage.database.fetch_all(query)
    return {str(row["request_id"]): int(row["n"]) for row in rows}


async def _accounts(storage: Storage) -> list[tuple[str, int, int, int]]:
    """(username, balance, reserved, ledger sum) of every account."""
    rows = await storage.database.fetch_all(
        """SELECT username, balance, reserved,
                  (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account_id = a.id) AS total
           FROM accounts a ORDER BY id"""
    )
    return [
        (str(r["username"]), int(r["balance"]), int(r["reserved"]), int(r["total"])) for r in rows
    ]


async def _held_rows(storage: Storage) -> list[tuple[str, int]]:
    """(username, sum of hold rows) per account: PostgreSQL's findable holds."""
    rows = await storage.database.fetch_all(
        """SELECT a.username, COALESCE(SUM(h.amount), 0) AS held FROM accounts a
           LEFT JOIN holds h ON h.account_id = a.id GROUP BY a.id, a.username ORDER BY a.id"""
    )
    return [(str(row["username"]), int(row["held"])) for row in rows]


async def _check_the_money(database_url: str, succeeded: list[str]) -> None:
    """After the restart: each balance is its ledger's sum and each success charged once;
    an hour later (PostgreSQL's stale bound) the next start-up leaves no hold at all."""
    an_hour_later = int(time.time()) + STALE_HOLD_SECONDS + 1
    storage = await open_storage(database_url, AccessPolicy(), lambda: an_hour_later)
    try:
        accounts = await _accounts(storage)
        assert all(balance == total for _, balance, _, total in accounts), accounts
        reserved = [(name, held) for name, _, held, _ in accounts]
        if storage.database.dialect == "postgresql":
            assert reserved == await _held_rows(storage)  # every crashed hold is a row
        else:
            assert all(held == 0 for _, held in reserved), reserved  # released at start-up
        calls = await _count_by_request(storage, _CALLS_BY_REQUEST)
        charges = await _count_by_request(storage, _CHARGES_BY_REQUEST)
    finally:
        await storage.close()
    for request_id in succeeded:
        assert calls.get(request_id) == 1, request_id
        assert charges.get(request_id) == 1, request_id
    later = await open_storage(
        database_url,
        AccessPolicy(),
        lambda: an_hour_later,
        recover_holds=True,
        stale_hold_seconds=STALE_HOLD_SECONDS,
    )
    try:
        for username, balance, left, total in await _accounts(later):
            assert (left, balance) == (0, total), username
    finally:
        await later.close()


async def _reserved_total(database_url: str) -> int:
    storage = await open_storage(database_url, AccessPolicy(), _now)
    try:
        return sum(reserved for _, _, reserved, _ in await _accounts(storage))
    finally:
        await storage.close()


async def _load_then_kill(
    tmp_path: Path,
    env: dict[str, str],
    port: int,
    keys: dict[str, str],
    succeeded: list[str],
    upstream: FakeUpstream,
) -> None:
    """Calls from every user until enough succeeded, then SIGKILL with calls in flight.

    In flight is observed, not assumed: the upstream has received a call that has not
    succeeded yet, and the gate holds a call's money before it is sent upstream.
    """
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
        await _until(
            lambda: (
                len(succeeded) >= MIN_SUCCEEDED_BEFORE_KILL
                and len(upstream.requests) > len(succeeded)
            )
        )
        service.process.kill()
        await asyncio.wait_for(asyncio.gather(*callers), timeout=15)


async def test_sigkill_mid_flight_loses_no_charge_and_leaves_no_hold(
    tmp_path: Path, database_url: str
) -> None:
    keys = await _register_users(database_url)
    upstream = FakeUpstream(prompt_tokens=1000, completion_tokens=2000, delay=0.15)
    succeeded: list[str] = []
    async with serve(upstream) as upstream_url:
        env = service_env(
            DATABASE_URL=database_url,
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-crash-operator",
            RATE_LIMIT_PER_MINUTE="0",
        )
        port = free_port()
        await _load_then_kill(tmp_path, env, port, keys, succeeded, upstream)
        assert await _reserved_total(database_url) > 0, "nothing in flight"
        async with running_service(tmp_path, env, port=port) as service:
            service.process.terminate()
            assert await service.wait_exit() == 0
    await _check_the_money(database_url, succeeded)
