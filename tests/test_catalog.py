"""The catalog data file: decimal prices become integer units once; costs round up."""

from __future__ import annotations

import pytest

from providers.catalog import load_catalog, parse_catalog
from providers.errors import CatalogError, UnknownModelError

ONE = """
[models.m]
provider = "openai"
input_per_1m = "0.15"
output_per_1m = "0.60"
max_output_tokens = 100
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
        (ONE.replace("max_output_tokens = 100\n", ""), "max_output_tokens"),
        ("markup = ", "not valid TOML"),
        ("", "has no models"),
    ],
)
def test_a_broken_catalog_names_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(text)


def test_the_built_in_catalog_loads_and_refuses_unknown_models() -> None:
    catalog = load_catalog()
    assert catalog.get("gpt-4o-mini").provider == "openai"
    with pytest.raises(UnknownModelError):
        catalog.get("gpt-9")
