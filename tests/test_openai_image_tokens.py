"""GPT image models are billed to the token over the real app: the fake provider answers
with OpenAI's `usage`, and the charge is each category at genai-prices' price, within the
hold the request's prompt, size, quality and `n` give."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.image_output import PLANNING_TOKENS
from providers.image_tokens import PROMPT_FRAMING_TOKENS
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.source_prices import source_units

CREDIT = 10**6
PATH = "/v1/images/generations"
PROMPT = "a lighthouse at dusk"  # 20 bytes, 4 words: the fake reports 4 text tokens
CATALOG = load_catalog()


async def generate(api: ApiHarness, credit: int = CREDIT, **body: Any) -> Any:
    key = await api.register(credit=credit)
    payload = {"prompt": PROMPT, **body}
    return await api.client.post(PATH, json=payload, headers={"Authorization": f"Bearer {key}"})


async def breakdown(api: ApiHarness) -> dict[str, Any]:
    [row] = await api.storage.database.fetch_all(
        "SELECT input_units, output_units, cost, held, cache_read_tokens, input_image_tokens, "
        "output_image_tokens FROM calls"
    )
    return dict(row)


@pytest.mark.parametrize(
    ("name", "planning"),
    [
        ("gpt-image-1", 0),  # its output is the picture alone
        ("gpt-image-1-mini", 0),
        ("gpt-image-1.5", 300),  # image output at 32 USD per 1M, planning text at 10
        ("chatgpt-image-latest", 300),
        ("gpt-image-2", 300),
    ],
)
async def test_a_generation_is_charged_its_usage_at_the_list_prices(
    api: ApiHarness, name: str, planning: int
) -> None:
    api.upstream.media.output_image_tokens = 1300
    api.upstream.media.output_text_tokens = planning
    response = await generate(api, model=name, size="1024x1536", quality="medium")
    assert response.status == 200
    usage = TokenUsage(4, 1300 + planning, output_image_tokens=1300)
    cost = source_units(CATALOG.get(name), usage)
    assert response.headers["X-Myapi-Cost-Units"] == str(cost)
    assert await account_state(api) == (CREDIT - cost, 0, 0)
    record = await breakdown(api)
    assert (record["input_units"], record["output_units"]) == (4, 1300 + planning)
    assert (record["cost"], record["output_image_tokens"]) == (cost, 1300)
    assert cost <= record["held"]


async def test_the_hold_is_the_prompt_and_n_images_at_the_highest_prices(
    api: ApiHarness,
) -> None:
    await generate(api, model="gpt-image-1", n=2, size="1024x1024", quality="low")
    [call] = await calls(api)
    prompt = len(PROMPT) + PROMPT_FRAMING_TOKENS
    # input at 10 USD per 1M (image input, the dearest), 2 x 272 image tokens at 40
    # (gpt-image-1 writes no planning text)
    assert call["held"] == prompt * 10 + 2 * 272 * 40
    assert call["cost"] == source_units(
        CATALOG.get("gpt-image-1"), TokenUsage(4, 544, output_image_tokens=544)
    )


async def test_cached_input_and_image_input_are_each_billed_at_their_price(
    api: ApiHarness,
) -> None:
    api.upstream.media.text_tokens = 30
    api.upstream.media.image_input_tokens = 0
    api.upstream.media.cached_tokens = 20
    api.upstream.media.cached_image_tokens = 0
    await generate(api, model="gpt-image-1.5", size="1024x1024", quality="high")
    record = await breakdown(api)
    usage = TokenUsage(30, 4160, cache_read_tokens=20, output_image_tokens=4160)
    assert record["cost"] == source_units(CATALOG.get("gpt-image-1.5"), usage)
    assert (record["cache_read_tokens"], record["output_image_tokens"]) == (20, 4160)


async def test_any_size_of_gpt_image_2_is_held_at_the_guides_calculator(api: ApiHarness) -> None:
    api.upstream.media.output_image_tokens = 5488
    response = await generate(api, model="gpt-image-2", size="1536x1024", quality="high")
    assert response.status == 200
    [received] = api.upstream.requests
    assert (received.body["model"], received.body["size"]) == ("gpt-image-2", "1536x1024")
    [call] = await calls(api)
    # input at 8 USD per 1M, output (the picture and the planning text allowance) at 30
    held = (len(PROMPT) + PROMPT_FRAMING_TOKENS) * 8 + (5488 + PLANNING_TOKENS) * 30
    assert call["held"] == held
    assert call["cost"] == 4 * 5 + 5488 * 30


async def test_an_answer_without_usage_is_charged_the_hold(api: ApiHarness) -> None:
    api.upstream.media.report_image_usage = False
    await generate(api, model="gpt-image-2", size="1024x1024", quality="low")
    [call] = await calls(api)
    assert call["cost"] == call["held"] > 0
    assert await account_state(api) == (CREDIT - call["held"], 0, 0)


async def test_a_usage_above_the_hold_is_charged_as_reported_and_logged(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    api.upstream.media.output_image_tokens = 4160  # a "low" image reported as a high one
    with caplog.at_level(logging.WARNING, logger="api.routes.images"):
        await generate(api, model="gpt-image-1", size="1024x1024", quality="low")
    [call] = await calls(api)
    assert call["cost"] == 4 * 5 + 4160 * 40 > call["held"]
    assert "billed" in caplog.text


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "gpt-image-2.5-flare", "quality": "xhigh"}, "quality", "option_not_priced"),
        ({"model": "gpt-image-2.5-sunburst", "quality": "max"}, "quality", "option_not_priced"),
        ({"model": "gpt-image-2.5-flare"}, "quality", "option_not_priced"),
        ({"model": "gpt-image-2", "output_format": "svg"}, "output_format", "option_not_priced"),
        ({"model": "gpt-image-2", "svg": {"model": "x"}}, "svg", "option_not_priced"),
        ({"model": "gpt-image-2", "output_format": "gif"}, "output_format", "option_not_priced"),
        ({"model": "gpt-image-2", "frame_count": 4}, "frame_count", "option_not_priced"),
        ({"model": "gpt-image-2", "stream": True}, "stream", "option_not_priced"),
        ({"model": "gpt-image-2", "partial_images": 2}, "partial_images", "option_not_priced"),
        ({"model": "gpt-image-2", "size": "1000x1000"}, "size", "invalid_request"),
        ({"model": "gpt-image-1", "size": "512x512"}, "size", "invalid_request"),
        ({"prompt": PROMPT}, "model", "invalid_request"),
    ],
)
async def test_what_cannot_be_bounded_or_made_is_a_400_before_the_gate(
    api: ApiHarness, body: dict[str, Any], param: str, code: str
) -> None:
    response = await generate(api, **body)
    error = (await response.json())["error"]
    assert (response.status, error["param"], error["code"]) == (400, param, code)
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_the_2_5_models_take_the_published_qualities(api: ApiHarness) -> None:
    response = await generate(api, model="gpt-image-2.5-flare-2026-09-08", quality="medium")
    assert response.status == 200
    assert api.upstream.requests[0].body["model"] == "gpt-image-2.5-flare-2026-09-08"


@pytest.mark.parametrize("name", ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"])
async def test_an_unpriced_image_model_answers_503_and_charges_nothing(
    api: ApiHarness, name: str
) -> None:
    response = await generate(api, model=name)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "model_unpriced"
    assert api.upstream.requests == []
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_a_balance_below_the_hold_is_402_and_nothing_is_made(api: ApiHarness) -> None:
    response = await generate(api, credit=100_000, model="gpt-image-1", n=2, quality="high")
    assert response.status == 402  # 2 x 6240 tokens at 40 USD per 1M: 0.4992 USD
    assert api.upstream.requests == []
