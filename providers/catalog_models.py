"""One `[models.<name>]` entry of the catalog file, parsed into a `Model`.

Units by kind of model: chat, completions and embeddings are priced per 1M tokens (input
and output); speech per 1M input characters (`input_per_1m`: tts-1) or, without it, per
token like chat (gpt-4o-mini-tts); transcription per minute of audio (`per_minute`:
whisper-1), or without it per minute at the list price per audio hour (gpt-transcribe), or
per token like chat (gpt-4o-transcribe and its kin, billed from the usage their answer
reports); moderation is free while the list prices say so; images per image, by
"<size>/<quality>" (or one flat `per_image`: dall-e, Stability) or, with neither, per token
like chat (the GPT image models, billed from the usage their answer reports; the hold's
output comes from `providers.image_output`, or the model's `max_output_tokens`).

Limits: chat and completion models need `context_window`; their `max_output_tokens` is the
provider's documented limit, or, left out, the whole window (`Model.max_output_documented`
False), never a guess below it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

from providers import list_prices
from providers.errors import CatalogError
from providers.image_output import has_table
from providers.model import Model, ModelKind
from providers.prices import CATALOG_FIELDS, build

_UNITS = 1_000_000  # minor units per currency unit
_PRICE_FIELDS = ("input_per_1m", "output_per_1m", "per_minute", "per_image")
#: The per-image fields of an image model; with neither, it is priced per token.
_PER_IMAGE_FIELDS = ("image_prices", "per_image")
#: Kinds whose calls are held for a prompt and its answer, bounded by the context window.
_WINDOWED = (ModelKind.CHAT, ModelKind.COMPLETION)
#: Kinds always billed from their answers' token usage.
_TOKEN_KINDS = (*_WINDOWED, ModelKind.EMBEDDING)


def parse_model(name: str, entry: dict[str, Any], markup: Decimal) -> Model:
    """The model `entry` describes; a CatalogError naming the field when it is wrong.

    A chat model's `fallbacks` are only named here; that each is another chat model of the
    catalog is checked once the whole catalog is parsed (`catalog_tables.check_fallbacks`).
    """
    kind = _kind(name, entry)
    fallbacks = _fallback_names(name, kind, entry.get("fallbacks", []))
    model = _priced_model(name, kind, entry, markup)
    return replace(model, fallbacks=fallbacks) if fallbacks else model


def _fallback_names(name: str, kind: ModelKind, value: object) -> tuple[str, ...]:
    """A chat model's `fallbacks`: a list of other model names, in order."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CatalogError(f"{name}.fallbacks: a list of model names, got {value!r}")
    if value and kind is not ModelKind.CHAT:
        raise CatalogError(f"{name}.fallbacks: only chat models have fallbacks")
    return tuple(value)


def _priced_model(name: str, kind: ModelKind, entry: dict[str, Any], markup: Decimal) -> Model:
    if kind is ModelKind.MODERATION:
        return _free_model(name, entry)
    if kind is ModelKind.TRANSCRIPTION and "per_minute" not in entry:
        per_hour = list_prices.per_audio_hour(*_where(name, entry))
        if per_hour is not None:
            return _per_minute_model(name, entry, per_hour, markup)
    if _token_billed(name, kind, entry):
        return _token_prices(name, kind, entry, markup)
    prices = {
        field_name: _price(entry.get(field_name, "0"), markup, f"{name}.{field_name}")
        for field_name in _PRICE_FIELDS
    }
    images = entry.get("image_prices", {})
    provider, upstream = _where(name, entry)
    return Model(
        name=name,
        provider=provider,
        upstream=upstream,
        kind=kind,
        **_limits(name, kind, entry),
        image_prices={k: _price(v, markup, f"{name}.image_prices.{k}") for k, v in images.items()},
        input_per_1m=prices["input_per_1m"],
        output_per_1m=prices["output_per_1m"],
        per_minute=prices["per_minute"],
        per_image=prices["per_image"],
    )


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


def _token_prices(name: str, kind: ModelKind, entry: dict[str, Any], markup: Decimal) -> Model:
    """A model billed from the token usage its answers report (chat, completions,
    embeddings, GPT image models, token-billed transcription and speech): its list prices
    with the catalog's fields over them."""
    provider, upstream = _where(name, entry)
    overrides = {
        key: _decimal(entry[field_name], f"{name}.{field_name}")
        for key, field_name in CATALOG_FIELDS.items()
        if field_name in entry
    }
    listed = list_prices.resolve(provider, upstream, overrides)
    needs_output = kind is not ModelKind.EMBEDDING
    text_input = kind is ModelKind.SPEECH
    reason = list_prices.unpriced_reason(
        name, provider, upstream, listed, needs_output, text_input
    )
    if not reason and kind is ModelKind.IMAGE:
        reason = _unbounded_image(name, upstream, entry)
    prices = build(listed, markup)
    base = {unit.usage_key: unit.base for unit in prices.units}
    return Model(
        name=name,
        provider=provider,
        upstream=upstream,
        kind=kind,
        input_per_1m=base.get("input_tokens", 0),
        output_per_1m=base.get("output_tokens", 0),
        **_limits(name, kind, entry),
        token_prices=prices,
        unpriced=reason,
        responses_only=_flag(entry.get("responses_only", False), f"{name}.responses_only"),
    )


def _where(name: str, entry: dict[str, Any]) -> tuple[str, str]:
    """The provider, and the provider's own name for the model (`upstream`, else the part
    of the catalog name after `provider:`, else the name itself)."""
    return str(entry["provider"]), str(entry.get("upstream", name.partition(":")[2] or name))


def _limits(name: str, kind: ModelKind, entry: dict[str, Any]) -> dict[str, Any]:
    """The model's token limits as `Model` fields.

    A chat or completion model without `max_output_tokens` has no documented output
    limit, so an answer can be as long as the whole context window: that is what is held,
    never a guess below it, and the model says so (`max_output_documented`).
    """
    window = _whole(entry.get("context_window", 0), f"{name}.context_window")
    if "max_output_tokens" not in entry:
        if kind not in _WINDOWED:
            return {"context_window": window}
        undocumented = {"max_output_tokens": window, "max_output_documented": False}
        return {"context_window": window, **undocumented}
    limit = _whole(entry["max_output_tokens"], f"{name}.max_output_tokens")
    if limit < 1:
        raise CatalogError(f"{name}.max_output_tokens: at least 1, or leave it out")
    return {"context_window": window, "max_output_tokens": limit}


def _whole(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CatalogError(f"{where}: a whole number of tokens, got {value!r}")
    return value


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise CatalogError(f"{where}: true or false, got {value!r}")
    return value


def _token_billed(name: str, kind: ModelKind, entry: dict[str, Any]) -> bool:
    """Whether the model is billed from its answers' token usage, priced like chat.

    A transcription model without `per_minute` (gpt-4o-transcribe and its kin), a speech
    model without a per-character `input_per_1m` (gpt-4o-mini-tts) and an image model
    without per-image prices (the GPT image models) are.
    """
    if kind is ModelKind.TRANSCRIPTION:
        return "per_minute" not in entry
    if kind is ModelKind.SPEECH:
        return "input_per_1m" not in entry
    if kind is ModelKind.IMAGE:
        return _token_image(name, entry)
    return kind in _TOKEN_KINDS


def _token_image(name: str, entry: dict[str, Any]) -> bool:
    """An image model without per-image prices is billed from its answer's token usage.
    Both at once would bill the image twice or its prompt never, so they are refused."""
    if "image_input_per_1m" in entry:
        raise CatalogError(
            f"{name}.image_input_per_1m: renamed input_image_per_1m; a GPT image model is "
            "priced per token (leave out image_prices and per_image)"
        )
    per_image = any(field_name in entry for field_name in _PER_IMAGE_FIELDS)
    tokens = [f for f in ("input_per_1m", "output_per_1m", *CATALOG_FIELDS.values()) if f in entry]
    if per_image and tokens:
        raise CatalogError(
            f"model {name!r} has per-image prices and {tokens[0]}: an image model is priced "
            "per image (image_prices, per_image) or per token, not both"
        )
    return not per_image


def _unbounded_image(name: str, upstream: str, entry: dict[str, Any]) -> str:
    """Why a token-billed image model cannot be held, or "" when it can."""
    if has_table(upstream) or _whole(entry.get("max_output_tokens", 0), name):
        return ""
    return (
        f"{name} has no token bound: the service has no output-token figures for "
        f"{upstream} and the catalog sets no max_output_tokens (the most tokens one image "
        "can be billed)"
    )


def _kind(name: str, entry: dict[str, Any]) -> ModelKind:
    try:
        kind = ModelKind(entry.get("kind", "chat"))
    except ValueError as error:
        raise CatalogError(f"{name}.kind: {error}") from error
    if "provider" not in entry:
        raise CatalogError(f"model {name!r} lacks the field 'provider'")
    if kind in _WINDOWED and "context_window" not in entry:
        raise CatalogError(f"model {name!r} lacks the field 'context_window'")
    unbounded = "max_output_tokens" not in entry
    if kind is ModelKind.SPEECH and _token_billed(name, kind, entry) and unbounded:
        raise CatalogError(
            f"model {name!r} is billed per token, so it needs 'max_output_tokens' (the most "
            "audio tokens one answer can hold) or a per-character 'input_per_1m'"
        )
    return kind


def _per_minute_model(
    name: str, entry: dict[str, Any], per_hour: Decimal, markup: Decimal
) -> Model:
    """A transcription model the list prices price per hour of audio (gpt-transcribe):
    billed per minute of the measured audio, like a catalog `per_minute`."""
    provider, upstream = _where(name, entry)
    return Model(
        name=name,
        provider=provider,
        upstream=upstream,
        kind=ModelKind.TRANSCRIPTION,
        per_minute=_price(str(per_hour / 60), markup, f"{name}.per_minute"),
        prices_source=list_prices.SOURCE,
    )


def _free_model(name: str, entry: dict[str, Any]) -> Model:
    """A moderation model: its provider charges nothing, so neither does the service.

    Only while the list prices say so: a model they price, or do not know, is unpriced
    (listed unavailable, refused with 503) rather than served free by accident.
    """
    provider, upstream = _where(name, entry)
    return Model(
        name=name,
        provider=provider,
        upstream=upstream,
        kind=ModelKind.MODERATION,
        prices_source=list_prices.SOURCE,
        unpriced=list_prices.not_free_reason(name, provider, upstream),
    )
