"""Where a catalog model's token prices come from: genai-prices, then the catalog's fields.

genai-prices (pinned in pyproject.toml) ships a snapshot of the providers' list prices;
this module reads it once per catalog load, never on the request path. The operator's
catalog decides what is sold and may set any price field itself; a field it sets wins over
the list price for that field only. A model neither source prices is unpriced: the reason
is kept, the model is listed as unavailable and its calls are refused before any hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from importlib.metadata import version
from typing import Any

from genai_prices import data_snapshot
from genai_prices.data_units import unit_data
from genai_prices.types import ModelPrice, TieredPrices

from providers.builtin_tools import TOOLS_BY_UNIT
from providers.prices import CATALOG_FIELDS, CATALOG_SOURCE, TOOL_CALLS, ListedPrice, now

#: The list prices' source as shown to operators and users.
SOURCE = f"genai-prices {version('genai-prices')}"

#: A dated snapshot's suffix (`-2025-12-15`): without it, the name of its alias.
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")
#: genai-prices' price keys of a model priced per hour of audio.
_AUDIO_HOUR_KEYS = ("audio_hours", "input_audio_hours")
#: Our provider names that genai-prices spells differently.
_SOURCE_PROVIDERS = {"gemini": "google"}


#: Per how many calls a built-in tool is priced, where genai-prices has no unit for it.
_PER_CALLS = 1000


def _unit(usage_key: str) -> tuple[int, str, Mapping[str, str]]:
    """Per how many of the unit a price is, its direction and its dimensions.

    A built-in tool's calls (genai-prices' `tool_calls` family, or one of ours that it does
    not list) are in the direction `TOOL_CALLS`, apart from tokens and requests."""
    unit = unit_data.get(usage_key)
    if unit is None:
        tool = TOOLS_BY_UNIT[usage_key]  # one of ours (image generations, MCP calls...)
        return _PER_CALLS, TOOL_CALLS, {"family": "tool_calls", "tool_type": tool.name}
    dimensions: Mapping[str, str] = unit["dimensions"]
    if dimensions.get("family") == "tool_calls":
        return int(unit["per"]), TOOL_CALLS, dimensions
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


def per_audio_hour(provider: str, upstream: str) -> Decimal | None:
    """The list price of an hour of input audio for a model priced by the audio's length
    alone (gpt-transcribe, whisper-1), or None for any other (a model that also prices
    tokens is billed by its tokens' usage, which this price alone would undercharge).

    genai-prices gives such a model the same price for `audio_hours` and its more specific
    `input_audio_hours` (a transcription's audio is all input); the higher of the two is
    the price, so a source that ever tells them apart cannot make a call cheaper.
    """
    listed = listed_price(provider, upstream)
    if listed is None or _from_source(listed):
        return None
    hours = [getattr(listed, key, None) for key in _AUDIO_HOUR_KEYS]
    found = [price for price in hours if isinstance(price, Decimal)]
    return max(found) if found else None


def is_free(provider: str, upstream: str) -> bool | None:
    """True when the list prices know the model and price nothing about it (OpenAI's
    moderations), False when they price it, None when they do not know it."""
    listed = listed_price(provider, upstream)
    return None if listed is None else listed == ModelPrice()


def not_free_reason(name: str, provider: str, upstream: str) -> str:
    """Why a model sold as free cannot be, or "" while the list prices list it as free."""
    free = is_free(provider, upstream)
    if free:
        return ""
    listing = "prices" if free is False else "does not list"
    return f"{name} is sold as free, but {SOURCE} {listing} {provider}/{upstream}"


def _from_source(model_price: ModelPrice) -> dict[str, ListedPrice]:
    prices: dict[str, ListedPrice] = {}
    for usage_key in CATALOG_FIELDS:
        if usage_key not in unit_data:
            continue  # a unit of ours: the catalog prices it, never the list
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
    name: str,
    provider: str,
    upstream: str,
    prices: Mapping[str, Any],
    needs_output: bool,
    text_input: bool = False,
) -> str:
    """Why a model cannot be billed, or "" when it can: input priced, and output too for
    models that answer with tokens. `text_input`: the model's input is text only (speech),
    so a price of its text input tokens is its input price."""
    inputs = ("input_tokens", "input_text_tokens") if text_input else ("input_tokens",)
    missing = [] if any(key in prices for key in inputs) else [CATALOG_FIELDS[inputs[-1]]]
    if needs_output and "output_tokens" not in prices:
        missing.append(CATALOG_FIELDS["output_tokens"])
    if not missing:
        return ""
    reason = (
        f"{name} has no price: {SOURCE} does not list {provider}/{upstream} and the catalog "
        f"sets no {' or '.join(missing)}"
    )
    return reason + _alias_hint(provider, upstream)


def _alias_hint(provider: str, upstream: str) -> str:
    """For a dated snapshot whose alias is priced: the operator may sell it, knowingly.

    The snapshot is not sold at its alias's price on its own: a provider may price a new
    snapshot differently, and a guess must never be what a call is billed at.
    """
    alias = _DATED.sub("", upstream)
    if alias == upstream or listed_price(provider, alias) is None:
        return ""
    return (
        f" (its alias {alias} is priced; to sell this snapshot, set its prices in the "
        "catalog once the provider's price for it is known)"
    )
