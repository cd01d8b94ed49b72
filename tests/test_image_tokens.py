"""GPT image models billed to the token, pure: the usage read, each category's price against
genai-prices' own calculation, the hold, and the charge never above it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.catalog import load_catalog
from providers.image_tokens import PROMPT_FRAMING_TOKENS, image_usage, plan_tokens, prompt_tokens
from providers.usage import TokenUsage
from tests.source_prices import source_units

CATALOG = load_catalog()
#: One of each class of image model genai-prices prices: output at one price (gpt-image-1),
#: the cheap one, image output apart from text output (1.5), and the GPT Image 2 family.
MODELS = ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2.5-flare"]
MILLION = 1_000_000
#: One category at a time, each a part of its total as OpenAI reports them.
CATEGORIES = {
    "text input": TokenUsage(MILLION, 0),
    "cached text input": TokenUsage(MILLION, 0, cache_read_tokens=MILLION),
    "image input": TokenUsage(MILLION, 0, input_image_tokens=MILLION),
    "cached image input": TokenUsage(
        MILLION,
        0,
        cache_read_tokens=MILLION,
        input_image_tokens=MILLION,
        cache_read_image_tokens=MILLION,
    ),
    "image output": TokenUsage(0, MILLION, output_image_tokens=MILLION),
    "text output": TokenUsage(0, MILLION),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_costs_what_the_price_source_charges(name: str, category: str) -> None:
    model, usage = CATALOG.get(name), CATEGORIES[category]
    assert model.cost_of(usage) == source_units(model, usage) > 0


def test_the_categories_are_priced_apart() -> None:
    """gpt-image-1.5's list prices: 5, 1.25, 8, 2, 32 and 10 USD per 1M tokens."""
    model = CATALOG.get("gpt-image-1.5")
    prices = [model.cost_of(usage) for usage in CATEGORIES.values()]
    assert prices == [5_000_000, 1_250_000, 8_000_000, 2_000_000, 32_000_000, 10_000_000]


def test_a_mixed_usage_costs_what_the_price_source_charges() -> None:
    usage = image_usage(
        {
            "usage": {
                "input_tokens": 1300,
                "input_tokens_details": {"text_tokens": 300, "image_tokens": 1000},
                "cached_tokens": 500,
                "cached_tokens_details": {"cached_image_tokens": 400, "cached_text_tokens": 100},
                "output_tokens": 4500,
                "output_tokens_details": {"image_tokens": 4160, "text_tokens": 340},
            }
        }
    )
    assert usage is not None
    for name in MODELS:
        assert CATALOG.get(name).cost_of(usage) == source_units(CATALOG.get(name), usage)


@pytest.mark.parametrize(
    ("reported", "usage"),
    [
        (
            {"input_tokens": 9, "output_tokens": 272},
            TokenUsage(9, 272, output_image_tokens=272),
        ),
        (
            {
                "input_tokens": 9,
                "input_tokens_details": {"text_tokens": 4, "image_tokens": 5},
                "output_tokens": 300,
                "output_tokens_details": {"image_tokens": 272, "text_tokens": 28},
            },
            TokenUsage(9, 300, input_image_tokens=5, output_image_tokens=272),
        ),
        (
            {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 4}, "output_tokens": 1},
            TokenUsage(9, 1, cache_read_tokens=4, output_image_tokens=1),
        ),
        (  # a cached total without its split is image tokens first, the dearer cache
            {
                "input_tokens": 9,
                "input_tokens_details": {"image_tokens": 3},
                "cached_tokens": 5,
                "output_tokens": 1,
            },
            TokenUsage(
                9,
                1,
                cache_read_tokens=5,
                input_image_tokens=3,
                output_image_tokens=1,
                cache_read_image_tokens=3,
            ),
        ),
        (  # a detail above its total is cut to it
            {
                "input_tokens": 2,
                "input_tokens_details": {"image_tokens": 7},
                "cached_tokens": 9,
                "output_tokens": 1,
                "output_tokens_details": {"image_tokens": 5},
            },
            TokenUsage(
                2,
                1,
                cache_read_tokens=2,
                input_image_tokens=2,
                output_image_tokens=1,
                cache_read_image_tokens=2,
            ),
        ),
    ],
)
def test_the_reported_usage_is_read_by_category(
    reported: dict[str, Any], usage: TokenUsage
) -> None:
    assert image_usage({"data": [], "usage": reported}) == usage


@pytest.mark.parametrize(
    "reported",
    [
        None,
        {},
        {"input_tokens": 9},
        {"output_tokens": 9},
        {"input_tokens": -1, "output_tokens": 1},
    ],
)
def test_a_usage_without_both_totals_is_no_usage(reported: dict[str, Any] | None) -> None:
    answer: dict[str, Any] = {"data": []} if reported is None else {"data": [], "usage": reported}
    assert image_usage(answer) is None


def test_the_prompt_is_held_at_a_token_per_byte_and_the_framing() -> None:
    assert prompt_tokens({"prompt": "né"}) == 3 + PROMPT_FRAMING_TOKENS
    assert prompt_tokens({}) == PROMPT_FRAMING_TOKENS


def test_the_hold_is_the_prompt_uploads_and_n_images_at_the_highest_prices() -> None:
    model = CATALOG.get("gpt-image-1")
    plan = plan_tokens(model, {"prompt": "x", "n": 2, "size": "1024x1536", "quality": "high"})
    assert (plan.text, plan.image, plan.output) == (1 + PROMPT_FRAMING_TOKENS, 0, 2 * 6240)
    # every input token at 10 USD per 1M (image input), every output token at 40
    assert plan.hold == (1 + PROMPT_FRAMING_TOKENS) * 10 + 2 * 6240 * 40
    edit = plan_tokens(model, {"prompt": "x"}, [(1024, 1024), (512, 512)])
    assert edit.image == 2 * 8192


def test_an_answer_without_usage_is_charged_the_hold() -> None:
    plan = plan_tokens(CATALOG.get("gpt-image-2"), {"prompt": "a cat", "quality": "low"})
    charge = plan.charge({"data": [{}]})
    assert charge.cost == plan.hold
    assert (charge.input_units, charge.output_units) == (plan.text, plan.output)


bounded = st.sampled_from(MODELS).flatmap(
    lambda name: st.tuples(
        st.just(name),
        st.sampled_from(["1024x1024", "1024x1536", "1536x1024", "auto"]),
        st.sampled_from(["low", "medium", "high"]),
        st.integers(1, 10),
        st.text(max_size=200),
    )
)


@given(bounded, st.data())
def test_a_usage_within_the_bounds_never_costs_more_than_the_hold(
    request: tuple[str, str, str, int, str], data: st.DataObject
) -> None:
    name, size, quality, n, prompt = request
    model = CATALOG.get(name)
    plan = plan_tokens(model, {"prompt": prompt, "n": n, "size": size, "quality": quality})
    inputs = data.draw(st.integers(0, plan.text + plan.image))
    image = data.draw(st.integers(0, inputs))
    cached = data.draw(st.integers(0, inputs))
    outputs = data.draw(st.integers(0, plan.output))
    usage = {
        "input_tokens": inputs,
        "input_tokens_details": {"text_tokens": inputs - image, "image_tokens": image},
        "cached_tokens": cached,
        "output_tokens": outputs,
        "output_tokens_details": {"image_tokens": data.draw(st.integers(0, outputs))},
    }
    charge = plan.charge({"data": [{}], "usage": usage})
    assert charge.cost <= plan.hold
    assert charge.usage is not None
    assert charge.cost == source_units(model, charge.usage)
