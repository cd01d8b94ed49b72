"""The pure prompt pricing of `providers.image_tokens`: what is held and what is billed."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.image_tokens import InputTokens, PromptBill

CATALOG = load_catalog()
GPT_IMAGE = CATALOG.get("gpt-image-1")


def test_the_bound_is_one_token_per_byte_of_the_prompt() -> None:
    bill = PromptBill.for_request(GPT_IMAGE, {"prompt": "né"})  # 3 bytes
    assert bill.bound == InputTokens(text=3)
    assert bill.hold == 15


def test_a_model_without_token_prices_holds_and_bills_nothing() -> None:
    bill = PromptBill.for_request(CATALOG.get("dall-e-3"), {"prompt": "a cat"})
    assert bill.hold == 0
    assert bill.reported({"usage": {"input_tokens": 9}}) == InputTokens()


@pytest.mark.parametrize(
    ("usage", "tokens"),
    [
        ({"input_tokens": 9}, InputTokens(text=9)),
        ({"input_tokens": 9, "input_tokens_details": {}}, InputTokens(text=9)),
        (
            {"input_tokens": 9, "input_tokens_details": {"text_tokens": 4, "image_tokens": 5}},
            InputTokens(text=4, image=5),
        ),
        ({"input_tokens_details": {"text_tokens": 4}}, InputTokens(text=4)),
        ({"input_tokens": True}, InputTokens(text=5)),
        ({"input_tokens": -1}, InputTokens(text=5)),
        (None, InputTokens(text=5)),
    ],
)
def test_the_reported_usage_is_read_by_category_else_the_bound(
    usage: dict[str, Any] | None, tokens: InputTokens
) -> None:
    bill = PromptBill.for_request(GPT_IMAGE, {"prompt": "a cat"})  # bound: 5
    answer: dict[str, Any] = {"data": []} if usage is None else {"data": [], "usage": usage}
    assert bill.reported(answer) == tokens


def test_each_category_is_priced_at_its_own_rate_and_rounded_up_once() -> None:
    bill = PromptBill.for_request(GPT_IMAGE, {"prompt": "x"})
    # 5.00 and 10.00 USD per 1M: 5 and 10 units a token
    assert bill.cost(InputTokens(text=3, image=2)) == 35
    assert PromptBill.for_request(GPT_IMAGE, {}).hold == 0
