"""Rate limits: per user (in the gate's own statement) and per client address (in process)."""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.limits import FailedAuthLimiter, client_address
from storage import AccessPolicy, Storage
from storage.models import AuthOutcome
from tests.conftest import ApiHarness, FakeClock

BODY: dict[str, Any] = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}
LIMITED = AccessPolicy(lock_strikes=5, lock_seconds=1800, requests_per_minute=3)


async def registered(storage: Storage) -> str:
    registration = await storage.accounts.register_telegram_user(1, "alice", 10**6, "en")
    assert registration.secret is not None
    return registration.secret


@pytest.mark.parametrize("policy", [LIMITED])
async def test_the_user_limit_refuses_past_n_a_minute_without_a_strike(
    storage: Storage, clock: FakeClock
) -> None:
    key = await registered(storage)
    outcomes = [(await storage.accounts.authorize("alice", key, 1)).outcome for _ in range(4)]
    assert outcomes == [AuthOutcome.OK] * 3 + [AuthOutcome.RATE_LIMITED]
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.strikes, account.reserved) == (0, 3)  # the refused call held nothing
    clock.advance(60 - clock.now % 60)  # the next minute
    assert (await storage.accounts.authorize("alice", key, 1)).outcome is AuthOutcome.OK


@pytest.mark.parametrize("policy", [LIMITED])
async def test_an_accounts_own_limit_overrides_the_default(storage: Storage) -> None:
    key = await registered(storage)
    await storage.database.execute("UPDATE accounts SET rate_limit = 1")
    first = await storage.accounts.authorize("alice", key, 1)
    second = await storage.accounts.authorize("alice", key, 1)
    assert (first.outcome, second.outcome) == (AuthOutcome.OK, AuthOutcome.RATE_LIMITED)
    await storage.database.execute("UPDATE accounts SET rate_limit = 0")  # unlimited
    outcomes = {(await storage.accounts.authorize("alice", key, 1)).outcome for _ in range(5)}
    assert outcomes == {AuthOutcome.OK}


@pytest.mark.parametrize("policy", [LIMITED])
async def test_429_carries_an_honest_retry_after(api: ApiHarness) -> None:
    api.clock.now = api.clock.now - api.clock.now % 60 + 50  # 50 s into a minute
    key = await api.register()
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        assert (await api.client.post("/v1/chat/completions", json=BODY, headers=headers)).ok
    refused = await api.client.post("/v1/chat/completions", json=BODY, headers=headers)
    assert refused.status == 429
    assert (await refused.json())["error"]["code"] == "rate_limit_exceeded"
    assert refused.headers["Retry-After"] == "10"
    api.clock.advance(10)
    retried = await api.client.post("/v1/chat/completions", json=BODY, headers=headers)
    assert retried.status == 200


@pytest.fixture
async def guarded(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> TestClient[web.Request, web.Application]:
    """The same API with a limit of 3 failed authentications a minute per address."""
    limiter = FailedAuthLimiter(3, api.clock)
    context = dataclasses.replace(api.context, failed_auth=limiter)
    return await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))


async def test_failed_authentications_per_address_are_limited_and_only_they(
    api: ApiHarness, guarded: TestClient[web.Request, web.Application]
) -> None:
    key = await api.register()
    wrong = [
        {"username": "mallory", "key": "myapi-x"},  # unknown users: no strike can see them
        {"key": "myapi-unknown"},
        {"username": "alice", "key": "myapi-wrong"},
    ]
    for credentials in wrong:
        response = await guarded.post("/v1/chat/completions", json={**BODY, **credentials})
        assert response.status == 401
    refused = await guarded.post("/v1/chat/completions", json={**BODY, **wrong[0]})
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) == 60 - api.clock.now % 60
    served = await guarded.post("/v1/chat/completions", json={**BODY, "key": key})
    assert served.status == 200  # a right key from a throttled address (one NAT, many users)
    api.clock.advance(int(refused.headers["Retry-After"]))
    again = await guarded.post("/v1/chat/completions", json={**BODY, **wrong[0]})
    assert again.status == 401


def request_from(peer: str, forwarded: str | None = None) -> web.Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("POST", "/v1/chat/completions", headers=headers)
    request._transport_peername = (peer, 1234)
    return request


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    trusted = (ip_network("10.0.0.0/8"),)
    assert client_address(request_from("203.0.113.9", "198.51.100.1"), trusted) == "203.0.113.9"
    assert client_address(request_from("10.0.0.2", "198.51.100.1"), trusted) == "198.51.100.1"
    chain = "198.51.100.1, 192.0.2.7, 10.0.0.3"  # the client, a spoof-free hop, our proxies
    assert client_address(request_from("10.0.0.2", chain), trusted) == "192.0.2.7"
    assert client_address(request_from("10.0.0.2", "198.51.100.1"), ()) == "10.0.0.2"
