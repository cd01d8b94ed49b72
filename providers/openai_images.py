"""OpenAI images priced per image (dall-e-2, dall-e-3, an operator's own), and what every
image call shares: the operations, the charge, the count of images returned.

Pure: nothing here does I/O. Invariants:

- a per-image request is priced before the call from the model's `image_prices` table, and
  the size (and, for a generation, the quality) the gateway prices is the one it sends, so
  what is billed is what the provider was asked to make;
- the hold is `n` images at that price; the bill is the images the answer carries, never
  more than `n`;
- genai-prices lists no per-image prices (it has no dall-e entry), so these come from the
  catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from providers.catalog import Model
from providers.errors import UpstreamError
from providers.openai_media import MediaRequestError
from providers.usage import JsonObject, TokenUsage

#: The most images one request may ask for (OpenAI's `n`: 1 to 10).
MAX_N = 10


class Operation(StrEnum):
    """The images API's three calls, by the last part of their path."""

    GENERATION = "generations"
    EDIT = "edits"
    VARIATION = "variations"


@dataclass(frozen=True, slots=True)
class ImageCharge:
    """What one image call is charged: the units its usage record shows, its cost, and the
    token usage behind it (None for per-image models)."""

    input_units: int
    output_units: int
    cost: int
    usage: TokenUsage | None = None


def images_returned(data: object) -> int:
    """How many images the provider's answer carries; an answer without a list is a 502."""
    images = data.get("data") if isinstance(data, dict) else None
    if not isinstance(images, list):
        raise UpstreamError(502, "the provider's image answer carried no `data` list")
    return len(images)


@dataclass(frozen=True, slots=True)
class ImageRules:
    """What one per-image model accepts besides its priced sizes and qualities.

    `styles` None: not checked. `response_formats` empty: the model takes none (it always
    answers base64); `b64_json` is then dropped rather than refused, as SDKs send it.
    """

    default_size: str
    default_quality: str
    max_n: int
    styles: frozenset[str] | None
    response_formats: frozenset[str]
    operations: frozenset[Operation] = frozenset({Operation.GENERATION})


_URL_OR_B64 = frozenset({"url", "b64_json"})
_IMAGE_RULES = {
    "dall-e-3": ImageRules(
        "1024x1024", "standard", 1, frozenset({"vivid", "natural"}), _URL_OR_B64
    ),
    "dall-e-2": ImageRules(
        "1024x1024", "standard", MAX_N, frozenset(), _URL_OR_B64, frozenset(Operation)
    ),
}


def image_rules(model: Model) -> ImageRules:
    """Known models by their upstream name; an operator's own model by its price table."""
    known = _IMAGE_RULES.get(model.upstream)
    if known is not None:
        return known
    size, _, quality = next(iter(model.image_prices)).partition("/")
    return ImageRules(size, quality, MAX_N, None, _URL_OR_B64)


def one_of(value: object, allowed: frozenset[str], param: str, model: Model) -> None:
    """A 400 naming the allowed values (or saying to leave the field out) unless allowed."""
    if value is None or value in allowed:
        return
    choices = ", ".join(sorted(allowed)) or f"none (leave `{param}` out)"
    raise MediaRequestError(f"`{param}` must be one of {choices} for {model.name}", param)


def check_n(body: JsonObject, most: int, model: Model) -> int:
    """`n` (1 when absent), 1 to `most`; `body` has passed the route's type checks."""
    n = body.get("n")
    n = 1 if n is None else n
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= most:
        raise MediaRequestError(
            f"`n` must be a whole number from 1 to {most} for {model.name}", "n"
        )
    return n


def check_operation(model: Model, operation: Operation, allowed: frozenset[Operation]) -> None:
    if operation not in allowed:
        takes = ", ".join(f"/v1/images/{name}" for name in sorted(allowed))
        raise MediaRequestError(
            f"{model.name} does not take /v1/images/{operation}: it takes {takes}", "model"
        )


@dataclass(frozen=True, slots=True)
class PerImagePlan:
    """A request priced per image: `hold` covers all `n` images, each returned one costs
    `unit`; `fields` are sent explicitly (the priced size, and quality for a generation)."""

    size: str
    quality: str
    n: int
    unit: int
    fields: JsonObject
    dropped: frozenset[str] = frozenset()

    @property
    def hold(self) -> int:
        return max(1, self.n * self.unit)

    def cost(self, returned: int) -> int:
        """Images are billed as returned, never more than were asked (and held) for."""
        return min(returned, self.n) * self.unit

    def charge(self, data: object) -> ImageCharge:
        returned = images_returned(data)
        return ImageCharge(0, returned, self.cost(returned))


def plan_per_image(model: Model, body: JsonObject, operation: Operation) -> PerImagePlan:
    """Check `size`, `quality`, `n`, `style` and `response_format`; price one image.

    Sizes and qualities come from the model's price table, so an unpriced combination is
    refused (naming the priced ones) instead of being made and billed at a guess.
    """
    if not model.image_prices:
        raise MediaRequestError(
            f"{model.name} is priced per image, not by size: use its provider's own route",
            "model",
        )
    rules = image_rules(model)
    check_operation(model, operation, rules.operations)
    size = body.get("size") or rules.default_size
    quality = body.get("quality") or rules.default_quality
    priced = [key.partition("/") for key in model.image_prices]
    one_of(quality, frozenset(q for _, _, q in priced), "quality", model)
    unit = model.image_price(str(size), str(quality))
    if unit is None:
        sizes = ", ".join(sorted(s for s, _, q in priced if q == quality))
        message = f"`size` {size} is not offered by {model.name} at quality {quality}: use {sizes}"
        raise MediaRequestError(message, "size")
    n = check_n(body, rules.max_n, model)
    if rules.styles is not None:
        one_of(body.get("style"), rules.styles, "style", model)
    dropped: frozenset[str] = frozenset()
    if body.get("response_format") == "b64_json" and not rules.response_formats:
        dropped = frozenset({"response_format"})
    else:
        one_of(body.get("response_format"), rules.response_formats, "response_format", model)
    fields: JsonObject = {"size": size}
    if operation is Operation.GENERATION:
        fields["quality"] = quality
    return PerImagePlan(str(size), str(quality), n, unit, fields, dropped)
