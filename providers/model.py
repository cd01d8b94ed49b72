"""One sellable model and what it costs: the prices, converted once, and the bill of a usage.

Every price here is a whole number of minor units (10^-6 of the currency) per unit it
prices; every cost is integer arithmetic rounded up once, so the service never
undercharges by a rounding. `providers.catalog` builds these from the catalog file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from providers.builtin_tools import BuiltinTool
from providers.prices import TokenPrices, decimal_text
from providers.usage import TokenUsage

_UNITS = 1_000_000  # minor units per currency unit
_PER_MILLION = 1_000_000  # token and character prices are per 1M


class ModelKind(StrEnum):
    CHAT = "chat"
    #: OpenAI's legacy completions (`/v1/completions`): a prompt, not messages.
    COMPLETION = "completion"
    EMBEDDING = "embedding"
    IMAGE = "image"
    SPEECH = "speech"
    TRANSCRIPTION = "transcription"
    #: Free to call (OpenAI's moderations): through the gate, charged nothing.
    MODERATION = "moderation"


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


@dataclass(frozen=True, slots=True)
class Model:
    """One sellable model. Invariant: every price is a non-negative whole number of units.

    `context_window` is the most prompt tokens the provider accepts for this model (it
    refuses a longer prompt), so it bounds every hold's prompt; 0 means unknown, and then a
    prompt part of unknown size cannot be held (the catalog file requires it for chat).

    `max_output_tokens` bounds what one answer can produce. Where the provider documents no
    limit (`max_output_documented` False) it is the whole context window, never a guess
    below it: a hold must cover the longest answer the provider can bill.
    """

    name: str
    provider: str
    upstream: str
    kind: ModelKind = ModelKind.CHAT
    input_per_1m: int = 0
    output_per_1m: int = 0
    max_output_tokens: int = 0
    max_output_documented: bool = True
    per_minute: int = 0
    per_image: int = 0
    image_prices: dict[str, int] = field(default_factory=dict)
    context_window: int = 0
    #: Chat, embeddings, token-billed transcription and GPT image models: each usage
    #: category at its own price (None for other kinds).
    token_prices: TokenPrices | None = None
    #: Why the model cannot be billed ("" when it can): it is listed but not callable.
    unpriced: str = ""
    #: The catalog names of the chat models that stand in, in order, when every key of this
    #: one's provider is resting or failed (checked at load: chat models of the catalog).
    fallbacks: tuple[str, ...] = ()
    #: Where the prices of a model without `token_prices` came from.
    prices_source: str = "catalog"
    #: Served by OpenAI's Responses API only (o1-pro, deep research...): chat refuses it.
    responses_only: bool = False

    def cost(self, input_units: int, output_units: int) -> int:
        """The holds' price: tokens (or characters, for speech) at the per-1M prices,
        rounded up. For token-priced models every input token is at the highest input
        category's price and every output token at the highest output one (tiers included),
        so it is never below `cost_of` a usage with those totals."""
        if self.token_prices is not None:
            return self.token_prices.bound(input_units, output_units)
        micro = input_units * self.input_per_1m + output_units * self.output_per_1m
        return _ceil_div(micro, _PER_MILLION)

    def cost_of(self, usage: TokenUsage) -> int:
        """What a call's usage costs, each category at its own price, rounded up once."""
        if self.token_prices is not None:
            return self.token_prices.cost(usage)
        return self.cost(usage.input_tokens, usage.output_tokens)

    def prices_tool(self, tool: BuiltinTool) -> bool:
        """Whether calls of the built-in tool have a price here (the list's or the
        catalog's): only then may a request give it to the model."""
        return self.token_prices is not None and self.token_prices.tool_price(tool) is not None

    def tool_calls_cost(self, tools: Iterable[BuiltinTool], calls: int) -> int:
        """The holds' price of `calls` built-in tool calls: each at the dearest of `tools`."""
        if self.token_prices is None:
            return 0
        return self.token_prices.tool_calls_bound(tools, calls)

    @property
    def max_input_per_1m(self) -> int:
        """The highest price per 1M of any input category: what a hold prices input at."""
        if self.token_prices is not None:
            return self.token_prices.highest("input")
        return self.input_per_1m

    @property
    def max_output_per_1m(self) -> int:
        """The highest price per 1M of any output category: what a hold prices output at."""
        if self.token_prices is not None:
            return self.token_prices.highest("output")
        return self.output_per_1m

    def price_source(self) -> str:
        """Where the prices came from: genai-prices' version, `catalog`, or both."""
        if self.token_prices is not None and self.token_prices.units:
            return self.token_prices.source()
        return self.prices_source

    def audio_cost(self, seconds: float) -> int:
        """Audio at the per-minute price; a started millisecond counts."""
        milliseconds = _ceil_div(int(seconds * 1000 * 1000), 1000)
        return _ceil_div(milliseconds * self.per_minute, 60_000)

    def image_price(self, size: str, quality: str = "standard") -> int | None:
        """The price of one image, or None when this model has no price for that size."""
        if self.image_prices:
            return self.image_prices.get(f"{size}/{quality}")
        return self.per_image or None

    def prices(self) -> dict[str, str]:
        """The model's prices as decimal strings of the currency, named by what they price."""
        names = {
            ModelKind.CHAT: ("input_per_1m_tokens", "output_per_1m_tokens"),
            ModelKind.EMBEDDING: ("input_per_1m_tokens", "output_per_1m_tokens"),
            ModelKind.SPEECH: ("per_1m_characters", ""),
        }
        if self.token_prices is not None:
            return self.token_prices.shown()
        shown: dict[str, int] = {}
        if self.kind in names:
            input_name, output_name = names[self.kind]
            shown[input_name] = self.input_per_1m
            if output_name and self.output_per_1m:
                shown[output_name] = self.output_per_1m
        elif self.kind is ModelKind.TRANSCRIPTION:
            shown["per_minute"] = self.per_minute
        elif self.kind is ModelKind.MODERATION:
            shown["per_call"] = 0
        elif self.image_prices:
            shown = {f"per_image_{key}": price for key, price in self.image_prices.items()}
        else:
            shown["per_image"] = self.per_image
        return {name: decimal_text(units) for name, units in shown.items()}
