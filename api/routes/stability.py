"""`POST /stability/v1/generation/{engine_id}/text-to-image`: Stability's v1 API, so the
seed's program works with only its host and key changed.

Same order as chat: body, engine and price are checked before the billed-request pipeline
(`api.pipeline`), so bad input and unknown engines change nothing in the database; it holds
`samples` images at the engine's price; the call is billed per image Stability delivered
(finishReason SUCCESS), so filtered or failed artifacts are free.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import ApiContext, context_of
from api.credentials import take_credentials
from api.errors import InvalidRequestError, NotFoundError
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import RouteRow
from providers.catalog import Model, ModelKind
from providers.errors import UnknownModelError
from providers.http import parse_json
from providers.registry import Route
from providers.stability import MAX_SAMPLES, delivered_images, image_size, price_per_image
from providers.stability_client import StabilityClient


class TextToImageRequest(BaseModel):
    """The fields the gateway relies on; every other field passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)

    text_prompts: list[dict[str, Any]] = Field(min_length=1)
    width: int | None = Field(default=None, ge=1)
    height: int | None = Field(default=None, ge=1)
    samples: int = Field(default=1, ge=1, le=MAX_SAMPLES)


async def text_to_image(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    fields = validated(TextToImageRequest, body)
    route = _engine_route(context, request.match_info["engine_id"])
    price = price_per_image(route.model, fields.width, fields.height)
    if price is None:
        size = image_size(fields.width, fields.height)
        raise InvalidRequestError(
            f"{route.model.name} has no price for {size} images: see GET /v1/models",
            param="width",
        )
    payload = json.dumps(body).encode() if credentials.stripped else await request.read()
    hold = price * fields.samples
    async with billed_request(request, credentials, route, hold, body=body) as call:
        if call.replay is not None:
            return call.replay
        answer = await StabilityClient(context.upstream).text_to_image(route, payload)
        images = delivered_images(parse_json(answer))
        call.bill.charge(0, images, images * price)
        return call.answer(web.Response(body=answer, content_type="application/json"))


def _catalog_engine(context: ApiContext, engine: str) -> Model:
    """The engine by its catalog name, else as `stability:<engine>`."""
    catalog = context.registry.catalog
    try:
        return catalog.get(engine)
    except UnknownModelError:
        return catalog.get(f"stability:{engine}")


def _engine_route(context: ApiContext, engine: str) -> Route:
    """A catalog image model of Stability's; anything else is not an engine here."""
    try:
        model = _catalog_engine(context, engine)
    except UnknownModelError:
        model = None
    if model is None or model.provider != "stability":
        raise NotFoundError(
            f"the engine {engine!r} does not exist here: GET /v1/models lists the image "
            "models of provider stability",
            param="engine_id",
            code="model_not_found",
        )
    if model.kind is not ModelKind.IMAGE:
        raise InvalidRequestError(f"{engine!r} is a {model.kind} model, not an image model")
    return context.registry.route(model.name)


ROUTES = (RouteRow("POST", "/stability/v1/generation/{engine_id}/text-to-image", text_to_image),)
OPERATIONS: dict[Handler, OperationDoc] = {
    text_to_image: OperationDoc(
        f"Stability v1 text-to-image (samples 1 to {MAX_SAMPLES})",
        "stability",
        body=TextToImageRequest,
        path={"engine_id": {"type": "string", "examples": ["stable-diffusion-xl-1024-v1-0"]}},
        example={
            "text_prompts": [{"text": "A small robotics lab"}],
            "width": 1024,
            "height": 1024,
        },
    ),
}
