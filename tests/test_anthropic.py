"""`POST /anthropic/v1/messages` (not streamed) over the real app and a fake Anthropic."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.registry import ProviderConfig
from providers.usage import TokenUsage
from storage.models import Account
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.anthropic import MESSAGE_ID, FakeAnthropic
from tests.source_prices import source_units

PATH = "/anthropic/v1/messages"
BODY: dict[str, Any] = {
    "model": "anthropic:claude-3-5-haiku-latest",
    "max_tokens": 256,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "Say hi"}],
    "temperature": 0.2,
    "metadata": {"user_id": "u-1"},
}
CREDIT = 10**6

pytestmark = pytest.mark.fake_providers("anthropic")


async def account(api: ApiHarness) -> Account:
    found = await api.storage.accounts.by_username("alice")
    assert found is not None
    return found


async def assert_nothing_charged(api: ApiHarness) -> None:
    """The balance is whole, no hold is left behind and no strike was counted."""
    after = await account(api)
    assert (after.balance, after.reserved, after.strikes) == (CREDIT, 0, 0)


async def test_body_credentials_are_stripped_and_the_model_rewritten(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    response = await api.client.post(PATH, json={**BODY, "username": "Alice", "key": key})
    assert response.status == 200
    [received] = fake_anthropic.requests
    assert received.path == "/v1/messages"
    assert received.body == {**BODY, "model": "claude-3-5-haiku-latest"}


async def test_upstream_gets_the_operators_key_and_the_clients_anthropic_headers(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    headers = {
        "x-api-key": key,
        "anthropic-version": "2023-01-01",
        "anthropic-beta": "prompt-caching-2024-07-31",
        "x-stainless-lang": "python",
    }
    response = await api.client.post(PATH, json=BODY, headers=headers)
    assert response.status == 200
    [received] = fake_anthropic.requests
    assert received.headers["x-api-key"] == OPERATOR_KEY
    assert received.headers["anthropic-version"] == "2023-01-01"
    assert received.headers["anthropic-beta"] == "prompt-caching-2024-07-31"
    assert "x-stainless-lang" not in received.headers
    assert key not in str(received.headers)
    assert key not in str(received.body)


async def test_anthropic_version_defaults_when_a_bearer_client_sends_none(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    response = await api.client.post(PATH, json=BODY, headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200
    [received] = fake_anthropic.requests
    assert received.headers["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in received.headers


async def test_the_answer_is_the_upstreams_message(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    response = await api.client.post(PATH, json={**BODY, "key": key})
    message = await response.json()
    assert message["id"] == MESSAGE_ID
    assert message["content"] == [{"type": "text", "text": fake_anthropic.reply}]
    assert message["model"] == "claude-3-5-haiku-latest"
    assert message["usage"] == {"input_tokens": 25, "output_tokens": 9}


async def test_a_call_debits_exactly_its_usage_at_the_models_price(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.input_tokens, fake_anthropic.output_tokens = 1000, 2000
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    # claude-3-5-haiku-latest: 0.80 and 4.00 USD per 1M tokens -> 800 + 8000 = 8800 units
    assert response.headers["X-Myapi-Cost-Units"] == "8800"
    assert response.headers["X-Myapi-Balance-Units"] == str(CREDIT - 8800)
    assert await api.balance() == CREDIT - 8800
    assert (await account(api)).reserved == 0
    rows = await api.storage.database.fetch_all(
        "SELECT request_id, endpoint, provider, model, status, input_units, output_units, cost "
        "FROM calls"
    )
    assert [dict(row) for row in rows] == [
        {
            "request_id": response.headers["X-Request-Id"],
            "endpoint": PATH,
            "provider": "anthropic",
            "model": "claude-3-5-haiku-latest",
            "status": 200,
            "input_units": 1000,
            "output_units": 2000,
            "cost": 8800,
        }
    ]


async def test_cache_writes_and_reads_are_input_billed_at_their_own_prices(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.input_tokens, fake_anthropic.output_tokens = 500, 2000
    fake_anthropic.cache_creation_input_tokens = 300
    fake_anthropic.cache_read_input_tokens = 200
    key = await api.register(credit=CREDIT)
    await api.client.post(PATH, json={**BODY, "key": key})
    row = await api.storage.database.fetch_one("SELECT input_units, cost FROM calls")
    assert row is not None
    usage = TokenUsage(1000, 2000, cache_read_tokens=200, cache_write_tokens=300)
    cost = source_units(load_catalog().get(BODY["model"]), usage)
    assert cost < load_catalog().get(BODY["model"]).cost_of(TokenUsage(1000, 2000))
    assert dict(row) == {"input_units": 1000, "cost": cost}
    assert await api.balance() == CREDIT - cost


async def test_upstream_400_passes_the_providers_message_and_costs_nothing(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fail_status = 400
    fake_anthropic.fail_message = "messages: roles must alternate between user and assistant"
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == 400
    error = (await response.json())["error"]
    assert "roles must alternate between user and assistant" in error["message"]
    await assert_nothing_charged(api)


@pytest.mark.parametrize(
    ("upstream_status", "client_status", "code"),
    [
        # The only key refused: it rests, and the operator must act on its account.
        (401, 503, "provider_unavailable"),
        (403, 503, "provider_unavailable"),
        (500, 502, "upstream_error"),
        (529, 502, "upstream_error"),
    ],
)
async def test_upstream_failures_are_5xx_and_cost_nothing(
    api: ApiHarness,
    fake_anthropic: FakeAnthropic,
    upstream_status: int,
    client_status: int,
    code: str,
) -> None:
    fake_anthropic.fail_status = upstream_status
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == client_status
    body = await response.json()
    assert (body["type"], body["error"]["type"]) == ("error", "api_error")  # Anthropic's shape
    assert body["error"]["code"] == code
    await assert_nothing_charged(api)


async def test_a_wrong_operator_key_upstream_is_503_and_never_shows_that_key(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.api_key = "sk-ant-some-other-key-0123456789"
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == 503  # the only key was refused: it rests
    assert OPERATOR_KEY not in await response.text()
    await assert_nothing_charged(api)


async def test_upstream_429_on_the_only_key_is_503_and_costs_nothing(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fail_status = 429
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "upstream_unavailable"
    await assert_nothing_charged(api)


@pytest.mark.parametrize("upstream_read_timeout", [0.2])
async def test_upstream_timeout_is_504_and_costs_nothing(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.delay = 0.6
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == 504
    await assert_nothing_charged(api)


async def test_a_wrong_key_is_401_and_never_reaches_the_upstream(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": "myapi-wrong"})
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invalid_api_key"
    assert fake_anthropic.requests == []
    assert await api.balance() == CREDIT


async def test_an_unknown_model_is_404_before_anything_is_held(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "model": "claude-9", "key": key})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "model_not_found"
    assert fake_anthropic.requests == []
    await assert_nothing_charged(api)


async def test_a_model_that_is_not_for_chat_is_refused(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    body = {**BODY, "model": "text-embedding-3-small", "key": key}
    response = await api.client.post(PATH, json=body)
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "model"
    assert fake_anthropic.requests == []
    await assert_nothing_charged(api)


async def test_a_provider_without_a_key_is_503_and_costs_nothing(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    configured = api.context.registry.providers["anthropic"]
    unkeyed = ProviderConfig("anthropic", configured.base_url)
    api.context.registry.providers["anthropic"] = unkeyed
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json={**BODY, "key": key})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "provider_unavailable"
    assert fake_anthropic.requests == []
    await assert_nothing_charged(api)


@pytest.mark.parametrize("max_tokens", [None, 0, "256", 2.5, True])
async def test_a_missing_or_invalid_max_tokens_is_400_naming_it(
    api: ApiHarness, fake_anthropic: FakeAnthropic, max_tokens: object
) -> None:
    key = await api.register(credit=CREDIT)
    body = {**BODY, "key": key, "max_tokens": max_tokens}
    if max_tokens is None:
        del body["max_tokens"]
    response = await api.client.post(PATH, json=body)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["param"] == "max_tokens"
    assert "max_tokens" in error["message"]
    assert fake_anthropic.requests == []
    await assert_nothing_charged(api)


async def test_a_hold_larger_than_the_balance_is_402_and_never_reaches_the_upstream(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=1000)
    response = await api.client.post(PATH, json={**BODY, "key": key, "max_tokens": 8192})
    assert response.status == 402
    assert fake_anthropic.requests == []
    assert await api.balance() == 1000


async def test_max_tokens_beyond_the_models_maximum_is_held_at_that_maximum(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    # 8192 output tokens (the model's maximum) at 4.00 per 1M is 32768 units; a hold for
    # the requested million tokens would need 4 000 000.
    key = await api.register(credit=40_000)
    response = await api.client.post(PATH, json={**BODY, "key": key, "max_tokens": 10**6})
    assert response.status == 200
    assert fake_anthropic.requests[0].body["max_tokens"] == 10**6
    assert (await account(api)).reserved == 0
