"""A call the gate refuses holds nothing, on either database, so the next start-up finds
nothing to release.

On PostgreSQL a hold is also a row (crashed replicas leave findable holds), written in the
gate's own statement. A row written for a refused call would hold nothing in `reserved`, and
the start-up that released it would take `reserved` below zero: the service would no longer
start. `ApiHarness.after_restart` is that start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from storage import AccessPolicy
from tests.api_harness import AccountMoney
from tests.conftest import ApiHarness

pytestmark = pytest.mark.both_databases

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
CREDIT = 10**6
ONE_A_MINUTE = AccessPolicy(lock_strikes=5, lock_seconds=30 * 60, requests_per_minute=1)


async def status_of(api: ApiHarness, key: str, username: str | None = "alice") -> int:
    credentials = {"username": username, "key": key} if username else {"key": key}
    response = await api.client.post("/v1/chat/completions", json={**BODY, **credentials})
    return response.status


async def wrong_key(api: ApiHarness) -> list[int]:
    await api.register(credit=CREDIT)
    return [await status_of(api, "myapi-wrong")]


async def locked(api: ApiHarness) -> list[int]:
    key = await api.register(credit=CREDIT)
    return [await status_of(api, "myapi-wrong") for _ in range(5)] + [await status_of(api, key)]


async def no_funds(api: ApiHarness) -> list[int]:
    key = await api.register(credit=CREDIT)
    await api.storage.admin.credit("alice", -(CREDIT - 1), "spent", "test")
    return [await status_of(api, key), await status_of(api, key, username=None)]


REFUSALS: dict[str, tuple[Callable[[ApiHarness], Awaitable[list[int]]], list[int]]] = {
    "wrong-key": (wrong_key, [401]),
    "locked": (locked, [401] * 5 + [403]),
    "no-funds": (no_funds, [402, 402]),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
async def test_a_refused_call_holds_nothing_and_the_next_start_up_releases_nothing(
    api: ApiHarness, refusal: str
) -> None:
    refuse, statuses = REFUSALS[refusal]
    assert await refuse(api) == statuses
    balance = await api.balance()
    assert api.upstream.requests == []
    assert await api.after_restart() == [AccountMoney("alice", balance, 0)]


@pytest.mark.parametrize("policy", [ONE_A_MINUTE])
async def test_a_rate_limited_call_holds_nothing_and_the_next_start_up_releases_nothing(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    assert [await status_of(api, key), await status_of(api, key)] == [200, 429]
    balance = await api.balance()
    assert balance < CREDIT  # the first call was charged, its hold released
    assert await api.after_restart() == [AccountMoney("alice", balance, 0)]
