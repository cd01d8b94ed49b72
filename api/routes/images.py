"""`POST /v1/images/generations`: OpenAI's image generation, priced per image before the call.

The size and quality are checked against the model's price table before the gate (an
unpriced one is a 400 naming the priced ones, nothing written); the hold is `n` images at
that price, the bill the images the answer actually carries. A model that bills its prompt
(gpt-image) also holds the prompt's longest tokenisation and bills the input tokens its
answer reports (`providers.image_tokens`); a streamed image is refused before the gate.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import openai_rows
from api.routes.kinds import as_invalid_request, refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.image_tokens import PromptBill
from providers.openai_media import image_payload, images_returned, plan_image
from providers.openai_media_client import OpenAIMediaClient


class ImageRequest(BaseModel):
    """The fields the gateway prices or checks; the rest (`background`...) passes through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    prompt: str = Field(min_length=1)
    n: int = 1
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    response_format: str | None = None


async def create_image(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    image = validated(ImageRequest, body)
    route = route_of_kind(context.registry, image.model, ModelKind.IMAGE)
    refuse_unpriced(unpriced.openai_image(body))
    with as_invalid_request():
        plan = plan_image(route.model, body)
    prompt = PromptBill.for_request(route.model, body)
    client = OpenAIMediaClient(context.upstream)
    payload = image_payload(body, route.model, plan)
    hold = plan.hold + prompt.hold
    async with billed_request(request, credentials, route, hold, body=body) as call:
        if call.replay is not None:
            return call.replay
        reply = await client.post_json(route, "/images/generations", payload)
        returned = images_returned(reply.data)
        tokens = prompt.reported(reply.data)
        call.bill.charge(tokens.total, returned, plan.cost(returned) + prompt.cost(tokens))
        return call.answer(web.Response(body=reply.body, content_type="application/json"))


ROUTES = openai_rows("POST", "/images/generations", create_image)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_image: OperationDoc(
        "OpenAI image generation",
        "openai",
        body=ImageRequest,
        example={"model": "dall-e-3", "prompt": "A small robotics lab", "size": "1024x1024"},
    ),
}
