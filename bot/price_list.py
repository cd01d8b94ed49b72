"""What the bot knows about the models: the ones callable now, with their prices, as plain
values that the composition root fills from the provider registry (bot/ never imports
providers/, so the catalog reaches it only as these).

Invariant: every amount is a whole number of minor units (10^-6 of the service's currency),
already with the catalog's markup, so what the bot shows is what a call is billed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: The model the examples call when the service has no model to offer.
FALLBACK_EXAMPLE_MODEL = "echo"


class PricedBy(StrEnum):
    """What a model's price is per, which says how `first` and `second` read."""

    #: `first` per 1M input tokens, `second` per 1M output tokens (0: no output billed).
    TOKENS = "tokens"
    #: `first` per 1M characters of input text (speech).
    CHARACTERS = "characters"
    #: `first` per minute of audio (whisper-1).
    MINUTES = "minutes"
    #: `first` to `second` per image, cheapest to dearest size and quality.
    IMAGES = "images"


@dataclass(frozen=True, slots=True)
class OfferedModel:
    """One model a user can call now, and what it costs.

    `answer_hold` is what a chat call without `max_tokens` holds for its answer (the
    model's whole `max_output_tokens` at its output price); its prompt is held on top.
    0 for models whose hold does not depend on `max_tokens`.
    """

    name: str
    provider: str
    priced_by: PricedBy
    first: int
    second: int = 0
    answer_hold: int = 0
    max_output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class PriceList:
    """The models callable now, grouped by provider in the catalog's order, and the chat
    model the examples call (one of them, or the fallback when there is none)."""

    models: tuple[OfferedModel, ...] = ()
    example_model: str = FALLBACK_EXAMPLE_MODEL
