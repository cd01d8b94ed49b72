"""`POST /v1/moderations` over the real app and the fake: free, but only behind the gate."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiHarness
from tests.fakes.openai_completions import FLAGGED_WORD
from tests.ledger import account_state, calls

IMAGE = {"type": "image_url", "image_url": {"url": "https://example.test/cat.png"}}


async def moderate(api: ApiHarness, key: str, body: dict[str, Any]) -> Any:
    return await api.client.post(
        "/v1/moderations", json=body, headers={"Authorization": f"Bearer {key}"}
    )


async def test_a_moderation_is_relayed_free_and_recorded_at_cost_zero(api: ApiHarness) -> None:
    key = await api.register()
    response = await moderate(api, key, {"input": f"I will {FLAGGED_WORD} them"})
    assert response.status == 200
    [result] = (await response.json())["results"]
    assert result["flagged"] is True
    [received] = api.upstream.requests
    assert received.path == "/v1/moderations"
    assert received.body["model"] == "omni-moderation-latest"  # OpenAI's default, explicit
    assert response.headers["X-Myapi-Cost-Units"] == "0"
    assert await account_state(api) == (10**6, 0, 0)
    [call] = await calls(api)
    assert (call["model"], call["status"], call["cost"], call["held"]) == (
        "omni-moderation-latest",
        200,
        0,
        0,
    )


@pytest.mark.parametrize(
    "given",
    [
        ["hello", "world"],
        [{"type": "text", "text": "hello"}, IMAGE],
    ],
)
async def test_lists_and_multimodal_parts_pass_on_untouched(
    api: ApiHarness, given: list[Any]
) -> None:
    key = await api.register()
    body = {"model": "text-moderation-stable", "input": given}
    response = await api.client.post("/openai/v1/moderations", json={**body, "key": key})
    assert len((await response.json())["results"]) == 2
    assert api.upstream.requests[0].body == {**body, "model": "text-moderation-stable"}


async def test_a_moderation_works_at_zero_balance(api: ApiHarness) -> None:
    key = await api.register(credit=0)
    response = await moderate(api, key, {"input": "hello"})
    assert response.status == 200
    assert await account_state(api) == (0, 0, 0)


async def test_a_wrong_key_is_a_strike_and_reaches_no_provider(api: ApiHarness) -> None:
    await api.register()
    body = {"input": "hello", "username": "alice", "key": "myapi-wrong"}
    response = await api.client.post("/v1/moderations", json=body)
    assert response.status == 401
    assert (await account_state(api))[2] == 1
    assert api.upstream.requests == []


async def test_a_locked_account_is_refused(api: ApiHarness) -> None:
    key = await api.register()
    await api.storage.admin.block("alice", actor="test", reason="abuse")
    response = await moderate(api, key, {"input": "hello"})
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "account_locked"
    assert api.upstream.requests == []


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "input"),
        ({"input": []}, "input"),
        ({"input": [1, 2]}, "input"),
        ({"input": ["a", IMAGE]}, "input"),
        ({"input": [{"type": "image_url", "image_url": {}}]}, "input"),
        ({"input": "hi", "model": 5}, "model"),
        ({"input": "hi", "model": "gpt-4o-mini"}, "model"),
    ],
)
async def test_bad_moderations_are_400_and_write_nothing(
    api: ApiHarness, body: dict[str, Any], param: str
) -> None:
    key = await api.register()
    response = await moderate(api, key, body)
    assert (response.status, (await response.json())["error"]["param"]) == (400, param)
    assert await calls(api) == []
    assert api.upstream.requests == []


async def test_a_failed_moderation_is_the_providers_error_and_free(api: ApiHarness) -> None:
    api.upstream.fail_status = 400
    key = await api.register()
    response = await moderate(api, key, {"input": "hello"})
    assert response.status == 400
    assert await account_state(api) == (10**6, 0, 0)
    [call] = await calls(api)
    assert (call["status"], call["cost"]) == (400, 0)


async def test_chat_refuses_a_moderation_model(api: ApiHarness) -> None:
    key = await api.register()
    body = {"model": "omni-moderation-latest", "messages": [{"role": "user", "content": "hi"}]}
    response = await api.client.post("/v1/chat/completions", json={**body, "key": key})
    assert (response.status, (await response.json())["error"]["param"]) == (400, "model")
