"""The catalog data file: decimal prices become integer units once; costs round up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.settings import Settings
from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError, UnknownModelError

ONE = """
[models.m]
provider = "openai"
input_per_1m = "0.15"
output_per_1m = "0.60"
max_output_tokens = 100
context_window = 1000
"""


def test_prices_become_units_per_million_tokens() -> None:
    model = parse_catalog(ONE).get("m")
    assert (model.input_per_1m, model.output_per_1m, model.upstream) == (150_000, 600_000, "m")


def test_a_cost_rounds_up_to_the_next_unit() -> None:
    model = parse_catalog(ONE).get("m")
    assert model.cost(1, 0) == 1  # 0.15 units
    assert model.cost(12, 5) == 5  # 4.8 units
    assert model.cost(1000, 2000) == 1350


def test_markup_multiplies_every_price() -> None:
    model = parse_catalog('markup = "1.5"\n' + ONE).get("m")
    assert (model.input_per_1m, model.output_per_1m) == (225_000, 900_000)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (ONE.replace('"0.15"', "0.15"), "decimal strings"),
        (ONE.replace('"0.15"', '"cheap"'), "not a decimal"),
        (ONE.replace('"0.15"', '"-1"'), "negative"),
        (ONE.replace("max_output_tokens = 100", "max_output_tokens = 0"), "max_output_tokens"),
        (ONE.replace("context_window = 1000\n", ""), "context_window"),
        (ONE.replace("context_window = 1000", 'context_window = "big"'), "context_window"),
        ("markup = ", "not valid TOML"),
        ("", "has no models"),
    ],
)
def test_a_broken_catalog_names_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(text)


def test_a_chat_model_without_a_documented_output_limit_holds_its_whole_window() -> None:
    """No guess below the window: an answer may be as long as the provider lets it be."""
    model = parse_catalog(ONE.replace("max_output_tokens = 100\n", "")).get("m")
    assert (model.max_output_tokens, model.max_output_documented) == (1000, False)
    assert model.cost(0, model.max_output_tokens) == model.cost(0, model.context_window)
    documented = parse_catalog(ONE).get("m")
    assert (documented.max_output_tokens, documented.max_output_documented) == (100, True)


def test_the_built_in_catalog_states_no_output_limit_it_does_not_know() -> None:
    """Where the catalog says an output limit is undocumented, none is written down."""
    catalog = load_catalog()
    undocumented = [m for m in catalog.models.values() if not m.max_output_documented]
    assert {"gpt-6-astra", "gemini-3.5-flash", "gpt-6.2-sol"} <= {m.name for m in undocumented}
    assert all(m.max_output_tokens == m.context_window > 0 for m in undocumented)


@pytest.mark.parametrize(
    ("upstream", "why"),
    [("gpt-4o-mini", "prices openai/gpt-4o-mini"), ("content-filter-9", "does not list")],
)
def test_a_moderation_model_is_free_only_while_the_list_prices_say_so(
    upstream: str, why: str
) -> None:
    """Sold as free only what the provider gives free: anything else is unavailable."""
    text = f'[models.mod]\nprovider = "openai"\nkind = "moderation"\nupstream = "{upstream}"\n'
    assert why in parse_catalog(text).get("mod").unpriced
    assert load_catalog().get("omni-moderation-latest").unpriced == ""


def test_the_built_in_catalog_loads_and_refuses_unknown_models() -> None:
    catalog = load_catalog()
    assert catalog.get("gpt-4o-mini").provider == "openai"
    with pytest.raises(UnknownModelError):
        catalog.get("gpt-9")


def test_a_provider_colon_model_name_finds_the_entry_by_upstream_name() -> None:
    catalog = load_catalog()
    model = catalog.get("groq:llama-3.1-8b-instant")
    assert (model.provider, model.upstream) == ("groq", "llama-3.1-8b-instant")
    assert catalog.get("openai:gpt-4o-mini").name == "gpt-4o-mini"
    with pytest.raises(UnknownModelError):
        catalog.get("groq:not-a-model")


def test_prices_by_kind() -> None:
    catalog = load_catalog()
    assert catalog.get("dall-e-3").image_price("1024x1792", "hd") == 120_000
    assert catalog.get("dall-e-3").image_price("512x512", "hd") is None
    assert catalog.get("stable-diffusion-xl-1024-v1-0").image_price("1024x1024") == 6000
    assert catalog.get("tts-1").cost(1000, 0) == 15_000  # 1000 characters at 15.00 per 1M
    assert catalog.get("whisper-1").audio_cost(90.0) == 9000  # 1.5 minutes at 0.006
    assert catalog.get("whisper-1").audio_cost(0.001) == 1  # a started unit is charged


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(CatalogError, match="kind"):
        parse_catalog(ONE.replace('provider = "openai"', 'provider = "openai"\nkind = "video"'))


def test_the_operators_markup_multiplies_the_files_own() -> None:
    model = parse_catalog('markup = "1.5"\n' + ONE, Decimal("1.2")).get("m")
    assert (model.input_per_1m, model.output_per_1m) == (270_000, 1_080_000)


def test_price_markup_reaches_the_served_catalog() -> None:
    settings = Settings(_env_file=None, price_markup="2", database_url="sqlite:///x.db")
    assert load_catalog(None, settings.price_markup).get("gpt-4o-mini").input_per_1m == 300_000
