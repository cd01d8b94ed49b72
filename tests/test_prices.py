"""Token prices: each usage category (and built-in tool call) at genai-prices' own price,
the catalog's override per field, the hold above every charge, and an unpriced model
refused."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from providers.catalog import load_catalog, parse_catalog
from providers.list_prices import SOURCE
from providers.usage import TokenUsage
from tests.source_prices import source_units

CATALOG = load_catalog()
#: Every token-priced model whose list price comes from genai-prices.
LISTED = [
    model
    for model in CATALOG.models.values()
    if model.token_prices is not None and model.price_source() == SOURCE
]


@st.composite
def usages(draw: st.DrawFn) -> TokenUsage:
    """A usage whose parts never exceed their totals (tiers' thresholds included)."""
    reads = draw(st.integers(0, 300_000))
    writes_1h = draw(st.integers(0, 100_000))
    writes = writes_1h + draw(st.integers(0, 100_000))
    audio_in = draw(st.integers(0, 50_000))
    image_in = draw(st.integers(0, 50_000))
    text_in = draw(st.integers(0, 300_000))
    reasoning = draw(st.integers(0, 50_000))
    audio_out = draw(st.integers(0, 20_000))
    image_out = draw(st.integers(0, 20_000))
    output = reasoning + audio_out + image_out + draw(st.integers(0, 60_000))
    return TokenUsage(
        input_tokens=reads + writes + audio_in + image_in + text_in,
        output_tokens=output,
        cache_read_tokens=reads,
        cache_write_tokens=writes,
        cache_write_1h_tokens=writes_1h,
        reasoning_tokens=reasoning,
        input_audio_tokens=audio_in,
        output_audio_tokens=audio_out,
        input_image_tokens=image_in,
        output_image_tokens=image_out,
    )


@st.composite
def usages_with_tool_calls(draw: st.DrawFn) -> TokenUsage:
    """A usage as above, with built-in tool calls (searches) beside its tokens."""
    usage = draw(usages())
    searches = st.integers(0, 50)
    return usage._replace(web_search_calls=draw(searches), file_search_calls=draw(searches))


@settings(max_examples=60, deadline=None)
@given(usage=usages_with_tool_calls())
def test_every_listed_model_charges_what_genai_prices_calculates(usage: TokenUsage) -> None:
    assert len(LISTED) >= 20
    for model in LISTED:
        assert model.cost_of(usage) == source_units(model, usage), model.name


@settings(max_examples=60, deadline=None)
@given(usage=usages())
def test_the_hold_price_is_never_below_the_charge(usage: TokenUsage) -> None:
    for model in CATALOG.models.values():
        if model.token_prices is not None:
            hold = model.cost(usage.input_tokens, usage.output_tokens)
            assert model.cost_of(usage) <= hold, model.name


def test_a_long_context_call_pays_the_tier_price_for_every_token() -> None:
    model = CATALOG.get("gemini-2.5-pro")
    assert model.token_prices is not None
    unit = model.token_prices.price("input_tokens")
    assert unit is not None
    assert unit.tiers
    start, above = unit.tiers[0].start, unit.tiers[0].per_1m
    assert model.cost_of(TokenUsage(start + 1, 0)) == -(-(start + 1) * above // 1_000_000)


def test_cache_reads_and_one_hour_writes_have_their_own_prices() -> None:
    model = CATALOG.get("claude-opus-4-1")
    prices = model.prices()
    usage = TokenUsage(
        3_000_000,
        0,
        cache_read_tokens=1_000_000,
        cache_write_tokens=2_000_000,
        cache_write_1h_tokens=1_000_000,
    )
    per = {
        name: Decimal(prices[f"{name}_tokens"])
        for name in ("cache_read_per_1m", "cache_write_per_1m", "cache_write_1h_per_1m")
    }
    expected = per["cache_read_per_1m"] + per["cache_write_per_1m"] + per["cache_write_1h_per_1m"]
    assert model.cost_of(usage) == int(expected * 1_000_000)


_OVERRIDE = """
[models."gpt-4o"]
provider = "openai"
output_per_1m = "99.00"
cache_read_per_1m = "0.01"
max_output_tokens = 16384
context_window = 128000

[models."qwen:unknown-model"]
provider = "qwen"
max_output_tokens = 8192
context_window = 131072
"""


def test_an_operator_price_wins_for_its_field_only() -> None:
    listed = CATALOG.get("gpt-4o")
    model = parse_catalog(_OVERRIDE).get("gpt-4o")
    assert (model.output_per_1m, model.input_per_1m) == (99_000_000, listed.input_per_1m)
    assert model.prices()["cache_read_per_1m_tokens"] == "0.01"
    assert model.price_source() == f"{SOURCE}; catalog: cache_read_per_1m, output_per_1m"
    assert model.cost_of(TokenUsage(0, 1_000_000)) == 99_000_000


def test_a_model_no_source_prices_is_unpriced_with_the_reason() -> None:
    model = parse_catalog(_OVERRIDE).get("qwen:unknown-model")
    assert "has no price" in model.unpriced
    assert "input_per_1m or output_per_1m" in model.unpriced


def test_prices_are_shown_as_plain_decimals() -> None:
    assert CATALOG.get("gpt-4o").prices()["output_per_1m_tokens"] == "10"
    assert "E" not in "".join(CATALOG.get("gpt-4").prices().values())


@settings(max_examples=60, deadline=None)
@given(usage=usages(), slack=st.integers(0, 200_000))
def test_a_hold_for_a_larger_prompt_bound_is_never_below_the_charge(
    usage: TokenUsage, slack: int
) -> None:
    """The hold prices the prompt's upper bound, which a call's real input never exceeds."""
    for model in CATALOG.models.values():
        if model.token_prices is not None:
            hold = model.cost(usage.input_tokens + slack, usage.output_tokens)
            assert model.cost_of(usage) <= hold, model.name


def test_a_prompt_bound_below_a_tier_is_held_at_the_base_price() -> None:
    """A long-context tier is held only when the prompt's bound can reach it."""
    model = CATALOG.get("gemini-2.5-pro")
    assert model.token_prices is not None
    unit = model.token_prices.price("input_tokens")
    assert unit is not None
    start, base = unit.tiers[0].start, unit.base
    assert unit.tiers[0].per_1m > base
    assert model.cost(start, 0) == -(-start * base // 1_000_000)
    assert model.cost(start + 1, 0) == -(-(start + 1) * unit.tiers[0].per_1m // 1_000_000)
