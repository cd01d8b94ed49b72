"""`POST /v1/images/edits` and `/v1/images/variations`: OpenAI's image uploads, billed.

Both take multipart forms (read with their own limit, MAX_IMAGE_BYTES) and are checked
before the gate: the form's shape and each image's header (`providers.image_forms`, the
headers read in a worker thread), then the same plan a generation gets, with the uploaded
images' pixel sizes (a GPT image model bills them as image input tokens; dall-e-2 bills per
image made). The form travels on as multipart with the provider's model name; the answer
is billed by `api.routes.images.make_images`, as a generation's is.

`Idempotency-Key` works as on JSON routes: two forms are the same request when their
parts are, files compared by their SHA-256.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from api.context import context_of
from api.credentials import take_credentials
from api.openapi_models import Handler, OperationDoc
from api.route_rows import openai_rows
from api.routes.images import make_images
from api.routes.kinds import as_invalid_request, refuse_unpriced, route_of_kind
from api.uploads import DEFAULT_MAX_IMAGE_BYTES, IMAGE_ADVICE, IMAGE_BODY_LIMIT, read_form
from providers import unpriced
from providers.catalog import ModelKind
from providers.image_forms import (
    check_uploads,
    form_identity,
    form_parts,
    read_uploads,
    split_image_form,
)
from providers.image_plans import bills_tokens, plan_image, require_model
from providers.openai_images import Operation
from providers.openai_media_client import MediaReply, OpenAIMediaClient


async def create_edit(request: web.Request) -> web.StreamResponse:
    return await _upload(request, Operation.EDIT)


async def create_variation(request: web.Request) -> web.StreamResponse:
    return await _upload(request, Operation.VARIATION)


async def _upload(request: web.Request, operation: Operation) -> web.StreamResponse:
    context = context_of(request)
    limit = request.app.get(IMAGE_BODY_LIMIT, DEFAULT_MAX_IMAGE_BYTES)
    with as_invalid_request():
        form = split_image_form(await read_form(request, limit, IMAGE_ADVICE), operation)
    credentials = take_credentials(request, dict(form.credentials))
    with as_invalid_request():
        name = require_model(form.model)
    route = route_of_kind(context.registry, name, ModelKind.IMAGE)
    refuse_unpriced(unpriced.openai_image(form.fields))
    with as_invalid_request():
        uploads = await asyncio.to_thread(read_uploads, form)
        check_uploads(uploads, bills_tokens(route.model))
        pixels = [upload.pixels for upload in uploads]
        plan = plan_image(route.model, form.fields, operation, pixels)
    parts = form_parts(form, route.model.upstream, plan.fields, plan.dropped)

    async def send(client: OpenAIMediaClient) -> MediaReply:
        return await client.post_form(route, f"/images/{operation}", parts)

    return await make_images(request, credentials, route, plan, send, form_identity(form))


ROUTES = (
    *openai_rows("POST", "/images/edits", create_edit),
    *openai_rows("POST", "/images/variations", create_variation),
)
_FILE = {"type": "string", "format": "binary"}
_TEXT = {"type": "string"}
#: OpenAI's multipart fields (files and text; numbers travel as text), and ours.
_EDIT_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["image", "prompt", "model"],
    "properties": {
        "image": {**_FILE, "description": "the image to edit (several as `image[]`)"},
        "image[]": {"type": "array", "items": _FILE, "maxItems": 16},
        "mask": {**_FILE, "description": "a PNG whose transparent pixels mark what to edit"},
        "prompt": {"type": "string", "minLength": 1},
        "model": {"type": "string", "minLength": 1, "examples": ["gpt-image-2"]},
        "n": {"type": "string", "pattern": "^[0-9]+$"},
        "size": _TEXT,
        "quality": _TEXT,
        "username": _TEXT,
        "key": _TEXT,
    },
    "additionalProperties": _TEXT,
}
_VARIATION_FORM: dict[str, Any] = {
    "type": "object",
    "required": ["image", "model"],
    "properties": {
        "image": {**_FILE, "description": "a square PNG under 4 MB"},
        "model": {"type": "string", "minLength": 1, "examples": ["dall-e-2"]},
        "n": {"type": "string", "pattern": "^[0-9]+$"},
        "size": _TEXT,
        "response_format": _TEXT,
        "username": _TEXT,
        "key": _TEXT,
    },
    "additionalProperties": _TEXT,
}
OPERATIONS: dict[Handler, OperationDoc] = {
    create_edit: OperationDoc("OpenAI image edit", "openai", form=_EDIT_FORM),
    create_variation: OperationDoc("OpenAI image variation", "openai", form=_VARIATION_FORM),
}
