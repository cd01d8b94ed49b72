"""Which model makes each resolution of the image library: the catalog's `[image_library]`."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError
from providers.image_tokens import PROMPT_FRAMING_TOKENS
from providers.registry import Registry
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.library_calls import FIELDS, START, bearer
from tests.source_prices import source_units

DALL_E_3_1024 = 40_000  # dall-e-3 1024x1024/standard: 0.040 USD
IMAGE_MODELS = """
[models.small]
provider = "openai"
kind = "image"
image_prices = { "256x256/standard" = "0.01" }

[models.flat]
provider = "openai"
kind = "image"
per_image = "0.02"

[models.chatty]
provider = "openai"
input_per_1m = "1"
max_output_tokens = 10
context_window = 100
"""


def test_the_built_in_catalog_makes_every_resolution_with_dall_e_2() -> None:
    assert load_catalog().image_library == {
        "256x256": "dall-e-2",
        "512x512": "dall-e-2",
        "1024x1024": "dall-e-2",
    }


def test_a_priced_size_or_a_flat_price_is_accepted() -> None:
    text = IMAGE_MODELS + '[image_library]\n"256x256" = "small"\n"512x512" = "flat"\n'
    assert parse_catalog(text).image_library == {"256x256": "small", "512x512": "flat"}


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('"256x256" = "nowhere"', "not an image model"),
        ('"256x256" = "chatty"', "not an image model"),
        ('"512x512" = "small"', "no price for that size"),
        ('"256x256" = 3', "not an image model"),
    ],
)
def test_a_wrong_library_entry_is_refused_at_load(entry: str, fragment: str) -> None:
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(f"{IMAGE_MODELS}[image_library]\n{entry}\n")


async def _client_with_library(
    api: ApiHarness, aiohttp_client: AiohttpClient, library: dict[str, str]
) -> Any:
    """The harness's app, but with a catalog whose library maps resolutions differently."""
    catalog = dataclasses.replace(load_catalog(), image_library=library)
    registry = Registry(catalog, api.context.registry.providers)
    context = dataclasses.replace(api.context, registry=registry)
    return await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))


async def test_the_catalogs_model_for_the_resolution_makes_and_prices_the_image(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    client = await _client_with_library(api, aiohttp_client, {"1024x1024": "dall-e-3"})
    key = await api.register()
    fields = {**FIELDS, "resolution": "1024x1024"}
    response = await client.post("/api/v1/images", data=fields, headers=bearer(key))
    assert response.status == 201
    assert (await response.json())["data"]["model"] == "dall-e-3"
    assert api.upstream.requests[0].body["model"] == "dall-e-3"
    assert await account_state(api) == (START - DALL_E_3_1024, 0, 0)


async def test_a_resolution_the_catalog_does_not_offer_is_a_503_that_costs_nothing(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    client = await _client_with_library(api, aiohttp_client, {"1024x1024": "dall-e-3"})
    key = await api.register()
    response = await client.post("/api/v1/images", data=FIELDS, headers=bearer(key))
    assert response.status == 503
    error = (await response.json())["error"]
    assert (error["param"], "256x256" in error["message"]) == ("resolution", True)
    assert api.upstream.requests == []
    assert await account_state(api) == (START, 0, 0)


async def test_a_gpt_image_library_model_is_billed_its_tokens(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    api.upstream.media.text_tokens = 12
    client = await _client_with_library(api, aiohttp_client, {"1024x1024": "gpt-image-1"})
    key = await api.register()
    fields = {**FIELDS, "resolution": "1024x1024"}
    response = await client.post("/api/v1/images", data=fields, headers=bearer(key))
    assert response.status == 201
    # 12 prompt tokens at 5.00 USD per 1M, and the fake's 4160 image tokens (1024x1024 at
    # the quality OpenAI chooses) at 40.00
    usage = TokenUsage(12, 4160, output_image_tokens=4160)
    cost = source_units(load_catalog().get("gpt-image-1"), usage)
    assert (await response.json())["data"]["cost_units"] == cost
    assert await account_state(api) == (START - cost, 0, 0)
    [call] = await calls(api)
    assert (call["input_units"], call["output_units"], call["cost"]) == (12, 4160, cost)
    prompt = len(api.upstream.requests[0].body["prompt"].encode()) + PROMPT_FRAMING_TOKENS
    # the prompt at the dearest input price (image input, 10.00), and the largest 1024x1024
    # image gpt-image-1 makes (high, 4160 tokens) at 40.00
    assert call["held"] == prompt * 10 + 4160 * 40


def test_a_gpt_image_library_model_must_take_the_size() -> None:
    with pytest.raises(CatalogError, match="no price for that size"):
        parse_catalog(
            '[models."gpt-image-1"]\nprovider = "openai"\nkind = "image"\n'
            '[image_library]\n"256x256" = "gpt-image-1"\n'
        )
