"""Checking a generated image and applying the library's colour filters to its pixels.

Pure and synchronous: decoding and re-encoding are CPU-bound, so the route runs
`apply_filter` through `asyncio.to_thread` to keep the event loop free.

Only PNG, JPEG and WebP are opened at all (the formats image providers answer in), so no
other Pillow decoder, such as EPS with its Ghostscript call, ever sees provider bytes. An
image whose header declares more than `MAX_PIXELS` is refused before its pixels are
decoded: `Image.open` reads only the header. Pillow's own bomb guard stays in place; its
warning (above about 89 megapixels) is caught and reported as the same `ImagingError`
where warnings are errors, and otherwise only logged before this module's tighter bound
refuses the image.

Every returned image has been fully decoded once, not only `verify`-ed (which checks PNG
checksums but decodes no pixels), so a truncated or corrupt body is never stored.

The filters act on red, green and blue only; an alpha channel is kept as it was. Values are
8-bit, each result rounded to the nearest integer and clamped to 0..255:

- grayscale: the ITU-R 601-2 luma L = R*299/1000 + G*587/1000 + B*114/1000 (Pillow's
  `convert("L")`), stored as a grayscale PNG (mode L, or LA with alpha), a third of the
  size of R=G=B; any decoder expands it back to R=G=B=L.
- sepia: R' = .393R + .769G + .189B, G' = .349R + .686G + .168B, B' = .272R + .534G + .131B
  (Pillow's `convert("RGB", matrix)`).
- invert: 255 - v for each of R, G and B.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageOps

#: The largest width * height accepted: 4096 x 4096, four times a 1024x1024 generation.
MAX_PIXELS = 4096 * 4096

#: Pillow format name -> the content type the image is served with.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

SEPIA_MATRIX = (
    0.393, 0.769, 0.189, 0.0,
    0.349, 0.686, 0.168, 0.0,
    0.272, 0.534, 0.131, 0.0,
)  # fmt: skip

# What Pillow raises for bytes it cannot read: UnidentifiedImageError is an OSError, and
# `verify` reports a broken PNG chunk as SyntaxError.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


class ImageFilter(StrEnum):
    GRAYSCALE = "grayscale"
    SEPIA = "sepia"
    INVERT = "invert"


class ImagingError(Exception):
    """The bytes are not a decodable PNG, JPEG or WebP image of an accepted size."""


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str
    width: int
    height: int


def apply_filter(data: bytes, image_filter: ImageFilter | None) -> ProcessedImage:
    """Check `data` is an image and apply `image_filter` to it.

    Without a filter the bytes come back unchanged, with the content type of their format;
    with one, the filtered pixels come back re-encoded as PNG.
    """
    image = _decode(data)
    if image_filter is None:
        return ProcessedImage(data, _content_type(image), image.width, image.height)
    filtered = _filtered(image, image_filter)
    buffer = io.BytesIO()
    filtered.save(buffer, format="PNG")
    return ProcessedImage(buffer.getvalue(), "image/png", filtered.width, filtered.height)


def _decode(data: bytes) -> Image.Image:
    """Open, bound, verify and fully decode `data`, or raise ImagingError."""
    try:
        with Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES)) as header:
            width, height = header.size
            if width * height > MAX_PIXELS:
                message = (
                    f"The image is {width}x{height}: more than {MAX_PIXELS} pixels "
                    "are not accepted."
                )
                raise ImagingError(message)
            header.verify()
        # `verify` leaves the image unusable, so the pixels are decoded from a fresh open.
        with Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES)) as image:
            image.load()
            return image
    except _DECODE_ERRORS as error:
        message = f"The bytes are not a decodable PNG, JPEG or WebP image: {error}"
        raise ImagingError(message) from error


def _content_type(image: Image.Image) -> str:
    # `formats=` above lets only these formats open, so the lookup cannot miss.
    return CONTENT_TYPES[str(image.format)]


def _filtered(image: Image.Image, image_filter: ImageFilter) -> Image.Image:
    alpha = None
    if image.has_transparency_data:
        # Through RGBA, so palette and single-colour (tRNS) transparency become a channel too.
        image = image.convert("RGBA")
        alpha = image.getchannel("A")
    rgb = image.convert("RGB")
    if image_filter is ImageFilter.GRAYSCALE:
        result = rgb.convert("L")
    elif image_filter is ImageFilter.SEPIA:
        result = rgb.convert("RGB", SEPIA_MATRIX)
    else:
        result = ImageOps.invert(rgb)
    if alpha is not None:
        result.putalpha(alpha)
    return result
