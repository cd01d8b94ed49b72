"""The model catalog: which models exist, who serves them, and what they cost.

Prices are read from a TOML data file (the built-in `catalog.toml`, or the operator's
CATALOG_FILE) as decimal strings and converted once, at load, into integer minor units
(`providers.catalog_models` parses each model, `providers.catalog_tables` the tables beside
them). After that no float or Decimal touches the request path: every cost is integer
arithmetic rounded up, so the service never undercharges by a rounding.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

from providers.catalog_models import parse_model
from providers.catalog_tables import (
    alias_prefixes,
    aliases,
    check_fallbacks,
    example_models,
    image_library,
)
from providers.errors import CatalogError, UnknownModelError
from providers.model import Model as Model
from providers.model import ModelKind as ModelKind
from providers.upstream_keys import KeySpec, parse_key_specs

#: A few searches, or a search and a look at a page or two, in one response.
DEFAULT_MAX_TOOL_CALLS = 4


@dataclass(frozen=True, slots=True)
class Catalog:
    """The models by name; `image_library` maps each resolution of the image library
    (seed 004's `/api/v1/images`) to the image model that makes it; `example_models` are
    the chat models the users' examples prefer, in order (each one a chat model here)."""

    models: dict[str, Model]
    image_library: dict[str, str] = field(default_factory=dict)
    example_models: tuple[str, ...] = ()
    #: Other spellings clients send (dated snapshots, seeds' names): name -> catalog name.
    aliases: dict[str, str] = field(default_factory=dict)
    #: Other gateways' `vendor/` prefixes, each with the provider whose models it names.
    alias_prefixes: dict[str, str] = field(default_factory=dict)
    #: The options of the operator's provider keys (`[keys.<name>]`, `providers.upstream_keys`).
    keys: tuple[KeySpec, ...] = ()
    #: The `max_tool_calls` sent on a Responses request that gives a priced built-in tool and
    #: sets none: what bounds its hold (`providers.responses_holds`).
    default_max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS

    def get(self, name: str) -> Model:
        """A model by its catalog name, an alias, `provider:upstream name`, or another
        gateway's `vendor/name` spelling of a catalog model of that vendor's provider.

        A catalog name always wins over an alias, so an alias can never hide a model.
        """
        model = self.models.get(name) or self.models.get(self.aliases.get(name, ""))
        if model is None:
            model = self._by_vendor_prefix(name)
        if model is None and ":" in name:
            provider, _, upstream = name.partition(":")
            model = next(
                (
                    m
                    for m in self.models.values()
                    if (m.provider, m.upstream) == (provider, upstream)
                ),
                None,
            )
        if model is None:
            raise UnknownModelError(name)
        return model

    def _by_vendor_prefix(self, name: str) -> Model | None:
        vendor, slash, rest = name.partition("/")
        provider = self.alias_prefixes.get(vendor + slash) if slash else None
        if provider is None:
            return None
        model = self.models.get(rest) or self.models.get(self.aliases.get(rest, ""))
        return model if model is not None and model.provider == provider else None


def parse_catalog(text: str, extra_markup: Decimal = Decimal(1)) -> Catalog:
    """Build a catalog from TOML text; every problem is a CatalogError naming the field.

    `extra_markup` (the operator's PRICE_MARKUP) multiplies the file's own `markup`.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"the catalog is not valid TOML: {error}") from error
    try:
        markup = Decimal(str(data.get("markup", "1"))) * extra_markup
    except InvalidOperation as error:
        raise CatalogError(f"markup is not a decimal number: {data.get('markup')!r}") from error
    if markup <= 0 or not markup.is_finite():
        raise CatalogError(f"the markup must be positive, got {markup}")
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise CatalogError("the catalog has no models: add [models.<name>] tables")
    parsed = {name: parse_model(name, entry, markup) for name, entry in models.items()}
    catalog = Catalog(
        parsed,
        image_library(data.get("image_library", {}), parsed),
        example_models(data.get("example_models", []), parsed),
        aliases(data.get("aliases", {}), parsed),
        alias_prefixes(data.get("alias_prefixes", {})),
        parse_key_specs(data.get("keys", {})),
        _max_tool_calls(data.get("default_max_tool_calls", DEFAULT_MAX_TOOL_CALLS)),
    )
    check_fallbacks(parsed, catalog.get)
    return catalog


def _max_tool_calls(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CatalogError(f"default_max_tool_calls: a whole number of at least 1, got {value!r}")
    return value


def load_catalog(path: Path | None = None, markup: Decimal = Decimal(1)) -> Catalog:
    """The operator's catalog file when given, else the one shipped with the package."""
    if path is not None:
        return parse_catalog(path.read_text(encoding="utf-8"), markup)
    builtin = files("providers").joinpath("catalog.toml").read_text("utf-8")
    return parse_catalog(builtin, markup)
