"""The model catalog: which models exist, who serves them, and what they cost.

Prices are read from a TOML data file (the built-in `catalog.toml`, or the operator's
CATALOG_FILE) as decimal strings and converted once, at load, into integer minor units.
After that no float or Decimal touches the request path: every cost is integer arithmetic
rounded up, so the service never undercharges by a rounding.

Units by kind of model: chat and embeddings are priced per 1M tokens (input and output),
speech per 1M input characters (`input_per_1m`), transcription per minute of audio
(`per_minute`: whisper-1) or, without `per_minute`, per token like chat (gpt-4o-transcribe
and its kin, billed from the usage their answer reports), and
images per image, by "<size>/<quality>" (or one flat `per_image`); an image model that also
bills its prompt (gpt-image) prices its text input tokens at `input_per_1m` and its image
input tokens at `image_input_per_1m`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import Any

from providers import list_prices
from providers.errors import CatalogError, UnknownModelError
from providers.model import Model as Model
from providers.model import ModelKind as ModelKind
from providers.prices import CATALOG_FIELDS, build
from providers.upstream_keys import KeySpec, parse_key_specs

_UNITS = 1_000_000  # minor units per currency unit
_PER_MILLION = 1_000_000  # token and character prices are per 1M


@dataclass(frozen=True, slots=True)
class Catalog:
    """The models by name; `image_library` maps each resolution of the image library
    (seed 004's `/api/v1/images`) to the image model that makes it; `keys` are the options
    of the operator's provider keys (`[keys.<name>]`, `providers.upstream_keys`)."""

    models: dict[str, Model]
    image_library: dict[str, str] = field(default_factory=dict)
    keys: tuple[KeySpec, ...] = ()

    def get(self, name: str) -> Model:
        """A model by its catalog name, or by `provider:upstream name`."""
        model = self.models.get(name)
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


def _decimal(value: object, where: str) -> Decimal:
    if not isinstance(value, str):
        raise CatalogError(f'{where}: prices are decimal strings such as "0.15", got {value!r}')
    try:
        amount = Decimal(value)
    except InvalidOperation as error:
        raise CatalogError(f"{where}: {value!r} is not a decimal number") from error
    if amount < 0 or not amount.is_finite():
        raise CatalogError(f"{where}: a price cannot be negative")
    return amount


def _price(value: object, markup: Decimal, where: str) -> int:
    amount = _decimal(value, where)
    return int((amount * markup * _UNITS).to_integral_value(rounding=ROUND_CEILING))


def _token_prices(
    name: str, kind: ModelKind, entry: dict[str, Any], markup: Decimal, fallbacks: tuple[str, ...]
) -> Model:
    """A chat, embedding or token-billed transcription model: its list prices with the
    catalog's fields over them."""
    provider = str(entry["provider"])
    upstream = str(entry.get("upstream", name.partition(":")[2] or name))
    overrides = {
        key: _decimal(entry[field_name], f"{name}.{field_name}")
        for key, field_name in CATALOG_FIELDS.items()
        if field_name in entry
    }
    listed = list_prices.resolve(provider, upstream, overrides)
    needs_output = kind is not ModelKind.EMBEDDING
    reason = list_prices.unpriced_reason(name, provider, upstream, listed, needs_output)
    prices = build(listed, markup)
    base = {unit.usage_key: unit.base for unit in prices.units}
    return Model(
        name=name,
        provider=provider,
        upstream=upstream,
        kind=kind,
        input_per_1m=base.get("input_tokens", 0),
        output_per_1m=base.get("output_tokens", 0),
        max_output_tokens=int(entry.get("max_output_tokens", 0)),
        context_window=_whole(entry.get("context_window", 0), f"{name}.context_window"),
        token_prices=prices,
        unpriced=reason,
        fallbacks=fallbacks,
    )


_PRICE_FIELDS = ("input_per_1m", "output_per_1m", "per_minute", "per_image", "image_input_per_1m")


def _whole(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CatalogError(f"{where}: a whole number of tokens, got {value!r}")
    return value


def _token_transcription(kind: ModelKind, entry: dict[str, Any]) -> bool:
    """A transcription model without `per_minute` is billed from its answer's token usage
    (gpt-4o-transcribe and its kin), so it is priced per token like a chat model."""
    return kind is ModelKind.TRANSCRIPTION and "per_minute" not in entry


def _fallback_names(name: str, kind: ModelKind, value: object) -> tuple[str, ...]:
    """A chat model's `fallbacks`: a list of other model names (checked against the whole
    catalog once it is parsed, `_check_fallbacks`)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(f"{name}.fallbacks: a list of model names, got {value!r}")
    if value and kind is not ModelKind.CHAT:
        raise CatalogError(f"{name}.fallbacks: only chat models have fallbacks")
    return tuple(value)


def _check_fallbacks(models: dict[str, Model]) -> None:
    """Each fallback is another chat model of this catalog (by name or provider:upstream)."""
    catalog = Catalog(models)
    for model in models.values():
        for name in model.fallbacks:
            where = f"{model.name}.fallbacks"
            try:
                fallback = catalog.get(name)
            except UnknownModelError as error:
                raise CatalogError(f"{where}: {name!r} is not a model of this catalog") from error
            if fallback.kind is not ModelKind.CHAT or fallback.name == model.name:
                raise CatalogError(f"{where}: {name!r} must be another chat model")


def _model(name: str, entry: dict[str, Any], markup: Decimal) -> Model:
    try:
        kind = ModelKind(entry.get("kind", "chat"))
    except ValueError as error:
        raise CatalogError(f"{name}.kind: {error}") from error
    if "provider" not in entry:
        raise CatalogError(f"model {name!r} lacks the field 'provider'")
    for required in ("max_output_tokens", "context_window"):
        if kind is ModelKind.CHAT and required not in entry:
            raise CatalogError(f"model {name!r} lacks the field {required!r}")
    fallbacks = _fallback_names(name, kind, entry.get("fallbacks", []))
    if kind in (ModelKind.CHAT, ModelKind.EMBEDDING) or _token_transcription(kind, entry):
        return _token_prices(name, kind, entry, markup, fallbacks)
    prices = {
        field_name: _price(entry.get(field_name, "0"), markup, f"{name}.{field_name}")
        for field_name in _PRICE_FIELDS
    }
    images = entry.get("image_prices", {})
    return Model(
        name=name,
        provider=str(entry["provider"]),
        upstream=str(entry.get("upstream", name.partition(":")[2] or name)),
        kind=kind,
        max_output_tokens=int(entry.get("max_output_tokens", 0)),
        context_window=_whole(entry.get("context_window", 0), f"{name}.context_window"),
        image_prices={k: _price(v, markup, f"{name}.image_prices.{k}") for k, v in images.items()},
        input_per_1m=prices["input_per_1m"],
        output_per_1m=prices["output_per_1m"],
        per_minute=prices["per_minute"],
        per_image=prices["per_image"],
        image_input_per_1m=prices["image_input_per_1m"],
    )


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
    parsed = {name: _model(name, entry, markup) for name, entry in models.items()}
    _check_fallbacks(parsed)
    library = _image_library(data.get("image_library", {}), parsed)
    return Catalog(parsed, library, parse_key_specs(data.get("keys", {})))


def _image_library(table: object, models: dict[str, Model]) -> dict[str, str]:
    """Check `[image_library]`: each "<W>x<H>" names an image model priced at that size."""
    if not isinstance(table, dict):
        raise CatalogError('image_library must be a table of "<size>" = "<model>"')
    for size, name in table.items():
        model = models.get(name) if isinstance(name, str) else None
        if model is None or model.kind is not ModelKind.IMAGE:
            raise CatalogError(f"image_library.{size}: {name!r} is not an image model here")
        sized = any(key.partition("/")[0] == size for key in model.image_prices)
        if not sized and not model.per_image:
            raise CatalogError(f"image_library.{size}: {name} has no price for that size")
    return dict(table)


def load_catalog(path: Path | None = None, markup: Decimal = Decimal(1)) -> Catalog:
    """The operator's catalog file when given, else the one shipped with the package."""
    if path is not None:
        return parse_catalog(path.read_text(encoding="utf-8"), markup)
    builtin = files("providers").joinpath("catalog.toml").read_text("utf-8")
    return parse_catalog(builtin, markup)
