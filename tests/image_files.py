"""Small images of known size and format, made in the test process, and image upload forms."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

#: An image part of a form: (field name, bytes, filename, content type).
ImagePart = tuple[str, bytes, str, str]
_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def image_bytes(width: int, height: int, image_format: str = "PNG") -> bytes:
    """A one-colour image; PNG with an alpha channel (a mask needs one), others RGB."""
    mode = "RGBA" if image_format == "PNG" else "RGB"
    buffer = io.BytesIO()
    Image.new(mode, (width, height), (40, 80, 120, 255)[: len(mode)]).save(
        buffer, format=image_format
    )
    return buffer.getvalue()


def image_part(
    name: str, width: int, height: int, image_format: str = "PNG", filename: str = ""
) -> ImagePart:
    data = image_bytes(width, height, image_format)
    extension = image_format.lower().replace("jpeg", "jpg")
    return name, data, filename or f"{name.strip('[]')}.{extension}", _TYPES[image_format]


def image_form(files: list[ImagePart], **fields: str) -> aiohttp.FormData:
    """A multipart form: the text fields, then the files in order."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, data, filename, content_type in files:
        form.add_field(name, data, filename=filename, content_type=content_type)
    return form
