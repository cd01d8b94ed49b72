"""Multipart uploads with a limit of their own: audio and images are larger than JSON bodies.

aiohttp's `client_max_size` is one value per application and only guards `request.read()`
and `request.post()`; uploads are read here from the raw stream instead, counting every
byte, so JSON routes keep MAX_BODY_BYTES while audio routes accept MAX_AUDIO_BYTES and
image edits and variations MAX_IMAGE_BYTES. Nothing past the limit is buffered: the answer
is 413 as soon as the count passes it.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.hdrs import CONTENT_TYPE
from aiohttp.http_exceptions import BadHttpMessage

from api.body import body_deadline
from api.errors import ApiError, InvalidRequestError
from providers.openai_media import FormPart

#: The audio upload limit of an application (MAX_AUDIO_BYTES; OpenAI's own is 25 MB).
AUDIO_BODY_LIMIT = web.AppKey("audio_body_limit", int)
DEFAULT_MAX_AUDIO_BYTES = 25 * 1024 * 1024
#: The image upload limit of an application (MAX_IMAGE_BYTES), for all of a form's images.
IMAGE_BODY_LIMIT = web.AppKey("image_body_limit", int)
DEFAULT_MAX_IMAGE_BYTES = 50 * 1024 * 1024
#: What a client whose upload is too large can do, by what it uploads.
AUDIO_ADVICE = "send a shorter or more compressed audio file (mp3, ogg/opus or m4a)"
IMAGE_ADVICE = "send fewer or smaller images (a JPEG or WebP is smaller than a PNG)"
_CHUNK = 64 * 1024
#: More parts than any audio or image form has: part headers are not counted in the limit.
_MAX_PARTS = 64


class UploadTooLargeError(ApiError):
    status = 413
    code = "request_too_large"


def _too_large(limit: int, advice: str) -> UploadTooLargeError:
    return UploadTooLargeError(
        f"the upload is larger than the {limit} bytes this route accepts: {advice}"
    )


async def _read_part(part: BodyPartReader, budget: int, too_large: UploadTooLargeError) -> bytes:
    chunks: list[bytes] = []
    while chunk := await part.read_chunk(_CHUNK):
        budget -= len(chunk)
        if budget < 0:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(
    request: web.Request, limit: int, advice: str = AUDIO_ADVICE
) -> list[FormPart]:
    """Every part of a multipart/form-data body, in order; 413 past `limit` bytes in all,
    saying what to do (`advice`)."""
    if request.content_type != "multipart/form-data":
        raise InvalidRequestError(
            "this route takes multipart/form-data: each file (`file`, `image`...) as a file "
            "part, and the other fields (`model`, ...) as form fields"
        )
    too_large = _too_large(limit, advice)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    async with body_deadline(request):
        return await _read_parts(request, limit, too_large)


async def _read_parts(
    request: web.Request, limit: int, too_large: UploadTooLargeError
) -> list[FormPart]:
    parts: list[FormPart] = []
    used = 0
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                raise InvalidRequestError("nested multipart bodies are not accepted")
            if len(parts) == _MAX_PARTS:
                raise InvalidRequestError(f"the form has more than {_MAX_PARTS} parts")
            value = await _read_part(part, limit - used, too_large)
            used += len(value)
            content_type = part.headers.get(CONTENT_TYPE)
            parts.append(FormPart(part.name or "", value, part.filename, content_type))
    except (ValueError, RuntimeError, BadHttpMessage) as error:
        # BadHttpMessage: a part's headers that HTTP forbids (control characters...).
        raise InvalidRequestError(f"the multipart body is malformed: {error}") from error
    return parts
