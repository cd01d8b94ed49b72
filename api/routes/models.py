"""`GET /v1/models`: OpenAI's model list, with each model's prices and availability."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api.context import context_of
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow


class ListedModel(BaseModel):
    """OpenAI's model object, plus what this service adds: whether it can be called (its
    provider configured and a price known) and if not `reason`, its kind, and its prices
    as decimal strings of `pricing.currency`, with `pricing.source` saying where they came
    from."""

    model_config = ConfigDict(extra="forbid")

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str
    available: bool
    kind: str
    pricing: dict[str, str]
    reason: str | None = None


class ModelsAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: Literal["list"] = "list"
    data: list[ListedModel]


async def list_models(request: web.Request) -> web.Response:
    context = context_of(request)
    registry = context.registry
    data = [
        ListedModel(
            id=model.name,
            owned_by=model.provider,
            available=not registry.unavailable_reason(model),
            kind=model.kind,
            pricing={
                "currency": context.currency,
                **model.prices(),
                "source": model.price_source(),
            },
            reason=registry.unavailable_reason(model) or None,
        )
        for model in registry.catalog.models.values()
    ]
    answer = ModelsAnswer(data=data).model_dump(mode="json", exclude_none=True)
    return web.json_response(answer)


ROUTES = (RouteRow("GET", "/v1/models", list_models),)
OPERATIONS: dict[Handler, OperationDoc] = {
    list_models: OperationDoc(
        "The catalog, with prices", "models", secured=False, answer=ModelsAnswer
    ),
}
