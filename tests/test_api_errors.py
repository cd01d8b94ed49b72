"""Bad input: a clear error in OpenAI's shape, the right status, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import RequestIds
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape
from tests.ledger import table_snapshot

GOOD: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, not a list"),
        (b"", "body is empty"),
    ],
)
async def test_unparseable_bodies_are_400(api: ApiHarness, raw: bytes, fragment: str) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    response = await api.client.post(
        "/v1/chat/completions", data=raw, headers={"Authorization": f"Bearer {key}"}
    )
    body = await response.json()
    assert response.status == 400
    assert_openai_shape(body)
    assert fragment in body["error"]["message"]
    assert await table_snapshot(api.storage) == before


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"model": None}, "model"),
        ({"model": 5}, "model"),
        ({"messages": "hi"}, "messages"),
        ({"messages": []}, "messages"),
        ({"stream": "yes"}, "stream"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"username": 12}, "username"),
    ],
)
async def test_missing_or_mistyped_fields_are_400_naming_the_field(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = await api.client.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    error = await response.json()
    assert response.status == 400
    assert_openai_shape(error)
    assert error["error"]["param"] == param
    assert await table_snapshot(api.storage) == before
    assert api.upstream.requests == []


async def test_an_unknown_model_is_404_before_anything_is_charged(api: ApiHarness) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    response = await api.client.post(
        "/v1/chat/completions", json={**GOOD, "model": "gpt-9", "key": key}
    )
    error = await response.json()
    assert response.status == 404
    assert error["error"]["code"] == "model_not_found"
    assert await table_snapshot(api.storage) == before


async def test_an_oversized_body_is_413(api: ApiHarness) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    huge = {**GOOD, "messages": [{"role": "user", "content": "x" * 70_000}], "key": key}
    response = await api.client.post("/v1/chat/completions", json=huge)
    assert response.status == 413
    assert_openai_shape(await response.json())
    assert await table_snapshot(api.storage) == before


async def test_an_unknown_route_is_404(api: ApiHarness) -> None:
    response = await api.client.get("/v1/nothing-here")
    assert response.status == 404
    assert_openai_shape(await response.json())


async def test_a_wrong_method_is_405(api: ApiHarness) -> None:
    response = await api.client.get("/v1/chat/completions")
    body = await response.json()
    assert response.status == 405
    assert_openai_shape(body)
    assert "POST" in body["error"]["message"]


async def test_every_answer_carries_a_request_id(api: ApiHarness) -> None:
    response = await api.client.get("/v1/nothing-here", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"


async def test_requests_without_an_id_get_distinct_uuid_shaped_ones(api: ApiHarness) -> None:
    ids = [(await api.client.get("/health")).headers["X-Request-Id"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert all(len(found) == 32 and int(found, 16) >= 0 for found in ids)


def test_two_processes_worth_of_ids_never_collide() -> None:
    first, second = RequestIds(), RequestIds()
    assert {first.next(), first.next()}.isdisjoint({second.next(), second.next()})


async def test_a_model_of_another_kind_is_400_on_chat_before_anything_is_held(
    api: ApiHarness,
) -> None:
    key = await api.register()
    before = await table_snapshot(api.storage)
    response = await api.client.post(
        "/v1/chat/completions", json={**GOOD, "model": "dall-e-3", "key": key}
    )
    error = (await response.json())["error"]
    assert response.status == 400
    assert (error["param"], "image model" in error["message"]) == ("model", True)
    assert await table_snapshot(api.storage) == before
