"""PostgreSQL going away and coming back, through a TCP proxy the test cuts and restores.

The real API app (aiohttp's test client) runs over storage whose DATABASE_URL is the proxy;
the test reads the money straight from the server (not through the proxy), so what it sees
is what the database holds. Timeouts are short (half a second) so the waits under test are
short too: an outage must answer within a second or two, never hang, and never be a 500.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from storage import DatabaseTimeouts
from storage.database import open_database
from tests.conftest import ApiHarness
from tests.outages import (
    TIMEOUTS,
    assert_database_unavailable,
    chat,
    kept,
    stream_held_upstream,
    timed,
)
from tests.tcp_proxy import TcpProxy, proxied

CREDIT = 10**6


@dataclass(frozen=True, slots=True)
class Money:
    """What the database holds for the one account, read directly from the server."""

    balance: int
    reserved: int
    ledger_sum: int
    calls: list[tuple[str, int]]  # (request id, cost), oldest first
    charges: int  # ledger rows of kind 'charge'


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


@pytest.fixture
async def proxy_and_dsn(postgres_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    async with proxied(postgres_url) as pair:
        yield pair


@pytest.fixture
def proxy(proxy_and_dsn: tuple[TcpProxy, str]) -> TcpProxy:
    return proxy_and_dsn[0]


@pytest.fixture
def api_database_url(proxy_and_dsn: tuple[TcpProxy, str]) -> str:
    """The harness's storage talks to PostgreSQL through the proxy."""
    return proxy_and_dsn[1]


async def money(postgres_url: str) -> Money:
    database = await open_database(postgres_url)
    try:
        [account] = await database.fetch_all(
            "SELECT balance, reserved, (SELECT SUM(amount) FROM ledger) AS total FROM accounts"
        )
        calls = await database.fetch_all("SELECT request_id, cost FROM calls ORDER BY id")
        charges = await database.fetch_all("SELECT id FROM ledger WHERE kind = 'charge'")
    finally:
        await database.close()
    return Money(
        account["balance"],
        account["reserved"],
        int(account["total"]),
        [(row["request_id"], row["cost"]) for row in calls],
        len(charges),
    )


async def test_a_cut_database_answers_503_at_once_and_recovers_without_a_restart(
    api: ApiHarness, proxy: TcpProxy, postgres_url: str
) -> None:
    key = await api.register(credit=CREDIT)
    assert (await chat(api, key, "before")).status == 200
    proxy.cut()
    call, call_took = await timed(chat(api, key, "during"))
    health, health_took = await timed(api.client.get("/health"))
    await assert_database_unavailable(call, call_took)
    await assert_database_unavailable(health, health_took)
    proxy.restore()
    assert (await chat(api, key, "after")).status == 200
    assert (await api.client.get("/health")).status == 200
    state = await money(postgres_url)
    assert [request for request, _ in state.calls] == ["before", "after"]
    assert state.balance == state.ledger_sum == CREDIT - sum(cost for _, cost in state.calls)
    assert state.reserved == 0


async def test_a_link_that_stops_answering_answers_503_within_the_timeouts(
    api: ApiHarness, proxy: TcpProxy, postgres_url: str
) -> None:
    key = await api.register(credit=CREDIT)
    assert (await chat(api, key, "before")).status == 200
    proxy.freeze()
    call, call_took = await timed(chat(api, key, "during"))
    await assert_database_unavailable(call, call_took)
    proxy.restore()
    assert (await chat(api, key, "after")).status == 200
    state = await money(postgres_url)
    assert [request for request, _ in state.calls] == ["before", "after"]
    assert (state.balance, state.reserved) == (state.ledger_sum, 0)


async def test_a_call_whose_settlement_is_cut_off_is_charged_once_when_the_database_is_back(
    api: ApiHarness, proxy: TcpProxy, postgres_url: str
) -> None:
    key = await api.register(credit=CREDIT)
    streaming = await stream_held_upstream(api, key)
    proxy.cut()
    assert api.upstream.pause_stream is not None
    api.upstream.pause_stream.set()
    assert b"[DONE]" in await streaming  # the client got what the provider made
    await kept(api)
    refused, took = await timed(chat(api, key, "refused"))
    await assert_database_unavailable(refused, took)  # nothing served that cannot be billed
    proxy.restore()
    assert (await chat(api, key, "after")).status == 200  # writes the backlog first
    state = await money(postgres_url)
    assert [request for request, _ in state.calls] == ["cut-off", "after"]
    assert all(cost > 0 for _, cost in state.calls)
    assert state.charges == 2
    assert state.balance == state.ledger_sum == CREDIT - sum(cost for _, cost in state.calls)
    assert state.reserved == 0
    assert api.context.settlements.waiting == 0


async def test_a_settlement_applied_but_unanswered_is_not_charged_twice(
    api: ApiHarness, proxy: TcpProxy, postgres_url: str
) -> None:
    key = await api.register(credit=CREDIT)
    # A first call prepares the settle statement on the pooled connection, so the next
    # settlement is one message that needs no answer to be applied.
    assert (await chat(api, key, "before")).status == 200
    streaming = await stream_held_upstream(api, key)
    proxy.lose_replies()  # the settlement reaches the server; its answer never comes back
    assert api.upstream.pause_stream is not None
    api.upstream.pause_stream.set()
    await streaming
    await kept(api)
    applied = await money(postgres_url)
    assert [request for request, _ in applied.calls] == ["before", "cut-off"]  # applied
    proxy.restore()
    assert (await api.client.get("/health")).status == 200  # writes the backlog again
    state = await money(postgres_url)
    assert state == applied  # the second write was a no-op: charged and released once
    assert (state.charges, state.reserved) == (2, 0)
    assert api.context.settlements.waiting == 0


async def test_health_names_the_database_while_it_is_away(
    api: ApiHarness, proxy: TcpProxy
) -> None:
    proxy.cut()
    response = await api.client.get("/health")
    body = json.loads(await response.text())
    assert response.status == 503
    assert body["error"]["code"] == "database_unavailable"
    proxy.restore()
    response = await api.client.get("/health")
    assert (response.status, await response.json()) == (200, {"status": "ok", "database": "ok"})
