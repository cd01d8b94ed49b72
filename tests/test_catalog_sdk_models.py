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


def served(catalog: Catalog, provider: str) -> list[str]:
    """The SDK's names the catalog serves, by name or as `provider:name`."""
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


def test_the_catalog_serves_most_of_the_anthropic_sdk_models_it_can_price() -> None:
    names = [name for name in SDK_MODELS["anthropic"] if listed_price("anthropic", name)]
    share = len(set(served(load_catalog(), "anthropic")) & set(names)) / len(names)
    assert share >= LEAST_SHARE


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_every_served_sdk_model_is_listed_available(api: ApiHarness, provider: str) -> None:
    response = await api.client.get("/v1/models")
    listed = {model["id"]: model for model in (await response.json())["data"]}
    names = served(load_catalog(), provider)
    unavailable = [
        name
        for name in names
        if not listed.get(name, listed.get(f"{provider}:{name}", {})).get("available")
    ]
    assert unavailable == []


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
