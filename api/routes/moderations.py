"""`POST /v1/moderations`: OpenAI's moderations, free, but only to a caller the gate admits.

OpenAI charges nothing for moderations, so neither does the service: the call runs through
the billed-request pipeline with a zero hold, as Gemini's `countTokens` does. The gate still
judges it (a wrong key is a strike, a locked account is refused, a zero balance is not), and
the call is recorded as a usage row at cost 0. Only a `moderation` model of the catalog is
called, and the catalog sells one as free only while genai-prices lists it as free, so a
moderation model that starts costing money is refused, not served free by accident.

The input is checked before the gate (a string, a list of strings, or a list of text and
`image_url` parts), so a malformed request writes nothing; no `model` means OpenAI's
default, which is sent explicitly so the call records the model it used.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.errors import InvalidRequestError
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import openai_rows
from api.routes.kinds import route_of_kind
from providers.catalog import ModelKind
from providers.openai_media import with_upstream_model
from providers.openai_media_client import OpenAIMediaClient

#: OpenAI's model when a request names none.
DEFAULT_MODERATION_MODEL = "omni-moderation-latest"


class TextInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["text"]
    text: str


class ImageURL(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    url: str = Field(min_length=1)


class ImageInput(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["image_url"]
    image_url: ImageURL


class ModerationRequest(BaseModel):
    """What OpenAI's moderations take; any other field passes through."""

    model_config = ConfigDict(extra="allow", strict=True)

    input: str | list[str] | list[TextInput | ImageInput]
    model: str = Field(default=DEFAULT_MODERATION_MODEL, min_length=1, max_length=200)


def _is_part(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if value.get("type") == "text":
        return isinstance(value.get("text"), str)
    image = value.get("image_url")
    return value.get("type") == "image_url" and isinstance(image, dict) and bool(image.get("url"))


def _check_input(value: object) -> None:
    """A string, or a non-empty list of strings or of parts: else the 400 naming `input`."""
    if isinstance(value, str):
        return
    items = value if isinstance(value, list) else []
    if items and (all(isinstance(item, str) for item in items) or all(map(_is_part, items))):
        return
    raise InvalidRequestError(
        "`input` must be a string, a list of strings, or a list of "
        '{"type": "text", "text": ...} and {"type": "image_url", "image_url": {"url": ...}} '
        "parts, not empty",
        param="input",
    )


async def create_moderation(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    _check_input(body.get("input"))
    moderation = validated(ModerationRequest, body)
    route = route_of_kind(context.registry, moderation.model, ModelKind.MODERATION)
    client = OpenAIMediaClient(context.upstream)
    async with billed_request(request, credentials, route, 0, body=None) as call:
        payload = with_upstream_model(body, route.model)
        reply = await client.post_json(route, "/moderations", payload)
        return call.answer(web.Response(body=reply.body, content_type="application/json"))


ROUTES = openai_rows("POST", "/moderations", create_moderation)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_moderation: OperationDoc(
        "OpenAI moderation (free: recorded at cost 0)",
        "openai",
        body=ModerationRequest,
        example={"input": "Hello"},
    ),
}
