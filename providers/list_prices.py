"""Where a catalog model's token prices come from: genai-prices, then the catalog's fields.

genai-prices (pinned in pyproject.toml) ships a snapshot of the providers' list prices;
this module reads it once per catalog load, never on the request path. The operator's
catalog decides what is sold and may set any price field itself; a field it sets wins over
the list price for that field only. A model neither source prices is unpriced: the reason
is kept, the model is listed as unavailable and its calls are refused before any hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from importlib.metadata import version
from typing import Any

from genai_prices import data_snapshot
from genai_prices.data_units import unit_data
from genai_prices.types import ModelPrice, TieredPrices

from providers.prices import CATALOG_FIELDS, CATALOG_SOURCE, ListedPrice, now

#: The list prices' source as shown to operators and users.
SOURCE = f"genai-prices {version('genai-prices')}"

#: Our provider names that genai-prices spells differently.
_SOURCE_PROVIDERS = {"gemini": "google"}


def _unit(usage_key: str) -> tuple[int, str, Mapping[str, str]]:
    unit = unit_data[usage_key]
    dimensions: Mapping[str, str] = unit["dimensions"]
    return int(unit["per"]), dimensions.get("direction", "request"), dimensions


def listed_price(provider: str, upstream: str) -> ModelPrice | None:
    """The model's standard list price today, or None when genai-prices does not know it."""
    source_provider = _SOURCE_PROVIDERS.get(provider, provider)
    try:
        _, info = data_snapshot.get_snapshot().find_provider_model(
            upstream, None, source_provider, None
        )
    except LookupError:
        return None
    return info.get_prices(now())


def _from_source(model_price: ModelPrice) -> dict[str, ListedPrice]:
    prices: dict[str, ListedPrice] = {}
    for usage_key in CATALOG_FIELDS:
        value = getattr(model_price, unit_data[usage_key]["price_key"])
        if value is None:
            continue
        per, direction, dimensions = _unit(usage_key)
        if isinstance(value, TieredPrices):
            tiers = tuple((tier.start, tier.price) for tier in value.tiers)
            prices[usage_key] = ListedPrice(value.base, tiers, per, direction, dimensions, SOURCE)
        else:
            prices[usage_key] = ListedPrice(value, (), per, direction, dimensions, SOURCE)
    return prices


def resolve(
    provider: str, upstream: str, overrides: Mapping[str, Decimal]
) -> dict[str, ListedPrice]:
    """The list prices with the catalog's fields (by usage key) put over them, field by field.

    An override is one flat price: it replaces the list price's tiers for that unit too.
    """
    listed = listed_price(provider, upstream)
    prices = _from_source(listed) if listed is not None else {}
    for usage_key, amount in overrides.items():
        per, direction, dimensions = _unit(usage_key)
        prices[usage_key] = ListedPrice(amount, (), per, direction, dimensions, CATALOG_SOURCE)
    return prices


def unpriced_reason(
    name: str, provider: str, upstream: str, prices: Mapping[str, Any], needs_output: bool
) -> str:
    """Why a model cannot be billed, or "" when it can (input, and output for chat)."""
    missing = [
        CATALOG_FIELDS[key]
        for key in ("input_tokens", "output_tokens")[: 2 if needs_output else 1]
        if key not in prices
    ]
    if not missing:
        return ""
    return (
        f"{name} has no price: {SOURCE} does not list {provider}/{upstream} and the catalog "
        f"sets no {' or '.join(missing)}"
    )
