"""`GET /v1/models`: OpenAI's model list, with each model's prices and availability."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api.context import context_of
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow


class ListedModel(BaseModel):
    """OpenAI's model object, plus what this service adds: whether its provider is
    configured, its kind, and its prices as decimal strings of `pricing.currency`."""

    model_config = ConfigDict(extra="forbid")

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str
    available: bool
    kind: str
    pricing: dict[str, str]


class ModelsAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: Literal["list"] = "list"
    data: list[ListedModel]


async def list_models(request: web.Request) -> web.Response:
    context = context_of(request)
    providers = context.registry.providers
    data = [
        ListedModel(
            id=model.name,
            owned_by=model.provider,
            available=bool(
                providers.get(model.provider, None) and providers[model.provider].available
            ),
            kind=model.kind,
            pricing={"currency": context.currency, **model.prices()},
        )
        for model in context.registry.catalog.models.values()
    ]
    return web.json_response(ModelsAnswer(data=data).model_dump(mode="json"))


ROUTES = (RouteRow("GET", "/v1/models", list_models),)
OPERATIONS: dict[Handler, OperationDoc] = {
    list_models: OperationDoc(
        "The catalog, with prices", "models", secured=False, answer=ModelsAnswer
    ),
}
