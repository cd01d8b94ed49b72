"""The multipart forms of `/v1/images/edits` and `/v1/images/variations`: split, checked, sent.

Pure but for `read_uploads`, which reads each uploaded image's header (Pillow reads the
format and the pixel size without decoding a pixel); the route runs it in a worker thread.

Invariants:
- everything a request can be refused for is found here or in the plan, before the gate:
  no model, no image, a file that is no PNG, JPEG or WebP, an image the model does not
  take (dall-e-2: one square PNG under 4 MB; GPT image models: up to 16 images under
  50 MB each), a mask that is no PNG of the first image's size;
- `forward` keeps every part but the credentials, in the client's order (several `image[]`
  stay several); the parts sent differ from it only by the provider's model name and the
  plan's explicit and dropped fields.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from providers.openai_images import Operation
from providers.openai_media import CREDENTIAL_FIELDS, FormPart, MediaRequestError
from providers.usage import JsonObject

IMAGE_FIELDS = ("image", "image[]")
#: The file parts an edit takes: its images, a mask, and (GPT Image 2.5) a markup overlay.
FILE_FIELDS = (*IMAGE_FIELDS, "mask", "markup")
#: Fields JSON would carry as numbers or booleans; a form carries them as text.
_INTEGER_FIELDS = ("n", "partial_images", "output_compression", "frame_count")
_BOOLEAN_FIELDS = ("stream",)
_INTEGER = re.compile(r"-?\d{1,9}")
_FORMATS = ("PNG", "JPEG", "WEBP")
MEGABYTE = 1024 * 1024
#: OpenAI's limits: dall-e-2 takes one square PNG under 4 MB (a mask too); GPT image models
#: up to 16 PNG, JPEG or WebP images under 50 MB each.
DALL_E_BYTES = 4 * MEGABYTE
GPT_IMAGE_BYTES = 50 * MEGABYTE
GPT_IMAGE_COUNT = 16


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded image and what its header says."""

    part: FormPart
    format: str
    width: int
    height: int

    @property
    def pixels(self) -> tuple[int, int]:
        return self.width, self.height


@dataclass(frozen=True, slots=True)
class ImageForm:
    """An edit or variation split into what the gateway needs and what it forwards.

    `fields` are the text fields, typed as JSON carries them (`n` a number, `stream` a
    boolean), for the same checks and plans a generation's body gets.
    """

    model: str
    fields: JsonObject
    files: list[FormPart]
    credentials: dict[str, str]
    forward: list[FormPart]


def _typed(name: str, text: str) -> object:
    if name in _INTEGER_FIELDS:
        if _INTEGER.fullmatch(text.strip()) is None:
            raise MediaRequestError(f"`{name}` must be a whole number", name)
        return int(text)
    if name in _BOOLEAN_FIELDS and text.strip().lower() in ("true", "false"):
        return text.strip().lower() == "true"
    return text


def _text_fields(parts: list[FormPart]) -> JsonObject:
    """Every text part by name, typed; a field sent twice is a 400 unless its name ends
    in `[]` (a list), whose values are kept in order."""
    fields: JsonObject = {}
    for part in parts:
        if part.filename is not None:
            raise MediaRequestError(
                f"`{part.name}` cannot be a file: only {', '.join(FILE_FIELDS)} are", part.name
            )
        if part.name.endswith("[]"):
            fields.setdefault(part.name, []).append(part.text())
        elif part.name in fields:
            raise MediaRequestError(f"`{part.name}` was sent twice: send it once", part.name)
        else:
            fields[part.name] = _typed(part.name, part.text())
    return fields


def split_image_form(parts: list[FormPart], operation: Operation) -> ImageForm:
    """Split and check the form's shape (no model, no image, a missing prompt: 400)."""
    files = [part for part in parts if part.name in FILE_FIELDS]
    for part in files:
        if part.filename is None or not part.value:
            raise MediaRequestError(f"`{part.name}`: upload it as a non-empty file", part.name)
    fields = _text_fields([part for part in parts if part.name not in FILE_FIELDS])
    credentials = {name: str(fields.pop(name)) for name in CREDENTIAL_FIELDS if name in fields}
    if not any(part.name in IMAGE_FIELDS for part in files):
        raise MediaRequestError(
            "`image` is required: upload the image as the `image` file part (several as "
            "`image[]`)",
            "image",
        )
    if operation is Operation.EDIT and not str(fields.get("prompt") or "").strip():
        raise MediaRequestError("`prompt` is required: say what to change", "prompt")
    model = str(fields.get("model") or "").strip()
    forward = [part for part in parts if part.name not in CREDENTIAL_FIELDS]
    return ImageForm(model, fields, files, credentials, forward)


def read_upload(part: FormPart) -> Upload:
    """The format and pixel size of one uploaded image, from its header."""
    try:
        with warnings.catch_warnings():
            # a large photo is fine: only its header is read, and the bound clamps its pixels
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(part.value), formats=_FORMATS) as image:
                return Upload(part, str(image.format), image.width, image.height)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise MediaRequestError(
            f"`{part.name}` ({part.filename}) is not a readable PNG, JPEG or WebP image",
            part.name,
        ) from error


def read_uploads(form: ImageForm) -> list[Upload]:
    return [read_upload(part) for part in form.files]


def _refuse(upload: Upload, why: str) -> MediaRequestError:
    return MediaRequestError(
        f"`{upload.part.name}` ({upload.part.filename}) {why}", upload.part.name
    )


def check_uploads(uploads: Sequence[Upload], per_token: bool) -> None:
    """The images the model takes (see the module's invariants), before anything is held."""
    images = [upload for upload in uploads if upload.part.name in IMAGE_FIELDS]
    most = GPT_IMAGE_COUNT if per_token else 1
    if len(images) > most:
        raise _refuse(images[most], f"is one image too many: this model takes {most}")
    for upload in uploads:
        _check_file(upload, per_token)
    first = images[0]
    if not per_token and first.width != first.height:
        raise _refuse(first, f"must be square, not {first.width}x{first.height}")
    for upload in uploads:
        if upload.part.name in ("mask", "markup") and upload.pixels != first.pixels:
            raise _refuse(upload, f"must be {first.width}x{first.height}, as the first image")
    names = {upload.part.name for upload in uploads}
    if {"mask", "markup"} <= names:
        raise MediaRequestError("`markup` cannot be combined with `mask`: send one", "markup")
    if "markup" in names and not per_token:
        raise MediaRequestError("`markup` is for GPT image models only", "markup")


def _check_file(upload: Upload, per_token: bool) -> None:
    """A mask, and every dall-e-2 file, is a PNG under 4 MB; a GPT image is under 50 MB."""
    strict = upload.part.name == "mask" or not per_token
    limit = DALL_E_BYTES if strict else GPT_IMAGE_BYTES
    if len(upload.part.value) >= limit:
        raise _refuse(upload, f"must be smaller than {limit // MEGABYTE} MB")
    if (strict or upload.part.name == "markup") and upload.format != "PNG":
        raise _refuse(upload, "must be a PNG")


def form_parts(
    form: ImageForm, upstream: str, fields: JsonObject, dropped: frozenset[str]
) -> list[FormPart]:
    """The parts to send: the client's, with the provider's model name, `fields` set (in
    place, or added) and `dropped` left out."""
    explicit = {**fields, "model": upstream}
    parts = [
        FormPart(part.name, str(explicit[part.name]).encode()) if part.name in explicit else part
        for part in form.forward
        if part.name not in dropped
    ]
    sent = {part.name for part in parts}
    parts += [
        FormPart(name, str(value).encode()) for name, value in explicit.items() if name not in sent
    ]
    return parts


def form_identity(form: ImageForm) -> JsonObject:
    """What makes two forms the same request for `Idempotency-Key`: every forwarded part in
    order, a file by its name and SHA-256 (never its bytes)."""
    return {
        "parts": [
            [part.name, part.filename, hashlib.sha256(part.value).hexdigest()]
            if part.filename is not None
            else [part.name, None, part.text()]
            for part in form.forward
        ]
    }
