"""gpt-image models bill the prompt's tokens besides each image, over the real app.

The fake provider answers a gpt-image generation with OpenAI's `usage` (text and image
input tokens); the gateway bills each image at its catalog price plus the input tokens at
the model's catalog token prices, and holds enough for the longest the prompt can tokenise.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls

CREDIT = 10**6
PATH = "/v1/images/generations"
PROMPT = "a lighthouse at dusk"  # 20 bytes: at most 20 tokens
BODY: dict[str, Any] = {
    "model": "gpt-image-1",
    "prompt": PROMPT,
    "size": "1024x1536",
    "quality": "high",
}
IMAGE = 250_000  # gpt-image-1 1024x1536/high: 0.25 USD
TEXT_PER_1M = 5_000_000  # 5.00 USD per 1M text input tokens
IMAGE_INPUT_PER_1M = 10_000_000  # 10.00 USD per 1M image input tokens


async def generate(api: ApiHarness, **change: Any) -> Any:
    key = await api.register()
    body = {**BODY, **change}
    return await api.client.post(PATH, json=body, headers={"Authorization": f"Bearer {key}"})


def test_the_catalog_prices_gpt_image_input_tokens() -> None:
    model = load_catalog().get("gpt-image-1")
    assert (model.input_per_1m, model.image_input_per_1m) == (TEXT_PER_1M, IMAGE_INPUT_PER_1M)


async def test_the_prompts_text_tokens_are_billed_besides_the_image(api: ApiHarness) -> None:
    api.upstream.media.text_tokens = 7
    response = await generate(api)
    assert response.status == 200
    # 7 tokens at 5.00 USD per 1M: 35 units; the hold covers 20 tokens (one per byte): 100
    assert response.headers["X-Myapi-Cost-Units"] == str(IMAGE + 35)
    [call] = await calls(api)
    assert (call["input_units"], call["output_units"], call["cost"], call["held"]) == (
        7,
        1,
        IMAGE + 35,
        IMAGE + 100,
    )
    assert await account_state(api) == (CREDIT - IMAGE - 35, 0, 0)


async def test_image_input_tokens_are_billed_at_their_own_price(api: ApiHarness) -> None:
    api.upstream.media.text_tokens = 4
    api.upstream.media.image_input_tokens = 3
    await generate(api, n=2)
    [call] = await calls(api)
    # two images, 4 text tokens (20 units) and 3 image tokens (30 units)
    assert (call["input_units"], call["output_units"], call["cost"]) == (7, 2, 2 * IMAGE + 50)


async def test_an_answer_without_usage_is_billed_the_held_bound(api: ApiHarness) -> None:
    api.upstream.media.report_image_usage = False
    await generate(api)
    [call] = await calls(api)
    assert (call["input_units"], call["cost"], call["held"]) == (20, IMAGE + 100, IMAGE + 100)


async def test_the_hold_bounds_the_charge_of_the_longest_prompt(api: ApiHarness) -> None:
    prompt = "ж" * 1000  # 2000 bytes of UTF-8
    api.upstream.media.text_tokens = 2000
    await generate(api, prompt=prompt)
    [call] = await calls(api)
    assert call["cost"] == call["held"] == IMAGE + 2000 * 5


async def test_dall_e_prompts_cost_nothing_besides_the_image(api: ApiHarness) -> None:
    api.upstream.media.text_tokens = 7
    key = await api.register()
    body = {"model": "dall-e-2", "prompt": PROMPT, "size": "256x256"}
    await api.client.post(PATH, json=body, headers={"Authorization": f"Bearer {key}"})
    [call] = await calls(api)
    assert (call["cost"], call["held"]) == (16_000, 16_000)


@pytest.mark.parametrize(
    ("change", "param"), [({"stream": True}, "stream"), ({"partial_images": 2}, "partial_images")]
)
async def test_a_streamed_image_is_refused_before_the_gate(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    response = await generate(api, **change)
    error = (await response.json())["error"]
    assert (response.status, error["param"], error["code"]) == (400, param, "option_not_priced")
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert await account_state(api) == (CREDIT, 0, 0)
