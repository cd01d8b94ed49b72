"""The image library's filters and checks (api/library/imaging.py), pinned to exact pixels."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from api.library.imaging import (
    MAX_PIXELS,
    ImageFilter,
    ImagingError,
    ProcessedImage,
    apply_filter,
)

#: A 2x2 image, read left to right, top to bottom.
COLOURS = [(200, 100, 50), (0, 0, 0), (255, 255, 255), (10, 20, 30)]
ALPHAS = [128, 0, 255, 64]

# Worked for the first pixel (200, 100, 50):
#   luma  200*.299 + 100*.587 + 50*.114 = 124.2                        -> 124
#   sepia (78.6+76.9+9.45, 69.8+68.6+8.4, 54.4+53.4+6.55) = (164.95, 146.8, 114.35)
#                                                                       -> (165, 147, 114)
#   white under sepia is (344.5, 306.8, 238.9): clamped to (255, 255, 239)
GRAYSCALE = [124, 0, 255, 18]
SEPIA = [(165, 147, 114), (0, 0, 0), (255, 255, 239), (25, 22, 17)]
INVERTED = [(55, 155, 205), (255, 255, 255), (0, 0, 0), (245, 235, 225)]


def encode(image: Image.Image, image_format: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def square(mode: str = "RGB") -> bytes:
    image = Image.new(mode, (2, 2))
    for index, colour in enumerate(COLOURS):
        pixel = (*colour, ALPHAS[index]) if mode == "RGBA" else colour
        image.putpixel((index % 2, index // 2), pixel)
    return encode(image)


def decoded(processed: ProcessedImage) -> Image.Image:
    return Image.open(io.BytesIO(processed.data))


def pixels(image: Image.Image) -> list[Any]:
    return [image.getpixel((x, y)) for y in range(image.height) for x in range(image.width)]


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares `width` x `height` and whose IDAT holds no real pixels."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"not zlib")
        + chunk(b"IEND", b"")
    )


def test_grayscale_is_the_601_2_luma_stored_as_a_grayscale_png() -> None:
    image = decoded(apply_filter(square(), ImageFilter.GRAYSCALE))
    assert image.mode == "L"
    assert pixels(image) == GRAYSCALE


def test_sepia_is_the_classic_matrix_rounded_and_clamped_to_255() -> None:
    image = decoded(apply_filter(square(), ImageFilter.SEPIA))
    assert image.mode == "RGB"
    assert pixels(image) == SEPIA


def test_invert_takes_each_colour_from_255() -> None:
    image = decoded(apply_filter(square(), ImageFilter.INVERT))
    assert image.mode == "RGB"
    assert pixels(image) == INVERTED


@pytest.mark.parametrize(
    ("image_filter", "mode", "expected"),
    [
        (
            ImageFilter.GRAYSCALE,
            "LA",
            [(luma, a) for luma, a in zip(GRAYSCALE, ALPHAS, strict=True)],
        ),
        (ImageFilter.SEPIA, "RGBA", [(*rgb, a) for rgb, a in zip(SEPIA, ALPHAS, strict=True)]),
        (ImageFilter.INVERT, "RGBA", [(*rgb, a) for rgb, a in zip(INVERTED, ALPHAS, strict=True)]),
    ],
)
def test_a_filter_changes_only_the_colours_and_keeps_the_alpha(
    image_filter: ImageFilter, mode: str, expected: list[tuple[int, ...]]
) -> None:
    image = decoded(apply_filter(square("RGBA"), image_filter))
    assert image.mode == mode
    assert pixels(image) == expected


def test_a_palette_transparency_comes_out_as_an_alpha_channel() -> None:
    image = Image.new("P", (1, 1), 1)
    image.putpalette([0, 0, 0, 200, 100, 50])
    result = decoded(apply_filter(encode(image, transparency=1), ImageFilter.SEPIA))
    assert pixels(result) == [(165, 147, 114, 0)]


def test_a_filtered_image_is_a_png_of_the_same_size_whatever_came_in() -> None:
    jpeg = encode(Image.new("RGB", (3, 2), (200, 100, 50)), "JPEG")
    processed = apply_filter(jpeg, ImageFilter.INVERT)
    assert (processed.content_type, processed.width, processed.height) == ("image/png", 3, 2)
    assert decoded(processed).format == "PNG"


def test_without_a_filter_the_bytes_come_back_unchanged() -> None:
    data = square("RGBA")
    assert apply_filter(data, None) == ProcessedImage(data, "image/png", 2, 2)


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
def test_without_a_filter_the_content_type_is_the_detected_format(
    image_format: str, content_type: str
) -> None:
    data = encode(Image.new("RGB", (5, 3), (200, 100, 50)), image_format)
    assert apply_filter(data, None) == ProcessedImage(data, content_type, 5, 3)


@pytest.mark.parametrize("image_filter", [None, ImageFilter.GRAYSCALE])
def test_bytes_that_are_no_image_are_an_imaging_error(image_filter: ImageFilter | None) -> None:
    with pytest.raises(ImagingError, match="not a decodable PNG, JPEG or WebP image"):
        apply_filter(b"fake-png", image_filter)


def test_a_truncated_png_is_refused_although_its_header_reads() -> None:
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"))
    with pytest.raises(ImagingError, match="not a decodable"):
        apply_filter(data[: len(data) // 2], None)


def test_a_format_other_than_png_jpeg_or_webp_is_refused() -> None:
    gif = encode(Image.new("RGB", (2, 2), (200, 100, 50)), "GIF")
    with pytest.raises(ImagingError, match="not a decodable PNG, JPEG or WebP image"):
        apply_filter(gif, None)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (4097, 4096),  # just over this module's bound
        (10_000, 10_000),  # over Pillow's warning threshold too
        (20_000, 20_000),  # over Pillow's own refusal threshold too
    ],
)
def test_an_image_declaring_too_many_pixels_is_refused(width: int, height: int) -> None:
    with pytest.raises(ImagingError):
        apply_filter(png_header(width, height), ImageFilter.SEPIA)


def test_the_pixel_bound_is_checked_before_any_pixel_is_decoded() -> None:
    # The IDAT is not even zlib data: only the header has been read when the bound refuses.
    with pytest.raises(ImagingError, match=f"4097x4096: more than {MAX_PIXELS} pixels"):
        apply_filter(png_header(4097, 4096), None)


def test_an_image_of_exactly_the_bound_passes_the_size_check() -> None:
    # 4096x4096 is accepted by the bound, so what fails is the decoding of its fake IDAT.
    with pytest.raises(ImagingError, match="not a decodable"):
        apply_filter(png_header(4096, 4096), None)


def test_a_png_whose_checksums_verify_but_whose_pixels_do_not_decode_is_refused() -> None:
    # Pillow's `verify` passes this file; only decoding the pixels finds the broken IDAT.
    with pytest.raises(ImagingError, match="not a decodable"):
        apply_filter(png_header(2, 2), None)
