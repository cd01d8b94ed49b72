"""Model fallbacks the catalog declares: tried in order when every key of a model is resting
or failed, billed at the price of the model that answered, which the client is told.

The catalog here prices each model of the chain differently, so a charge shows which model
was billed; every provider has keys of its own at the one fake, which tells them apart.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import Catalog, Model, parse_catalog
from providers.openai_holds import hold_for_chat
from providers.registry import ProviderConfig
from providers.upstream_keys import UpstreamKey
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.fakes.key_faults import KeyFault
from tests.keyed import KEY_A, KEY_B, keyed, one_call_billed
from tests.ledger import calls

ROUTER_KEY = "sk-or-router-0123456789abcdefgh"
GROQ_KEY = "gsk-groq-0123456789abcdefghijkl"
CATALOG_TEXT = """
[models."gpt-4o-mini"]
provider = "openai"
max_output_tokens = 1000
context_window = 128000
input_per_1m = "1.00"
output_per_1m = "2.00"
fallbacks = ["openrouter:openai/gpt-4o-mini", "groq:llama-3.1-8b-instant"]

[models."openrouter:openai/gpt-4o-mini"]
provider = "openrouter"
max_output_tokens = 4000
context_window = 128000
input_per_1m = "3.00"
output_per_1m = "6.00"

[models."groq:llama-3.1-8b-instant"]
provider = "groq"
max_output_tokens = 2000
context_window = 131072
input_per_1m = "0.10"
output_per_1m = "0.40"
"""
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
USAGE = TokenUsage(12, 5)  # the fake's


@pytest.fixture
def catalog() -> Catalog:
    return parse_catalog(CATALOG_TEXT)


@pytest.fixture
def provider_configs(
    provider_configs: dict[str, ProviderConfig], provider_urls: dict[str, str]
) -> dict[str, ProviderConfig]:
    """OpenAI with keys a and b; OpenRouter and Groq with one key each, all at the fake."""
    url = provider_urls["openai"]
    return {
        **provider_configs,
        "openai": keyed("openai", url),
        "openrouter": ProviderConfig(
            "openrouter", url, (UpstreamKey("openrouter", "or", ROUTER_KEY, url),)
        ),
        "groq": ProviderConfig("groq", url, (UpstreamKey("groq", "groq", GROQ_KEY, url),)),
    }


def model(api: ApiHarness, name: str) -> Model:
    return api.context.registry.catalog.get(name)


def chain_hold(api: ApiHarness) -> int:
    names = ("gpt-4o-mini", "openrouter:openai/gpt-4o-mini", "groq:llama-3.1-8b-instant")
    return max(hold_for_chat(BODY, model(api, name)) for name in names)


def refuse(api: ApiHarness, *keys: str) -> None:
    for key in keys:
        api.upstream.keys.faults[key] = KeyFault(429, retry_after="30")


@pytest.fixture
async def alice(api: ApiHarness) -> str:
    """alice's key (10**6 units of credit)."""
    return await api.register()


async def test_the_first_model_answers_when_it_can_and_says_so(
    api: ApiHarness, alice: str
) -> None:
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    assert response.status == 200
    assert response.headers["X-Myapi-Model"] == "gpt-4o-mini"
    assert (await response.json())["model"] == "gpt-4o-mini"
    call = await one_call_billed(api)
    assert (call["model"], call["cost"]) == (
        "gpt-4o-mini",
        model(api, "gpt-4o-mini").cost_of(USAGE),
    )


async def test_a_fallback_answers_when_every_key_of_the_model_refuses(
    api: ApiHarness, alice: str
) -> None:
    refuse(api, KEY_A, KEY_B)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    assert response.status == 200
    assert response.headers["X-Myapi-Model"] == "openrouter:openai/gpt-4o-mini"
    assert (await response.json())["model"] == "openai/gpt-4o-mini"  # the provider's name
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, ROUTER_KEY]
    fallback = model(api, "openrouter:openai/gpt-4o-mini")
    call = await one_call_billed(api)
    assert (call["provider"], call["model"]) == ("openrouter", fallback.name)
    assert call["cost"] == fallback.cost_of(USAGE)
    assert response.headers["X-Myapi-Cost-Units"] == str(fallback.cost_of(USAGE))


async def test_fallbacks_are_tried_in_the_declared_order(api: ApiHarness, alice: str) -> None:
    refuse(api, KEY_A, KEY_B, ROUTER_KEY)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    assert response.status == 200
    assert response.headers["X-Myapi-Model"] == "groq:llama-3.1-8b-instant"
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, ROUTER_KEY, GROQ_KEY]
    call = await one_call_billed(api)
    assert call["cost"] == model(api, "groq:llama-3.1-8b-instant").cost_of(USAGE)


async def test_the_hold_covers_the_dearest_model_of_the_chain(api: ApiHarness, alice: str) -> None:
    primary = hold_for_chat(BODY, model(api, "gpt-4o-mini"))
    dearest = hold_for_chat(BODY, model(api, "openrouter:openai/gpt-4o-mini"))
    assert dearest > primary  # so the test tells them apart
    await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    [call] = await calls(api)
    assert call["held"] == chain_hold(api) == dearest


async def test_a_model_whose_keys_rest_is_skipped_without_being_asked(
    api: ApiHarness, alice: str
) -> None:
    refuse(api, KEY_A, KEY_B)
    await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    assert response.headers["X-Myapi-Model"] == "openrouter:openai/gpt-4o-mini"
    assert api.upstream.keys.attempts == [KEY_A, KEY_B, ROUTER_KEY, ROUTER_KEY]


async def test_when_every_model_is_exhausted_the_call_is_503_and_free(
    api: ApiHarness, alice: str
) -> None:
    refuse(api, KEY_A, KEY_B, ROUTER_KEY, GROQ_KEY)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": alice})
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    message = (await response.json())["error"]["message"]
    assert "gpt-4o-mini or openrouter:openai/gpt-4o-mini or groq:llama-3.1-8b-instant" in message
    call = await one_call_billed(api)
    assert (call["status"], call["cost"]) == (503, 0)
    assert await api.balance() == 10**6


async def test_a_stream_is_served_and_billed_by_the_fallback(api: ApiHarness, alice: str) -> None:
    refuse(api, KEY_A, KEY_B)
    body = {**BODY, "stream": True, "key": alice}
    response = await api.client.post("/v1/chat/completions", json=body)
    text = await response.text()
    assert response.headers["X-Myapi-Model"] == "openrouter:openai/gpt-4o-mini"
    assert '"model": "openai/gpt-4o-mini"' in text
    [call] = await api.settled_calls()
    assert call["model"] == "openrouter:openai/gpt-4o-mini"
    assert call["cost"] == model(api, "openrouter:openai/gpt-4o-mini").cost_of(USAGE)


async def test_a_replay_names_the_model_that_answered(api: ApiHarness, alice: str) -> None:
    refuse(api, KEY_A, KEY_B)
    headers = {"Idempotency-Key": "fallback-1"}
    body = {**BODY, "key": alice}
    first = await api.client.post("/v1/chat/completions", json=body, headers=headers)
    again = await api.client.post("/v1/chat/completions", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Myapi-Model"] == first.headers["X-Myapi-Model"]
    assert again.headers["X-Myapi-Model"] == "openrouter:openai/gpt-4o-mini"
