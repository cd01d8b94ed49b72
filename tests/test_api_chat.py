"""`POST /v1/chat/completions` over the real app and a real fake upstream."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.openai_holds import hold_for_chat
from tests.conftest import OPERATOR_KEY, ApiHarness

pytestmark = pytest.mark.both_databases  # the money rules, over HTTP, on each database

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Say hi"}],
    "temperature": 0.2,
    "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
}


async def test_body_credentials_are_stripped_and_the_rest_forwarded_intact(
    api: ApiHarness,
) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/chat/completions", json={**BODY, "username": "Alice", "key": key}
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert received.body == BODY
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"


async def test_bearer_key_works_and_never_reaches_the_upstream(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert key not in str(received.headers)
    assert key not in str(received.body)


async def test_the_answer_is_the_upstreams_json(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    data = await response.json()
    assert data["choices"][0]["message"]["content"] == api.upstream.reply
    assert data["usage"]["completion_tokens"] == api.upstream.completion_tokens


async def test_a_call_debits_exactly_its_usage_at_the_models_price(api: ApiHarness) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 1000, 2000
    key = await api.register(credit=1_000_000)
    await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    # gpt-4o-mini: 0.15 and 0.60 USD per 1M tokens -> 150 + 1200 = 1350 units
    assert await api.balance() == 1_000_000 - 1350
    rows = await api.storage.database.fetch_all(
        "SELECT amount, model, input_tokens, output_tokens FROM ledger WHERE kind = 'charge'"
    )
    assert [dict(row) for row in rows] == [
        {"amount": -1350, "model": "gpt-4o-mini", "input_tokens": 1000, "output_tokens": 2000}
    ]


async def test_a_success_resets_earlier_strikes(api: ApiHarness) -> None:
    key = await api.register()
    for _ in range(3):
        await api.client.post(
            "/v1/chat/completions", json={**BODY, "username": "alice", "key": "x"}
        )
    await api.client.post("/v1/chat/completions", json={**BODY, "username": "alice", "key": key})
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.strikes == 0


@pytest.mark.parametrize(("upstream_status", "client_status"), [(500, 502), (503, 502)])
async def test_upstream_5xx_is_502_costs_nothing_and_is_no_strike(
    api: ApiHarness, upstream_status: int, client_status: int
) -> None:
    api.upstream.fail_status = upstream_status
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == client_status
    assert (await response.json())["error"]["type"] == "upstream_error"
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved, account.strikes) == (10**6, 0, 0)


async def test_upstream_4xx_passes_the_providers_message_and_is_no_strike(
    api: ApiHarness,
) -> None:
    api.upstream.fail_status = 400
    api.upstream.fail_message = "Invalid value for 'temperature'."
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 400
    assert "Invalid value for 'temperature'." in (await response.json())["error"]["message"]
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.strikes) == (10**6, 0)


async def test_upstream_401_is_the_operators_problem_and_hides_the_key(api: ApiHarness) -> None:
    api.upstream.fail_status = 401
    api.upstream.fail_message = f"Incorrect API key provided: {OPERATOR_KEY}"
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    text = await response.text()
    assert response.status == 503  # the only key is refused: it rests the long rest
    assert response.headers["Retry-After"] == "1800"
    assert OPERATOR_KEY not in text
    assert OPERATOR_KEY[:12] not in text


async def test_upstream_429_on_the_only_key_is_503_until_the_key_is_back(api: ApiHarness) -> None:
    api.upstream.fail_status = 429
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 503
    assert response.headers["Retry-After"] == "60"  # the default rest: no Retry-After came
    assert (await response.json())["error"]["code"] == "upstream_unavailable"


@pytest.mark.parametrize("upstream_read_timeout", [0.2])
async def test_upstream_timeout_is_504_and_costs_nothing(api: ApiHarness) -> None:
    api.upstream.delay = 0.6
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 504
    assert await api.balance() == 10**6


@pytest.mark.parametrize("upstream_url", ["http://127.0.0.1:9/v1"])
async def test_unreachable_upstream_is_502_and_costs_nothing(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 502
    assert await api.balance() == 10**6


async def test_a_hold_larger_than_the_balance_is_402(api: ApiHarness) -> None:
    key = await api.register(credit=100)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    error = (await response.json())["error"]
    assert response.status == 402
    assert error["code"] == "insufficient_balance"
    assert "the balance is 0.0001 USD" in error["message"]  # 100 units
    assert "max_tokens" in error["message"]
    assert "top up" in error["message"]
    assert api.upstream.requests == []


async def test_a_balance_of_exactly_the_hold_is_enough_and_one_unit_less_is_not(
    api: ApiHarness,
) -> None:
    """The gate holds exactly the estimate, no more and no less."""
    hold = hold_for_chat(BODY, load_catalog().get("gpt-4o-mini"))
    short = await api.register(telegram_id=1, name="short", credit=hold - 1)
    enough = await api.register(telegram_id=2, name="enough", credit=hold)
    refused = await api.client.post("/v1/chat/completions", json={**BODY, "key": short})
    served = await api.client.post("/v1/chat/completions", json={**BODY, "key": enough})
    assert (refused.status, served.status) == (402, 200)
    [call] = await api.storage.database.fetch_all("SELECT held FROM calls")
    assert call["held"] == hold


async def test_lowering_max_tokens_makes_a_small_balance_enough(api: ApiHarness) -> None:
    key = await api.register(credit=100)
    response = await api.client.post(
        "/v1/chat/completions", json={**BODY, "key": key, "max_tokens": 50}
    )
    assert response.status == 200


async def test_a_billed_answer_says_its_cost_and_the_balance_left(api: ApiHarness) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 1000, 2000
    key = await api.register(credit=1_000_000)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.headers["X-Myapi-Cost-Units"] == "1350"
    assert response.headers["X-Myapi-Balance-Units"] == str(1_000_000 - 1350)
    assert len(response.headers["X-Request-Id"]) >= 16


async def test_every_call_past_the_gate_leaves_one_usage_record(api: ApiHarness) -> None:
    key = await api.register()
    ok = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    api.upstream.fail_status = 500
    await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    rows = await api.storage.database.fetch_all(
        "SELECT request_id, endpoint, provider, model, status, input_units, output_units, cost "
        "FROM calls ORDER BY id"
    )
    assert [dict(row) for row in rows] == [
        {
            "request_id": ok.headers["X-Request-Id"],
            "endpoint": "/v1/chat/completions",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "status": 200,
            "input_units": 12,
            "output_units": 5,
            "cost": 5,
        },
        {
            "request_id": rows[1]["request_id"],
            "endpoint": "/v1/chat/completions",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "status": 502,
            "input_units": 0,
            "output_units": 0,
            "cost": 0,
        },
    ]


async def test_the_provider_is_asked_for_an_uncompressed_answer(api: ApiHarness) -> None:
    """Answers pass through as bytes and are parsed for usage: no gzip may reach either."""
    key = await api.register()
    await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert api.upstream.requests[0].headers["Accept-Encoding"] == "identity"
