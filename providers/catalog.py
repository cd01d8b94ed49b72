"""The model catalog: which models exist, who serves them, and what they cost.

Prices are read from a TOML data file (the built-in `catalog.toml`, or the operator's
CATALOG_FILE) as decimal strings and converted once, at load, into integer minor units per
million tokens. After that no float or Decimal touches the request path: a cost is integer
arithmetic rounded up, so the service never undercharges by a rounding.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import Any

from providers.errors import CatalogError, UnknownModelError

_UNITS = 1_000_000  # minor units per currency unit
_TOKENS_PER_PRICE = 1_000_000  # prices are per 1M tokens


@dataclass(frozen=True, slots=True)
class Model:
    """One sellable model. Invariant: prices are non-negative whole units per 1M tokens."""

    name: str
    provider: str
    upstream: str
    input_per_1m: int
    output_per_1m: int
    max_output_tokens: int

    def cost(self, input_tokens: int, output_tokens: int) -> int:
        """The exact price of a call in minor units, rounded up to the next unit."""
        micro = input_tokens * self.input_per_1m + output_tokens * self.output_per_1m
        return -(-micro // _TOKENS_PER_PRICE)


@dataclass(frozen=True, slots=True)
class Catalog:
    models: dict[str, Model]

    def get(self, name: str) -> Model:
        model = self.models.get(name)
        if model is None:
            raise UnknownModelError(name)
        return model


def _price(value: object, markup: Decimal, where: str) -> int:
    if not isinstance(value, str):
        raise CatalogError(f'{where}: prices are decimal strings such as "0.15", got {value!r}')
    try:
        amount = Decimal(value)
    except InvalidOperation as error:
        raise CatalogError(f"{where}: {value!r} is not a decimal number") from error
    if amount < 0:
        raise CatalogError(f"{where}: a price cannot be negative")
    return int((amount * markup * _UNITS).to_integral_value(rounding=ROUND_CEILING))


def _model(name: str, entry: dict[str, Any], markup: Decimal) -> Model:
    try:
        max_output = int(entry["max_output_tokens"])
        return Model(
            name=name,
            provider=str(entry["provider"]),
            upstream=str(entry.get("upstream", name)),
            input_per_1m=_price(entry["input_per_1m"], markup, f"{name}.input_per_1m"),
            output_per_1m=_price(entry["output_per_1m"], markup, f"{name}.output_per_1m"),
            max_output_tokens=max_output,
        )
    except KeyError as error:
        raise CatalogError(f"model {name!r} lacks the field {error.args[0]!r}") from error


def parse_catalog(text: str) -> Catalog:
    """Build a catalog from TOML text; every problem is a CatalogError naming the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"the catalog is not valid TOML: {error}") from error
    markup = Decimal(str(data.get("markup", "1")))
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise CatalogError("the catalog has no models: add [models.<name>] tables")
    return Catalog({name: _model(name, entry, markup) for name, entry in models.items()})


def load_catalog(path: Path | None = None) -> Catalog:
    """The operator's catalog file when given, else the one shipped with the package."""
    if path is not None:
        return parse_catalog(path.read_text(encoding="utf-8"))
    return parse_catalog(files("providers").joinpath("catalog.toml").read_text("utf-8"))
