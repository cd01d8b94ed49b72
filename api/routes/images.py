"""`POST /v1/images/generations`, and the billed call every images route makes.

The request is checked and priced before the gate (`providers.image_plans`): a per-image
model (dall-e) by its price table, a GPT image model by the most tokens its prompt and its
`n` images can be billed; an unpriced size or quality, a streamed image and a request
without `model` are 400s that write nothing. The hold is the plan's; the bill is the images
the answer carries (per image) or the token usage it reports (per token), and an answer
without usage is billed the hold.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import Credentials, take_credentials
from api.errors import REQUEST_ID
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import openai_rows
from api.routes.kinds import as_invalid_request, refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.image_plans import ImagePlan, image_payload, plan_image, require_model
from providers.openai_media_client import MediaReply, OpenAIMediaClient
from providers.registry import Route

logger = logging.getLogger(__name__)

#: One call to the provider, given the client to make it with.
Send = Callable[[OpenAIMediaClient], Awaitable[MediaReply]]


class ImageRequest(BaseModel):
    """The fields the gateway prices or checks; the rest (`background`...) passes through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str | None = Field(default=None, max_length=200)
    prompt: str = Field(min_length=1)
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    response_format: str | None = None


async def make_images(
    request: web.Request,
    credentials: Credentials,
    route: Route,
    plan: ImagePlan,
    send: Send,
    body: dict[str, Any],
) -> web.Response:
    """Hold the plan's hold, call the provider, charge what the plan prices the answer at.

    A charge above the hold (a provider reporting more tokens than any bound here allows)
    is still charged as reported, and logged: the provider billed the operator for it.
    """
    client = OpenAIMediaClient(context_of(request).upstream)
    async with billed_request(request, credentials, route, plan.hold, body=body) as call:
        if call.replay is not None:
            return call.replay
        reply = await send(client)
        charge = plan.charge(reply.data)
        if charge.cost > plan.hold:
            logger.warning(
                "request %s: %s billed %d units for images held at %d (%d input, %d output)",
                request[REQUEST_ID],
                route.model.name,
                charge.cost,
                plan.hold,
                charge.input_units,
                charge.output_units,
            )
        call.bill.charge_image(charge)
        return call.answer(web.Response(body=reply.body, content_type="application/json"))


async def create_image(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    image = validated(ImageRequest, body)
    with as_invalid_request():
        name = require_model(image.model)
    route = route_of_kind(context.registry, name, ModelKind.IMAGE)
    refuse_unpriced(unpriced.openai_image(body))
    with as_invalid_request():
        plan = plan_image(route.model, body)
    payload = image_payload(body, route.model, plan)

    async def send(client: OpenAIMediaClient) -> MediaReply:
        return await client.post_json(route, "/images/generations", payload)

    return await make_images(request, credentials, route, plan, send, body)


ROUTES = openai_rows("POST", "/images/generations", create_image)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_image: OperationDoc(
        "OpenAI image generation",
        "openai",
        body=ImageRequest,
        example={"model": "dall-e-3", "prompt": "A small robotics lab", "size": "1024x1024"},
    ),
}
