"""How many tokens a GPT image can be billed for: the figures an image call's hold is made of.

OpenAI bills a GPT image model's picture as image output tokens, a number fixed by the
model, the size and the quality, and an input image (edits) as image input tokens. Where
the figures come from:

- GPT Image 1 family (gpt-image-1, gpt-image-1-mini, gpt-image-1.5, chatgpt-image-latest):
  the table in OpenAI's image generation guide ("Cost and latency": low 272 / 408 / 400,
  medium 1056 / 1584 / 1568, high 4160 / 6240 / 6208 tokens for 1024x1024, 1024x1536 and
  1536x1024). These models take only those three sizes (and `auto`).
- GPT Image 2 family (gpt-image-2, gpt-image-2.5-sunburst, gpt-image-2.5-flare, with their
  dated snapshots): any `WIDTHxHEIGHT` the SDK's `size` documentation allows (both edges
  divisible by 16, aspect ratio between 1:3 and 3:1, at most 3840x2160). The guide gives
  their output through a cost calculator rather than a table; `calculator_tokens` is that
  calculator's formula as OpenAI's developer community published it ("gpt-image-2 output
  pricing calculator", June 2026), which gives the figures the calculator shows (7024
  tokens for 1024x1024 high, 5488 for 1536x1024 high, as quoted on OpenAI's forum). The 2.5
  models' `xhigh` and `max` have no published figure.

Invariants: a figure is never below what OpenAI publishes for that image; `auto` (size or
quality) holds the largest the model can make (the square of the most pixels, at the
highest quality); a quality with no published figure (`xhigh`, `max`, and `auto` where the
model has such qualities) and any model outside both families are bounded only by the
catalog's `max_output_tokens` for the model, and refused without it (`UnboundedImageError`),
never held at a guess.

Text the model writes while planning the image (every model here but gpt-image-1 and
gpt-image-1-mini reports it as text output tokens) has no published bound either: each image
of those models holds `PLANNING_TOKENS` for it, an allowance rather than a bound. It is
billed from the answer like the rest, and a bill above the hold is charged as reported and
logged (see `providers.image_tokens`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from providers.openai_media import MediaRequestError

AUTO = "auto"
#: OpenAI's image generation guide, "Cost and latency": tokens per image by size, quality.
GPT_IMAGE_1_TOKENS: dict[str, dict[str, int]] = {
    "1024x1024": {"low": 272, "medium": 1056, "high": 4160},
    "1024x1536": {"low": 408, "medium": 1584, "high": 6240},
    "1536x1024": {"low": 400, "medium": 1568, "high": 6208},
}
#: The GPT Image 2 calculator's constants: a factor per quality, and the area terms.
QUALITY_FACTORS = {"low": 16, "medium": 48, "high": 96}
AREA_OFFSET = 2_000_000
AREA_SCALE = 4_000_000
#: The SDK's `size` documentation for GPT Image 2: edges in steps of 16, at most 3840x2160,
#: an aspect ratio within 3:1.
SIZE_STEP = 16
MAX_EDGE = 3840
MAX_PIXELS = 3840 * 2160
MAX_ASPECT = 3
#: The largest GPT Image 2 picture by the calculator: a square of MAX_PIXELS (2880x2880).
LARGEST_SQUARE = math.isqrt(MAX_PIXELS)
#: One GPT Image 1 input image. OpenAI publishes no figure; its developer community measured
#: high input fidelity adding up to the family's largest output figure (6240: 0.062 USD at
#: 10 USD per 1M for a 16:9 photo) over the low-fidelity tiles (some hundreds of tokens),
#: and some tens of text tokens per input image. 8192 bounds all three.
GPT_IMAGE_1_INPUT_TOKENS = 8192
#: What a GPT Image 2 input image adds besides its pixels' figure: the per-image text tokens
#: the community measured (some tens), with a wide margin.
INPUT_IMAGE_ALLOWANCE = 1024

#: Text output an image of a planning model holds (see above): OpenAI publishes no figure.
PLANNING_TOKENS = 1024
#: The models whose answers carry no text output: their output is the picture alone.
_NO_PLANNING = frozenset({"gpt-image-1", "gpt-image-1-mini"})
_FAMILY_1 = frozenset({"gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest"})
_FAMILY_2 = frozenset({"gpt-image-2", "gpt-image-2.5-sunburst", "gpt-image-2.5-flare"})
#: Qualities a GPT Image 2 model takes with no published figure.
_UNPUBLISHED = {
    "gpt-image-2.5-sunburst": ("xhigh", "max"),
    "gpt-image-2.5-flare": ("xhigh", "max"),
}
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")
_SIZE = re.compile(r"(\d{1,5})x(\d{1,5})")


class UnboundedImageError(MediaRequestError):
    """The request asks for an image whose tokens have no known bound: not priced here."""


def _base(upstream: str) -> str:
    """The model's name without a dated snapshot suffix (gpt-image-2-2026-04-21)."""
    return _SNAPSHOT.sub("", upstream)


def has_table(upstream: str) -> bool:
    """Whether the figures above cover the model (else only `max_output_tokens` bounds it)."""
    return _base(upstream) in _FAMILY_1 | _FAMILY_2


def calculator_tokens(quality: str, width: int, height: int) -> int:
    """GPT Image 2's output tokens for one image (the guide's calculator, see above)."""
    factor = QUALITY_FACTORS[quality]
    long_edge, short_edge = max(width, height), min(width, height)
    short_factor = (2 * factor * short_edge + long_edge) // (2 * long_edge)
    return -(-factor * short_factor * (AREA_OFFSET + width * height) // AREA_SCALE)


def parse_size(size: str) -> tuple[int, int] | None:
    """`WIDTHxHEIGHT` as two positive numbers, or None."""
    match = _SIZE.fullmatch(size)
    if match is None or "0" in (match[1][0], match[2][0]):
        return None
    return int(match[1]), int(match[2])


@dataclass(frozen=True, slots=True)
class ImageTokens:
    """The token figures of one image model, and its catalog bound for what they lack."""

    upstream: str
    #: The catalog's `max_output_tokens`: the most tokens one image (output or input) can
    #: be billed, for what the figures do not cover; 0 when the catalog sets none.
    ceiling: int

    @property
    def family(self) -> str:
        base = _base(self.upstream)
        return "1" if base in _FAMILY_1 else "2" if base in _FAMILY_2 else ""

    def qualities(self) -> tuple[str, ...]:
        """The qualities this model takes (`auto` included)."""
        return ("low", "medium", "high", *_UNPUBLISHED.get(_base(self.upstream), ()), AUTO)

    def check_size(self, size: str) -> None:
        """A 400 naming the sizes the model takes, before anything is held."""
        if size == AUTO or not self.family:
            return
        if self.family == "1":
            if size not in GPT_IMAGE_1_TOKENS:
                sizes = ", ".join([*GPT_IMAGE_1_TOKENS, AUTO])
                raise MediaRequestError(f"`size` must be one of {sizes} here", "size")
            return
        parsed = parse_size(size)
        if parsed is None or not _fits(*parsed):
            raise MediaRequestError(
                f"`size` {size!r} is not one this model makes: send `auto` or WIDTHxHEIGHT "
                f"with both edges divisible by {SIZE_STEP}, an aspect ratio within "
                f"{MAX_ASPECT}:1 and at most 3840x2160 ({MAX_PIXELS} pixels)",
                "size",
            )

    def output(self, size: str, quality: str) -> int:
        """The most output tokens one image of `size` at `quality` can be billed."""
        if not self.family:
            return self._ceiling(f"images of {self.upstream}", "model")
        self.check_size(size)
        if quality not in self.qualities():
            raise MediaRequestError(
                f"`quality` must be one of {', '.join(self.qualities())} here", "quality"
            )
        if quality in QUALITY_FACTORS:
            return self._published(size, quality)
        if quality == AUTO and _base(self.upstream) not in _UNPUBLISHED:
            return self._published(size, "high")  # auto picks one of the published three
        return self._ceiling(f"`quality` {quality!r}", "quality")

    @property
    def planning(self) -> int:
        """The text output tokens one image holds besides its picture's (see above)."""
        return 0 if _base(self.upstream) in _NO_PLANNING else PLANNING_TOKENS

    def input_image(self, width: int, height: int) -> int:
        """The most input tokens one uploaded image of that many pixels can be billed."""
        if self.family == "1":
            return GPT_IMAGE_1_INPUT_TOKENS
        if self.family == "2":
            area = min(width * height, MAX_PIXELS)
            high = QUALITY_FACTORS["high"]
            square = -(-high * high * (AREA_OFFSET + area) // AREA_SCALE)
            return square + INPUT_IMAGE_ALLOWANCE
        return self._ceiling("an input image", "image")

    def _published(self, size: str, quality: str) -> int:
        if self.family == "1":
            sizes = GPT_IMAGE_1_TOKENS if size == AUTO else {size: GPT_IMAGE_1_TOKENS[size]}
            return max(row[quality] for row in sizes.values())
        if size == AUTO:
            return calculator_tokens(quality, LARGEST_SQUARE, LARGEST_SQUARE)
        parsed = parse_size(size)
        assert parsed is not None  # check_size passed
        return calculator_tokens(quality, *parsed)

    def _ceiling(self, what: str, param: str) -> int:
        if self.ceiling:
            return self.ceiling
        raise UnboundedImageError(
            f"{what} is not priced by this service on {self.upstream}: OpenAI publishes no "
            "token figure for it, so what it costs cannot be held; send quality low, medium "
            "or high (or ask the operator to set the model's max_output_tokens)",
            param,
            code="option_not_priced",
        )


def _fits(width: int, height: int) -> bool:
    long_edge, short_edge = max(width, height), min(width, height)
    return (
        width % SIZE_STEP == height % SIZE_STEP == 0
        and long_edge <= MAX_EDGE
        and width * height <= MAX_PIXELS
        and long_edge <= MAX_ASPECT * short_edge
    )
