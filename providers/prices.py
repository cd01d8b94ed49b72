"""Token prices per usage category: list prices from genai-prices, the catalog's override.

Built once, at catalog load; nothing here parses a price on the request path. Every price
is an integer number of minor units per 1M of its unit (with the markup), so a charge is
integer arithmetic rounded up once.

The categories follow genai-prices' own model of usage: each priced unit (input tokens,
cache reads, cache writes, one-hour cache writes, reasoning, audio and image tokens...) is
billed for its "leaf" count, its usage less the leaves of the more specific priced units
inside it. So uncached input is input less cache reads, cache writes, and audio or image
input when the model prices those apart; reasoning is billed at the output price unless the
model prices it apart. Invariant: for a usage whose parts do not exceed their totals, the
charge equals genai-prices' own calculation for the same usage, rounded up to a unit.

A tier (a long-context price) applies to every token of its unit once the call's input
tokens exceed the tier's start, as genai-prices chooses it.

Built-in tool calls (`providers.builtin_tools`: web and file searches...) are units too,
priced per 1000 calls (`<tool>_per_1k` in the catalog) in their own direction,
`TOOL_CALLS`: `bound` prices tokens and requests, `tool_calls_bound` the calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from operator import attrgetter

from providers.builtin_tools import BUILTIN_TOOLS, BuiltinTool
from providers.usage import TokenUsage

_UNITS = 1_000_000  # minor units per currency unit
_PER = 1_000_000  # every stored price is per 1M of its unit

#: Where a price came from when the operator's catalog gave it.
CATALOG_SOURCE = "catalog"
#: The direction of the built-in tools' units (genai-prices gives them none).
TOOL_CALLS = "tool_calls"
#: What divides a price per 1M of its unit to show it per 1000 (`web_search_per_1k`).
_SHOWN_PER_1K = _PER // 1000


def _text(total: int, *parts: int) -> int:
    return max(0, total - sum(parts))


#: How many of each genai-prices usage unit a TokenUsage holds. A unit not listed here is
#: never reported by our providers, so its count is 0 and it is not billed.
COUNTERS: dict[str, Callable[[TokenUsage], int]] = {
    # A field's count read by `attrgetter` (C), not a lambda: every billed call prices its
    # usage through these.
    "input_tokens": attrgetter("input_tokens"),
    "output_tokens": attrgetter("output_tokens"),
    "cache_read_tokens": attrgetter("cache_read_tokens"),
    "cache_write_tokens": attrgetter("cache_write_tokens"),
    "cache_image_read_tokens": attrgetter("cache_read_image_tokens"),
    "cache_write_5m_tokens": lambda u: _text(u.cache_write_tokens, u.cache_write_1h_tokens),
    "cache_write_1h_tokens": attrgetter("cache_write_1h_tokens"),
    "output_reasoning_tokens": attrgetter("reasoning_tokens"),
    "input_audio_tokens": attrgetter("input_audio_tokens"),
    "output_audio_tokens": attrgetter("output_audio_tokens"),
    "input_image_tokens": attrgetter("input_image_tokens"),
    "output_image_tokens": attrgetter("output_image_tokens"),
    "input_text_tokens": lambda u: _text(
        u.input_tokens, u.input_audio_tokens, u.input_image_tokens
    ),
    "output_text_tokens": lambda u: _text(
        u.output_tokens, u.output_audio_tokens, u.output_image_tokens
    ),
    "requests": lambda u: 1,
    **{tool.usage_key: attrgetter(tool.counter) for tool in BUILTIN_TOOLS},
}

#: The catalog field that prices each unit (a decimal string per 1M tokens, or per 1000
#: requests or tool calls), which is also the name shown in `/v1/models` and `myapi models`
#: (a token price with `_tokens` after it).
CATALOG_FIELDS: dict[str, str] = {
    "input_tokens": "input_per_1m",
    "output_tokens": "output_per_1m",
    "cache_read_tokens": "cache_read_per_1m",
    "cache_write_tokens": "cache_write_per_1m",
    "cache_image_read_tokens": "cache_read_image_per_1m",
    "cache_write_5m_tokens": "cache_write_5m_per_1m",
    "cache_write_1h_tokens": "cache_write_1h_per_1m",
    "output_reasoning_tokens": "reasoning_per_1m",
    "input_audio_tokens": "input_audio_per_1m",
    "output_audio_tokens": "output_audio_per_1m",
    "input_image_tokens": "input_image_per_1m",
    "output_image_tokens": "output_image_per_1m",
    "input_text_tokens": "input_text_per_1m",
    "output_text_tokens": "output_text_per_1m",
    "requests": "per_1k_requests",
    **{tool.usage_key: tool.catalog_field for tool in BUILTIN_TOOLS},
}


@dataclass(frozen=True, slots=True)
class Tier:
    """Above `start` input tokens, every token of the unit costs `per_1m`."""

    start: int
    per_1m: int


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """One priced usage unit. `inner` are the indices (in `TokenPrices.units`) of the more
    specific priced units counted inside this one; they always come before it."""

    usage_key: str
    direction: str
    base: int
    tiers: tuple[Tier, ...]
    source: str
    inner: tuple[int, ...] = ()

    def at(self, input_tokens: int) -> int:
        """The price per 1M for a call of `input_tokens` input tokens."""
        for tier in reversed(self.tiers):
            if input_tokens > tier.start:
                return tier.per_1m
        return self.base

    @property
    def highest(self) -> int:
        return max((self.base, *(tier.per_1m for tier in self.tiers)))

    def highest_up_to(self, input_tokens: int) -> int:
        """The highest price per 1M of any call with at most `input_tokens` input tokens:
        tiers that start above it cannot apply to such a call."""
        reached = (tier.per_1m for tier in self.tiers if input_tokens > tier.start)
        return max((self.base, *reached))


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """A model's priced units, most specific first, and the bounds the holds use.

    Invariant: `cost(usage) <= bound(usage.input_tokens, usage.output_tokens)` whenever
    the usage's parts do not exceed its totals and it calls no built-in tool, since the
    leaves of each direction partition its total and no leaf costs more than the
    direction's highest price; a usage of at most `calls` calls of `tools` costs at most
    `tool_calls_bound(tools, calls)` more.
    """

    units: tuple[UnitPrice, ...]
    #: Each direction's highest price when no unit has tiers (then it depends on nothing
    #: else): the holds read it on every call. None when some unit has tiers.
    _flat_highest: dict[str, int] | None = field(init=False, repr=False, compare=False)
    #: Each unit as `cost` reads it, looked up once: its counter (`COUNTERS`), the indices
    #: of its inner units, and the unit itself.
    _plan: tuple[tuple[Callable[[TokenUsage], int], tuple[int, ...], UnitPrice], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        flat: dict[str, int] | None = None
        if not any(unit.tiers for unit in self.units):
            flat = {}
            for unit in self.units:
                flat[unit.direction] = max(flat.get(unit.direction, 0), unit.base)
        object.__setattr__(self, "_flat_highest", flat)
        plan = tuple((COUNTERS[unit.usage_key], unit.inner, unit) for unit in self.units)
        object.__setattr__(self, "_plan", plan)

    def cost(self, usage: TokenUsage) -> int:
        """Each category at its own price (tier by the call's input), rounded up once."""
        leaves: list[int] = []
        micro = 0
        for counter, inner, unit in self._plan:
            leaf = counter(usage)
            if inner:  # what the more specific units counted is not counted again
                for index in inner:
                    leaf -= leaves[index]
            if leaf < 0:
                leaf = 0
            leaves.append(leaf)
            if leaf:
                micro += leaf * (unit.at(usage.input_tokens) if unit.tiers else unit.base)
        return -(-micro // _PER)

    def highest(self, direction: str, input_tokens: int | None = None) -> int:
        """The highest price per 1M of any unit in that direction: over every tier, or over
        the tiers a call of at most `input_tokens` input tokens can reach."""
        if self._flat_highest is not None:
            return self._flat_highest.get(direction, 0)
        return max(
            (
                unit.highest if input_tokens is None else unit.highest_up_to(input_tokens)
                for unit in self.units
                if unit.direction == direction
            ),
            default=0,
        )

    def bound(self, input_tokens: int, output_tokens: int) -> int:
        """Every input token at the highest input price, every output token at the highest
        output price, plus any per-request price: never below `cost` for a usage of at most
        those totals. A long-context tier counts only when `input_tokens` (the prompt's
        upper bound) passes its start: a smaller prompt can never be billed at it."""
        reach = input_tokens
        micro = input_tokens * self.highest("input", reach)
        micro += output_tokens * self.highest("output", reach)
        return -(-(micro + self.highest("request", reach)) // _PER)

    def price(self, usage_key: str) -> UnitPrice | None:
        return next((unit for unit in self.units if unit.usage_key == usage_key), None)

    def tool_price(self, tool: BuiltinTool) -> int | None:
        """The highest price per 1M calls of a built-in tool; None when it has no price."""
        unit = self.price(tool.usage_key)
        return None if unit is None else unit.highest

    def tool_calls_bound(self, tools: Iterable[BuiltinTool], calls: int) -> int:
        """`calls` calls, each at the dearest price among `tools`, rounded up: never below
        the cost of at most that many calls of those tools. A tool without a price counts
        as free here: the routes refuse it first (`providers.unpriced`)."""
        dearest = max((self.tool_price(tool) or 0 for tool in tools), default=0)
        return -(-(calls * dearest) // _PER)

    def shown(self) -> dict[str, str]:
        """Each price as a decimal string of the currency, per what its name says (1M
        tokens, 1000 requests or tool calls), tiers as `<name>_above_<start>`."""
        shown: dict[str, str] = {}
        for unit in sorted(self.units, key=lambda u: list(CATALOG_FIELDS).index(u.usage_key)):
            name = _shown_name(unit.usage_key)
            per = _SHOWN_PER_1K if "_per_1k" in name else 1
            shown[name] = decimal_text(unit.base, per)
            for tier in unit.tiers:
                shown[f"{name}_above_{tier.start}"] = decimal_text(tier.per_1m, per)
        return shown

    def source(self) -> str:
        """Where the prices came from: one source, or the list price and what overrides it."""
        listed = sorted({unit.source for unit in self.units if unit.source != CATALOG_SOURCE})
        overridden = [
            CATALOG_FIELDS[unit.usage_key] for unit in self.units if unit.source == CATALOG_SOURCE
        ]
        if not listed:
            return CATALOG_SOURCE
        if not overridden:
            return ", ".join(listed)
        return f"{', '.join(listed)}; {CATALOG_SOURCE}: {', '.join(sorted(overridden))}"


def _shown_name(usage_key: str) -> str:
    """The catalog field, and for a token price what it is per (`input_per_1m_tokens`)."""
    field = CATALOG_FIELDS[usage_key]
    return f"{field}_tokens" if field.endswith("_per_1m") else field


def decimal_text(units: int, divisor: int = 1) -> str:
    """Minor units (divided by `divisor`, exactly) as a plain decimal of the currency:
    `10.00` shows as `10`, never `1E+1`."""
    if not units:
        return "0"
    return format((Decimal(units) / divisor / _UNITS).normalize(), "f")


def to_units(amount: Decimal, markup: Decimal, per: int) -> int:
    """A price per `per` of a unit, with the markup, as minor units per 1M, rounded up."""
    scaled = amount * markup * _UNITS * _PER / per
    return int(scaled.to_integral_value(rounding=ROUND_CEILING))


@dataclass(frozen=True, slots=True)
class ListedPrice:
    """A price before conversion: per `per` units, flat or with tiers [(start, price)]."""

    base: Decimal
    tiers: tuple[tuple[int, Decimal], ...]
    per: int
    direction: str
    dimensions: Mapping[str, str]
    source: str


def build(prices: Mapping[str, ListedPrice], markup: Decimal) -> TokenPrices:
    """Convert once, most specific units first, each knowing the priced units inside it."""
    keys = sorted(prices, key=lambda key: (-len(prices[key].dimensions), key))
    units: list[UnitPrice] = []
    for position, key in enumerate(keys):
        listed = prices[key]
        inner = tuple(
            index
            for index, other in enumerate(keys[:position])
            if listed.dimensions.items() <= prices[other].dimensions.items()
        )
        tiers = tuple(
            Tier(start, to_units(price, markup, listed.per)) for start, price in listed.tiers
        )
        base = to_units(listed.base, markup, listed.per)
        units.append(UnitPrice(key, listed.direction, base, tiers, listed.source, inner))
    return TokenPrices(tuple(units))


def now() -> datetime:
    """The moment list prices are resolved for (a price that starts later is not used)."""
    return datetime.now(UTC)
