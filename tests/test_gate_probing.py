"""The gate against guessing: the per-address limit under concurrency, and what a probe sees.

A probe is anyone sending credentials that are not theirs. These tests pin that it cannot
outrun the per-address limit by sending its attempts at once, cannot tell a real (even a
locked) username from an unknown one by the answer, and that the owner's right key, from
the same throttled address, is still served.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.limits import FailedAuthLimiter
from tests.conftest import ApiHarness

Client = TestClient[web.Request, web.Application]
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
LIMIT = 20
#: Headers that differ between any two responses: the request's own id, and the server's
#: wall-clock Date (not the injected clock), which can tick between two requests.
PER_REQUEST_HEADERS = {"x-request-id", "date"}


@pytest.fixture
async def guarded(api: ApiHarness, aiohttp_client: AiohttpClient) -> Client:
    """The harness's API with the per-address limit of failed authentications on."""
    limiter = FailedAuthLimiter(LIMIT, api.clock)
    context = dataclasses.replace(api.context, failed_auth=limiter)
    return await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))


async def attempt(client: Client, username: str, key: str) -> ClientResponse:
    return await client.post(
        "/v1/chat/completions", json={**BODY, "username": username, "key": key}
    )


async def locked_now(api: ApiHarness, username: str) -> bool:
    account = await api.storage.accounts.by_username(username)
    assert account is not None
    return account.is_locked(api.clock())


async def seen(response: ClientResponse) -> tuple[int, bytes, dict[str, str]]:
    """What a client can observe of an answer, less what differs for every request."""
    headers = {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower() not in PER_REQUEST_HEADERS
    }
    return response.status, await response.read(), headers


async def test_concurrent_failures_from_one_address_never_exceed_the_limit(
    guarded: Client,
) -> None:
    responses = await asyncio.gather(
        *(attempt(guarded, f"nobody{n}", "myapi-guess") for n in range(60))
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [401] * LIMIT + [429] * (60 - LIMIT)
    refused = [response for response in responses if response.status == 429]
    assert all(response.headers["Retry-After"].isdigit() for response in refused)


async def test_the_right_key_from_a_throttled_address_is_served(
    api: ApiHarness, guarded: Client
) -> None:
    key = await api.register()
    await asyncio.gather(*(attempt(guarded, "mallory", "myapi-guess") for _ in range(60)))
    assert (await attempt(guarded, "nobody", "myapi-guess")).status == 429
    served = await attempt(guarded, "alice", key)
    assert served.status == 200
    bearer = await guarded.post(
        "/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"}
    )
    assert bearer.status == 200


async def test_a_throttled_address_is_served_failures_again_the_next_minute(
    api: ApiHarness, guarded: Client
) -> None:
    for _ in range(LIMIT):
        await attempt(guarded, "mallory", "myapi-guess")
    refused = await attempt(guarded, "mallory", "myapi-guess")
    assert refused.status == 429
    api.clock.advance(int(refused.headers["Retry-After"]))
    assert (await attempt(guarded, "mallory", "myapi-guess")).status == 401


async def test_a_locked_username_with_a_wrong_key_answers_as_an_unknown_one(
    api: ApiHarness,
) -> None:
    await api.register()
    for _ in range(5):
        await attempt(api.client, "alice", "myapi-wrong")
    assert await locked_now(api, "alice")
    locked = await seen(await attempt(api.client, "alice", "myapi-wrong"))
    unknown = await seen(await attempt(api.client, "mallory", "myapi-wrong"))
    assert locked == unknown
    assert locked[0] == 401
    assert b'"invalid_api_key"' in locked[1]


async def test_a_throttled_probe_sees_the_same_429_for_real_and_unknown_names(
    api: ApiHarness, guarded: Client
) -> None:
    await api.register()
    for _ in range(LIMIT):
        await attempt(guarded, "alice", "myapi-wrong")
    real = await seen(await attempt(guarded, "alice", "myapi-wrong"))
    unknown = await seen(await attempt(guarded, "mallory", "myapi-wrong"))
    assert real == unknown
    assert real[0] == 429


async def test_only_the_right_key_learns_of_the_lock(api: ApiHarness) -> None:
    key = await api.register()
    for _ in range(5):
        await attempt(api.client, "alice", "myapi-wrong")
    response = await attempt(api.client, "alice", key)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "account_locked"
    assert response.headers["Retry-After"] == str(30 * 60)


async def test_wrong_keys_during_a_lock_neither_extend_it_nor_notify_again(
    api: ApiHarness,
) -> None:
    await api.register()
    for _ in range(5):
        await attempt(api.client, "alice", "myapi-wrong")
    first = await api.storage.accounts.by_username("alice")
    api.clock.advance(600)
    for _ in range(5):
        await attempt(api.client, "alice", "myapi-wrong")
    later = await api.storage.accounts.by_username("alice")
    assert first is not None
    assert later is not None
    assert later.locked_until == first.locked_until
    assert later.strikes == 10  # counted: the owner's /balance shows someone keeps trying


async def test_402_tells_the_strikes_left_and_how_to_top_up(api: ApiHarness) -> None:
    key = await api.register(credit=1)
    first = await (await attempt(api.client, "alice", key)).json()
    assert "4 more failed requests in a row lock the account" in first["error"]["message"]
    assert "/topup" in first["error"]["message"]
    for _ in range(3):
        await attempt(api.client, "alice", key)
    fifth = await attempt(api.client, "alice", key)
    assert fifth.status == 402
    message = (await fifth.json())["error"]["message"]
    assert "the account is now locked" in message
    assert "a top-up lifts this lock" in message
