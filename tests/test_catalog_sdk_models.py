"""The catalog serves the chat models today's official SDKs name, as their own types list them.

Users arrive with the newest `openai` and `anthropic` SDKs and call the models those SDKs'
types offer; a name the catalog lacks is a 404 to them. The names are read from the
installed SDKs, so upgrading an SDK re-checks the catalog against its new models.
"""

from __future__ import annotations

import typing
from typing import Any

import pytest
from anthropic.types import Model as AnthropicModel
from openai.types import ChatModel
from openai.types.shared import ResponsesModel

from providers.catalog import Catalog, load_catalog
from providers.list_prices import listed_price
from tests.conftest import ApiHarness

#: The least share of an SDK's names the catalog must serve.
LEAST_SHARE = 0.9


def literal_names(annotation: Any) -> list[str]:
    """The Literal values of a type, through any Union (the open `str` arm adds none)."""
    if typing.get_origin(annotation) is typing.Literal:
        return [str(value) for value in typing.get_args(annotation)]
    if typing.get_origin(annotation) is typing.Union:
        return [name for arm in typing.get_args(annotation) for name in literal_names(arm)]
    return []


SDK_MODELS = {"openai": literal_names(ChatModel), "anthropic": literal_names(AnthropicModel)}
#: The names OpenAI's Responses API takes and its Chat Completions API does not.
RESPONSES_ONLY = sorted(set(literal_names(ResponsesModel)) - set(SDK_MODELS["openai"]))


def served(catalog: Catalog, provider: str) -> list[str]:
    """The SDK's names the catalog knows, by name or as `provider:name`: priced ones are
    sold, unpriced ones listed unavailable with the reason (see below)."""
    return [
        name
        for name in SDK_MODELS[provider]
        if name in catalog.models or f"{provider}:{name}" in catalog.models
    ]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_sdk_names_models_to_check(provider: str) -> None:
    assert len(SDK_MODELS[provider]) >= 10


def test_the_catalog_serves_most_of_the_openai_sdk_chat_models() -> None:
    share = len(served(load_catalog(), "openai")) / len(SDK_MODELS["openai"])
    assert share >= LEAST_SHARE


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_every_sdk_model_the_list_prices_cover_is_served(provider: str) -> None:
    """A name left out is one genai-prices cannot price: the catalog would list it unpriced."""
    left_out = set(SDK_MODELS[provider]) - set(served(load_catalog(), provider))
    assert [name for name in left_out if listed_price(provider, name) is not None] == []


def test_the_catalog_serves_most_of_the_anthropic_sdk_models() -> None:
    share = len(served(load_catalog(), "anthropic")) / len(SDK_MODELS["anthropic"])
    assert share >= LEAST_SHARE


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_sdk_model_is_sold_exactly_when_a_price_is_known(provider: str) -> None:
    """A name with a list price is sold at it; one without is kept, unpriced, with why."""
    catalog = load_catalog()
    for name in served(catalog, provider):
        model = catalog.get(name) if name in catalog.models else catalog.get(f"{provider}:{name}")
        priced = listed_price(provider, model.upstream) is not None
        assert (model.unpriced == "") == priced, name


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_every_priced_sdk_model_is_listed_available_and_the_rest_say_why(
    api: ApiHarness, provider: str
) -> None:
    response = await api.client.get("/v1/models")
    listed = {model["id"]: model for model in (await response.json())["data"]}
    for name in served(load_catalog(), provider):
        entry = listed.get(name, listed.get(f"{provider}:{name}", {}))
        if listed_price(provider, name) is not None:
            assert entry.get("available") is True, name
        else:
            assert entry.get("available") is False, name
            assert "price" in entry.get("reason", ""), name


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_every_served_sdk_model_is_retrieved_by_its_sdk_name(
    api: ApiHarness, provider: str
) -> None:
    for name in served(load_catalog(), provider):
        response = await api.client.get(f"/v1/models/{name}")
        assert response.status == 200, name
        assert (await response.json())["owned_by"] == provider


def test_every_chat_model_bounds_its_output_by_its_window_or_less() -> None:
    """The window holds prompt and answer together: a larger maximum output is a typo."""
    catalog = load_catalog()
    chat = [model for model in catalog.models.values() if model.kind == "chat"]
    assert [m.name for m in chat if m.max_output_tokens > m.context_window] == []


@pytest.mark.parametrize(
    ("path", "name"),
    [("/anthropic/v1/messages", "claude-mythos-5"), ("/v1/chat/completions", "claude-mythos-5-1")],
)
async def test_an_unpriced_sdk_model_answers_503_and_charges_nothing(
    api: ApiHarness, path: str, name: str
) -> None:
    key = await api.register(credit=10**6)
    body = {"model": name, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    response = await api.client.post(path, json={**body, "key": key})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "model_unpriced"
    assert await api.balance() == 10**6
    assert api.upstream.requests == []


def test_the_sdk_names_responses_only_models() -> None:
    assert len(RESPONSES_ONLY) >= 10


def test_every_priced_responses_only_model_is_sold_and_marked_so() -> None:
    """Sold at its list price, and marked, so chat refuses it before the gate."""
    catalog = load_catalog()
    priced = [name for name in RESPONSES_ONLY if listed_price("openai", name) is not None]
    assert priced
    for name in priced:
        model = catalog.get(name)
        assert (model.provider, model.unpriced, model.responses_only) == ("openai", "", True)


def test_no_chat_model_is_marked_responses_only() -> None:
    marked = {m.name for m in load_catalog().models.values() if m.responses_only}
    assert marked - set(RESPONSES_ONLY) == set()
