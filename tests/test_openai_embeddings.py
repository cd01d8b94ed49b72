"""`POST /v1/embeddings` over the real app and the fake upstream."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import OPERATOR_KEY, ApiHarness

BODY: dict[str, Any] = {
    "model": "text-embedding-3-large",
    "input": ["first text", "second text"],
    "encoding_format": "float",
    "dimensions": 4,
}


async def calls(api: ApiHarness) -> list[dict[str, Any]]:
    rows = await api.storage.database.fetch_all(
        "SELECT endpoint, provider, model, status, input_units, output_units, cost, held "
        "FROM calls ORDER BY id"
    )
    return [dict(row) for row in rows]


async def test_the_upstream_gets_the_body_without_credentials(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/embeddings", json={**BODY, "username": "alice", "key": key}
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert received.path == "/v1/embeddings"
    assert received.body == BODY
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_the_client_gets_the_providers_vectors(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/embeddings", json={**BODY, "key": key})
    data = await response.json()
    assert [item["index"] for item in data["data"]] == [0, 1]
    assert data["data"][1]["embedding"] == [0.5, -0.5, 0.125, 1.0]


async def test_a_call_debits_exactly_its_prompt_tokens(api: ApiHarness) -> None:
    api.upstream.prompt_tokens = 50_000
    key = await api.register(credit=1_000_000)
    response = await api.client.post("/v1/embeddings", json={**BODY, "key": key})
    # text-embedding-3-large: 0.13 USD (130_000 units) per 1M tokens -> 50_000 tokens = 6500
    assert response.headers["X-Myapi-Cost-Units"] == "6500"
    assert await api.balance() == 1_000_000 - 6500
    # the hold was one token per byte of input (21 bytes -> 2.73, rounded up to 3); the
    # provider's own count is what is charged
    assert await calls(api) == [
        {
            "endpoint": "/v1/embeddings",
            "provider": "openai",
            "model": "text-embedding-3-large",
            "status": 200,
            "input_units": 50_000,
            "output_units": 0,
            "cost": 6500,
            "held": 3,
        }
    ]


async def test_embeddings_are_served_under_the_openai_prefix_too(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/openai/v1/embeddings", json=BODY, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200
    assert [c["endpoint"] for c in await calls(api)] == ["/openai/v1/embeddings"]


async def test_upstream_400_passes_on_and_costs_nothing(api: ApiHarness) -> None:
    api.upstream.fail_status = 400
    api.upstream.fail_message = "This model does not support specifying dimensions."
    key = await api.register()
    response = await api.client.post("/v1/embeddings", json={**BODY, "key": key})
    assert response.status == 400
    assert "does not support specifying dimensions" in (await response.json())["error"]["message"]
    assert await api.balance() == 10**6


async def test_upstream_500_is_502_and_leaves_no_hold(api: ApiHarness) -> None:
    api.upstream.fail_status = 500
    key = await api.register()
    response = await api.client.post("/v1/embeddings", json={**BODY, "key": key})
    assert response.status == 502
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved, account.strikes) == (10**6, 0, 0)
    assert [(c["status"], c["cost"]) for c in await calls(api)] == [(502, 0)]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({**BODY, "model": "gpt-4o-mini"}, "model"),
        ({**BODY, "input": []}, "input"),
        ({**BODY, "input": {"text": "x"}}, "input"),
    ],
)
async def test_a_wrong_model_or_input_is_400_before_anything_is_written(
    api: ApiHarness, body: dict[str, Any], param: str
) -> None:
    key = await api.register()
    response = await api.client.post("/v1/embeddings", json={**body, "key": key})
    assert response.status == 400
    assert (await response.json())["error"]["param"].startswith(param)
    assert api.upstream.requests == []
    assert await calls(api) == []
