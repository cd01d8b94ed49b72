"""What an image generation costs besides its images: the prompt's input tokens.

gpt-image models bill their text input tokens (and, for an edit, their image input tokens)
on top of the image itself; dall-e models do not. A model bills its prompt when the catalog
gives it an input token price (`input_per_1m` for text, `image_input_per_1m` for images).

Invariants:
- the hold covers the longest the prompt can tokenise: one token per UTF-8 byte, an upper
  bound for byte-level BPE tokenizers (as embeddings are held), and no image input, which a
  generation cannot carry;
- the bill is the usage the provider's answer reports, each category at its own price,
  rounded up once to a whole unit; an answer that reports no usage is billed the held bound
  (never free); an answer reporting more than was held is billed in full and the billing
  records what the balance could not cover, never forgiving it silently;
- a model without input token prices holds and bills nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from providers.catalog import Model

_PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class InputTokens:
    """Input tokens of one image call by category."""

    text: int = 0
    image: int = 0

    @property
    def total(self) -> int:
        return self.text + self.image


def bills_prompt(model: Model) -> bool:
    return bool(model.input_per_1m or model.image_input_per_1m)


def input_cost(model: Model, tokens: InputTokens) -> int:
    """Each category at its price per 1M tokens, rounded up to a whole unit."""
    micro = tokens.text * model.input_per_1m + tokens.image * model.image_input_per_1m
    return -(-micro // _PER_MILLION)


@dataclass(frozen=True, slots=True)
class PromptBill:
    """The prompt's part of one image call: `bound` is what the hold covers."""

    model: Model
    bound: InputTokens

    @classmethod
    def for_request(cls, model: Model, body: dict[str, Any]) -> PromptBill:
        prompt = body.get("prompt")
        bytes_ = len(prompt.encode()) if isinstance(prompt, str) else 0
        return cls(model, InputTokens(text=bytes_ if bills_prompt(model) else 0))

    @property
    def hold(self) -> int:
        return input_cost(self.model, self.bound)

    def reported(self, data: object) -> InputTokens:
        """The input tokens the answer's `usage` reports (the bound when it reports none)."""
        if not bills_prompt(self.model):
            return InputTokens()
        usage = data.get("usage") if isinstance(data, dict) else None
        if not isinstance(usage, dict):
            return self.bound
        total = _count(usage.get("input_tokens"))
        details = usage.get("input_tokens_details")
        if not isinstance(details, dict):
            return InputTokens(text=total) if total is not None else self.bound
        text, image = _count(details.get("text_tokens")), _count(details.get("image_tokens"))
        if text is None and image is None:
            return InputTokens(text=total) if total is not None else self.bound
        return InputTokens(text=text or 0, image=image or 0)

    def cost(self, tokens: InputTokens) -> int:
        return input_cost(self.model, tokens)


def _count(value: object) -> int | None:
    """A reported token count; anything but a non-negative integer counts as not reported."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
