"""`Idempotency-Key` over the real app: a retry replays the answer and is never billed twice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import ClientResponse, web

from api.billing import BALANCE_HEADER, COST_HEADER
from tests.conftest import ApiHarness
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.both_databases  # the money rules, over HTTP, on each database

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Say hi"}],
}
TTL = 24 * 3600


@dataclass
class HeldUpstream(FakeUpstream):
    """The fake upstream, whose chat answers wait for `release` once `hold` is set."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    hold: bool = False

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.arrived.set()
        if self.hold:
            await self.release.wait()
        return await super()._chat(request)


@pytest.fixture
def fake_upstream() -> HeldUpstream:
    return HeldUpstream()


async def _post(
    api: ApiHarness,
    key: str,
    idempotency_key: str | None = "retry-1",
    body: dict[str, Any] | None = None,
    path: str = "/v1/chat/completions",
) -> ClientResponse:
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return await api.client.post(path, json=body or BODY, headers=headers)


async def _reserved(api: ApiHarness, username: str = "alice") -> int:
    account = await api.storage.accounts.by_username(username)
    assert account is not None
    return account.reserved


async def _charges(api: ApiHarness) -> int:
    rows = await api.storage.database.fetch_all("SELECT id FROM ledger WHERE kind = 'charge'")
    return len(rows)


async def test_a_retry_replays_the_answer_without_calling_or_charging_again(
    api: ApiHarness,
) -> None:
    key = await api.register()
    first = await _post(api, key)
    second = await _post(api, key)
    assert (first.status, second.status) == (200, 200)
    assert await second.read() == await first.read()
    for header in ("Content-Type", COST_HEADER, BALANCE_HEADER):
        assert second.headers[header] == first.headers[header]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(api.upstream.requests) == 1
    assert await api.balance() == 10**6 - int(first.headers[COST_HEADER])
    assert await _charges(api) == 1
    assert await _reserved(api) == 0


async def test_the_retry_may_send_its_credentials_another_way(api: ApiHarness) -> None:
    key = await api.register()
    await _post(api, key)
    response = await api.client.post(
        "/v1/chat/completions",
        json={**BODY, "username": "alice", "key": key},
        headers={"Idempotency-Key": "retry-1"},
    )
    assert response.headers["Idempotent-Replayed"] == "true"
    assert len(api.upstream.requests) == 1


async def test_the_same_key_with_a_different_body_is_422(api: ApiHarness) -> None:
    key = await api.register()
    await _post(api, key)
    response = await _post(api, key, body={**BODY, "temperature": 0.5})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "different request body" in error["message"]
    assert len(api.upstream.requests) == 1
    assert await _charges(api) == 1
    assert await _reserved(api) == 0


async def test_a_duplicate_while_the_first_runs_is_409_and_never_a_second_call(
    api: ApiHarness, fake_upstream: HeldUpstream
) -> None:
    key = await api.register()
    fake_upstream.hold = True
    first = asyncio.create_task(_post(api, key))
    await asyncio.wait_for(fake_upstream.arrived.wait(), 5)
    duplicate = await _post(api, key)
    assert duplicate.status == 409
    assert (await duplicate.json())["error"]["code"] == "idempotency_in_progress"
    fake_upstream.release.set()
    assert (await first).status == 200
    assert len(api.upstream.requests) == 1
    assert await _charges(api) == 1
    assert await _reserved(api) == 0


async def test_the_header_with_a_stream_is_400_and_holds_nothing(api: ApiHarness) -> None:
    key = await api.register()
    response = await _post(api, key, body={**BODY, "stream": True})
    assert response.status == 400
    assert "Idempotency-Key" in (await response.json())["error"]["message"]
    assert api.upstream.requests == []
    assert await _reserved(api) == 0


async def test_a_failed_call_frees_the_key_for_a_retry(api: ApiHarness) -> None:
    key = await api.register()
    api.upstream.fail_status = 500
    assert (await _post(api, key)).status == 502
    api.upstream.fail_status = None
    retried = await _post(api, key)
    assert retried.status == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert (await _post(api, key)).headers["Idempotent-Replayed"] == "true"
    assert len(api.upstream.requests) == 2
    assert await _charges(api) == 1
    assert await _reserved(api) == 0


async def test_an_expired_key_is_a_new_request(api: ApiHarness) -> None:
    key = await api.register()
    await _post(api, key)
    api.clock.advance(TTL - 1)
    assert (await _post(api, key)).headers["Idempotent-Replayed"] == "true"
    api.clock.advance(1)
    again = await _post(api, key, body={**BODY, "temperature": 0.5})
    assert again.status == 200
    assert "Idempotent-Replayed" not in again.headers
    assert len(api.upstream.requests) == 2
    assert await _charges(api) == 2
    assert await _reserved(api) == 0


async def test_two_users_may_use_the_same_key(api: ApiHarness) -> None:
    alice = await api.register()
    bob = await api.register(telegram_id=8, name="bob")
    await _post(api, alice)
    response = await _post(api, bob, body={**BODY, "temperature": 0.5})
    assert response.status == 200
    assert "Idempotent-Replayed" not in response.headers
    assert len(api.upstream.requests) == 2
    assert await _reserved(api, "bob") == 0


@pytest.mark.parametrize("bad_key", ["", "k" * 256, "tab\there"])
async def test_a_malformed_key_is_400_and_holds_nothing(api: ApiHarness, bad_key: str) -> None:
    key = await api.register()
    response = await _post(api, key, idempotency_key=bad_key)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_idempotency_key"
    assert api.upstream.requests == []
    assert await _reserved(api) == 0


async def test_a_key_of_255_printable_characters_is_accepted(api: ApiHarness) -> None:
    key = await api.register()
    response = await _post(api, key, idempotency_key="k " * 127 + "k")
    assert response.status == 200


async def test_without_the_header_nothing_is_stored(api: ApiHarness) -> None:
    key = await api.register()
    await _post(api, key, idempotency_key=None)
    await _post(api, key, idempotency_key=None)
    rows = await api.storage.database.fetch_all("SELECT idem_key FROM idempotency_keys")
    assert rows == []
    assert len(api.upstream.requests) == 2


async def test_the_same_body_on_another_path_is_422(api: ApiHarness) -> None:
    key = await api.register()
    await _post(api, key)
    response = await _post(api, key, path="/openai/v1/chat/completions")
    assert response.status == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/embeddings", {"model": "text-embedding-3-small", "input": "hello"}),
        ("/v1/images/generations", {"model": "dall-e-2", "prompt": "a cat"}),
    ],
)
async def test_media_routes_replay_too(api: ApiHarness, path: str, body: dict[str, Any]) -> None:
    key = await api.register()
    first = await _post(api, key, body=body, path=path)
    second = await _post(api, key, body=body, path=path)
    assert (first.status, second.status) == (200, 200)
    assert await second.read() == await first.read()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(api.upstream.requests) == 1
    assert await _charges(api) == 1
    assert await _reserved(api) == 0
