"""GPT image models, billed to the token: the hold before the call and the bill after it.

OpenAI bills gpt-image models from the `usage` in their answer: input tokens (text, and the
images of an edit; either may be cached) and output tokens (the picture's image tokens,
and any text the model wrote while planning it). Each category is billed at its own list
price (`Model.cost_of`), so what a user pays is what the operator is billed.

Invariants:
- the hold covers the longest the prompt can tokenise: one token per UTF-8 byte, an upper
  bound for byte-level BPE tokenizers (as embeddings are held), plus `PROMPT_FRAMING_TOKENS`
  that every request adds; each uploaded image (and mask) at `ImageTokens.input_image`; and
  `n` images at the most output tokens their size and quality can be billed, with the
  allowance for planning text (`providers.image_output`); every input token at the highest
  input price, every output token at the highest output price;
- the bill is the usage the provider's answer reports, each category at its own price,
  rounded up once to a whole unit; an answer that reports no usage is billed the hold
  (never free); an answer reporting more than was held is billed in full and the billing
  records what the balance could not cover, never forgiving it silently;
- a breakdown is a part of its total, never an addition: a detail above its total is cut
  to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from providers.catalog import Model
from providers.image_output import AUTO, ImageTokens
from providers.openai_images import MAX_N, ImageCharge, check_n, images_returned, one_of
from providers.usage import JsonObject, TokenUsage

#: Tokens OpenAI adds to every prompt (its developer community measured 6 on generations,
#: and some tens more per input image on edits, which the input images' bound covers).
PROMPT_FRAMING_TOKENS = 32


def prompt_tokens(body: JsonObject) -> int:
    """The most text input tokens the prompt can be: a token per UTF-8 byte, and framing."""
    prompt = body.get("prompt")
    return (len(prompt.encode()) if isinstance(prompt, str) else 0) + PROMPT_FRAMING_TOKENS


def _count(value: object) -> int | None:
    """A reported token count; anything but a non-negative integer counts as not reported."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _object(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _cached(usage: JsonObject, inputs: int, image: int) -> tuple[int, int]:
    """Cached input and its image part, read from either shape OpenAI reports them in
    (`cached_tokens` with `cached_tokens_details`, as the image tool's usage; or
    `input_tokens_details.cached_tokens`). A total without its split counts as image
    tokens first, the dearer cache, so a missing detail never makes a call cheaper."""
    details = _object(usage.get("cached_tokens_details"))
    text_part = _count(details.get("cached_text_tokens")) or 0
    image_part = _count(details.get("cached_image_tokens"))
    stated = _count(usage.get("cached_tokens"))
    if stated is None:
        stated = _count(_object(usage.get("input_tokens_details")).get("cached_tokens"))
    cached = min(inputs, stated if stated is not None else text_part + (image_part or 0))
    image_cached = min(image, cached) if image_part is None else min(image_part, image, cached)
    return cached, image_cached


def image_usage(data: object) -> TokenUsage | None:
    """The answer's `usage` as a `TokenUsage`, or None when it reports none.

    `input_tokens` and `output_tokens` must both be counts (OpenAI always sends both);
    output tokens without `output_tokens_details` are all image output tokens.
    """
    usage = _object(data.get("usage") if isinstance(data, dict) else None)
    inputs, outputs = _count(usage.get("input_tokens")), _count(usage.get("output_tokens"))
    if inputs is None or outputs is None:
        return None
    image = min(
        inputs, _count(_object(usage.get("input_tokens_details")).get("image_tokens")) or 0
    )
    image_out = _count(_object(usage.get("output_tokens_details")).get("image_tokens"))
    cached, image_cached = _cached(usage, inputs, image)
    return TokenUsage(
        input_tokens=inputs,
        output_tokens=outputs,
        cache_read_tokens=cached,
        input_image_tokens=image,
        output_image_tokens=outputs if image_out is None else min(image_out, outputs),
        cache_read_image_tokens=image_cached,
    )


@dataclass(frozen=True, slots=True)
class TokenImagePlan:
    """A gpt-image request before the call: the tokens its hold covers, by category."""

    model: Model
    text: int
    image: int
    #: Every output token held; `planning` of them for text, the rest for the pictures.
    output: int
    planning: int = 0
    dropped: frozenset[str] = frozenset()

    @property
    def fields(self) -> JsonObject:
        """Nothing is sent explicitly: the answer's usage says what was made."""
        return {}

    @property
    def bound(self) -> TokenUsage:
        """The usage the hold covers (and an answer without usage is billed as)."""
        return TokenUsage(
            self.text + self.image,
            self.output,
            input_image_tokens=self.image,
            output_image_tokens=self.output - self.planning,
        )

    @property
    def hold(self) -> int:
        return max(1, self.model.cost(self.text + self.image, self.output))

    def charge(self, data: object) -> ImageCharge:
        images_returned(data)  # an answer without images is the provider's failure
        usage = image_usage(data)
        if usage is None:
            bound = self.bound
            return ImageCharge(bound.input_tokens, bound.output_tokens, self.hold, bound)
        cost = self.model.cost_of(usage)
        return ImageCharge(usage.input_tokens, usage.output_tokens, cost, usage)


def plan_tokens(
    model: Model, body: JsonObject, uploads: Sequence[tuple[int, int]] = ()
) -> TokenImagePlan:
    """Check `n`, `size`, `quality`, `style` and `response_format`; bound the tokens.

    `uploads` are the pixel sizes of an edit's images (mask and markup included).
    """
    tokens = ImageTokens(model.upstream, model.max_output_tokens)
    n = check_n(body, MAX_N, model)
    size, quality = str(body.get("size") or AUTO), str(body.get("quality") or AUTO)
    per_image = tokens.output(size, quality) + tokens.planning
    one_of(body.get("style"), frozenset(), "style", model)
    dropped: frozenset[str] = frozenset()
    if body.get("response_format") == "b64_json":
        dropped = frozenset({"response_format"})  # these models always answer base64
    else:
        one_of(body.get("response_format"), frozenset(), "response_format", model)
    image = sum(tokens.input_image(width, height) for width, height in uploads)
    text = prompt_tokens(body)
    return TokenImagePlan(model, text, image, n * per_image, n * tokens.planning, dropped)
