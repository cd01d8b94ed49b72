"""The access gate over HTTP: statuses, messages, strikes, locks and unblocking."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiHarness
from tests.key_forms import with_wrong_tail
from tests.ledger import table_snapshot

pytestmark = pytest.mark.both_databases  # the money rules, over HTTP, on each database

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def call(api: ApiHarness, username: str | None, key: str) -> tuple[int, dict[str, Any]]:
    credentials = {"username": username, "key": key} if username else {"key": key}
    response = await api.client.post("/v1/chat/completions", json={**BODY, **credentials})
    return response.status, await response.json()


async def test_unknown_username_and_wrong_key_get_the_same_answer(api: ApiHarness) -> None:
    await api.register()
    unknown = await call(api, "mallory", "myapi-x")
    wrong = await call(api, "alice", "myapi-x")
    assert unknown == wrong
    assert unknown[0] == 401
    assert unknown[1]["error"]["code"] == "invalid_api_key"


async def test_an_unknown_username_changes_nothing(api: ApiHarness) -> None:
    await api.register()
    before = await table_snapshot(api.storage)
    await call(api, "mallory", "myapi-x")
    assert await table_snapshot(api.storage) == before


async def test_no_credentials_is_401_and_says_how_to_send_them(api: ApiHarness) -> None:
    response = await api.client.post("/v1/chat/completions", json=BODY)
    error = (await response.json())["error"]
    assert response.status == 401
    assert error["code"] == "missing_api_key"
    assert "Bearer" in error["message"]


async def test_five_wrong_keys_lock_and_the_right_key_is_then_refused(api: ApiHarness) -> None:
    key = await api.register()
    for _ in range(5):
        assert (await call(api, "alice", "wrong"))[0] == 401
    response = await api.client.post(
        "/v1/chat/completions", json={**BODY, "username": "alice", "key": key}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "account_locked"
    assert response.headers["Retry-After"] == str(30 * 60)
    assert api.upstream.requests == []


async def test_retry_after_counts_down_with_the_clock(api: ApiHarness) -> None:
    key = await api.register()
    for _ in range(5):
        await call(api, "alice", "wrong")
    api.clock.advance(600)
    response = await api.client.post(
        "/v1/chat/completions", json={**BODY, "username": "alice", "key": key}
    )
    assert response.headers["Retry-After"] == str(30 * 60 - 600)


async def test_no_funds_counts_toward_the_lock(api: ApiHarness) -> None:
    key = await api.register(credit=1)
    statuses = [(await call(api, "alice", key))[0] for _ in range(6)]
    assert statuses == [402] * 5 + [403]


async def test_unblock_lets_the_next_call_through(api: ApiHarness) -> None:
    key = await api.register()
    for _ in range(5):
        await call(api, "alice", "wrong")
    await api.storage.admin.unblock("alice", actor="test")
    assert (await call(api, "alice", key))[0] == 200


async def test_a_wrong_key_without_username_is_401_and_no_strike(api: ApiHarness) -> None:
    await api.register()
    response = await api.client.post(
        "/v1/chat/completions", json=BODY, headers={"Authorization": "Bearer myapi-wrong"}
    )
    assert response.status == 401
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.strikes == 0


async def test_the_right_prefix_with_a_wrong_tail_is_401_every_way_it_is_sent(
    api: ApiHarness,
) -> None:
    """The display prefix is shown in the bot and the logs: it must open nothing."""
    forged = with_wrong_tail(await api.register())
    assert (await call(api, "alice", forged))[0] == 401
    assert (await call(api, None, forged))[0] == 401
    bearer = {"Authorization": f"Bearer {forged}"}
    response = await api.client.post("/v1/chat/completions", json=BODY, headers=bearer)
    assert response.status == 401
    assert api.upstream.requests == []
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.strikes, account.balance, account.reserved) == (1, 10**6, 0)
