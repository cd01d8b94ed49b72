"""The catalog sells the image models the `openai` SDK names, at genai-prices' token prices.

The names are read from the installed SDK's `ImageModel`, so upgrading it re-checks the
catalog: a name genai-prices prices is sold per token (dall-e per image, from the catalog,
since genai-prices lists no per-image prices), any other is listed unavailable with why.
"""

from __future__ import annotations

import typing

import pytest
from openai.types import ImageModel

from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError
from providers.list_prices import SOURCE, listed_price
from tests.conftest import ApiHarness

SDK_IMAGE_MODELS = [str(name) for name in typing.get_args(ImageModel)]
PER_IMAGE = ("dall-e-2", "dall-e-3")


def test_the_sdk_names_image_models_to_check() -> None:
    assert {"gpt-image-2", "gpt-image-1.5", "dall-e-2"} <= set(SDK_IMAGE_MODELS)


@pytest.mark.parametrize("name", SDK_IMAGE_MODELS)
def test_every_sdk_image_model_is_in_the_catalog_priced_by_its_source(name: str) -> None:
    model = load_catalog().get(name)
    assert model.kind == "image"
    if name in PER_IMAGE:
        assert listed_price("openai", name) is None  # so the catalog's table prices it
        assert model.image_prices
        assert model.token_prices is None
    elif listed_price("openai", name) is not None:
        assert model.unpriced == ""
        assert model.price_source() == SOURCE
    else:
        assert "has no price" in model.unpriced


async def test_the_models_list_shows_each_sdk_image_model_and_why_not(api: ApiHarness) -> None:
    response = await api.client.get("/v1/models")
    listed = {model["id"]: model for model in (await response.json())["data"]}
    for name in SDK_IMAGE_MODELS:
        priced = name in PER_IMAGE or listed_price("openai", name) is not None
        assert listed[name]["available"] is priced, name
        if not priced:
            assert "price" in listed[name]["reason"]
    assert listed["gpt-image-1.5"]["pricing"]["output_image_per_1m_tokens"] == "32"


CUSTOM = (
    '[models.mine]\nprovider = "openai"\nkind = "image"\ninput_per_1m = "1"\noutput_per_1m = "2"\n'
)


def test_a_token_image_model_without_figures_needs_a_ceiling() -> None:
    assert "max_output_tokens" in parse_catalog(CUSTOM).get("mine").unpriced
    ceiling = parse_catalog(CUSTOM + "max_output_tokens = 5000\n").get("mine")
    assert (ceiling.unpriced, ceiling.max_output_tokens) == ("", 5000)


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('image_input_per_1m = "10"', "renamed input_image_per_1m"),
        ('image_prices = { "1024x1024/low" = "0.01" }', "not both"),
        ('per_image = "0.01"', "not both"),
    ],
)
def test_an_image_model_is_priced_per_image_or_per_token(entry: str, fragment: str) -> None:
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(f"{CUSTOM}{entry}\n")


def test_a_catalog_price_overrides_the_list_price_of_a_gpt_image_model() -> None:
    text = '[models."gpt-image-2"]\nprovider = "openai"\nkind = "image"\n'
    model = parse_catalog(text + 'output_per_1m = "20"\n').get("gpt-image-2")
    assert model.output_per_1m == 20_000_000
    assert "catalog: output_per_1m" in model.price_source()
