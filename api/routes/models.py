"""`GET /v1/models` and `GET /v1/models/{id}`: OpenAI's model list and model object, with each
model's prices, availability and token limits.

Both answer the same entry for a model, built in one place, so a client that retrieves one
model sees exactly what the list shows for it. The additions are extra fields beside
OpenAI's own, which the SDKs keep (their model objects allow extra fields)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api.context import ApiContext, context_of
from api.json_answer import json_answer
from api.openapi_models import Handler, OperationDoc
from api.route_rows import openai_rows
from providers.catalog import Model, ModelKind


class ListedModel(BaseModel):
    """OpenAI's model object, plus what this service adds: whether it can be called (its
    provider configured and a price known) and if not `reason`, its kind, and its prices
    as decimal strings of `pricing.currency`, with `pricing.source` saying where they came
    from. A chat or completion model also gives its `context_window` and the
    `max_output_tokens` a call is held for, and whether the provider documents that limit
    (`max_output_documented`: when false, the whole window is held as output)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str
    available: bool
    kind: str
    pricing: dict[str, str]
    reason: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    max_output_documented: bool | None = None


class ModelsAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object: Literal["list"] = "list"
    data: list[ListedModel]


#: The kinds whose calls are held for an answer bounded by the model's output limit.
_BOUNDED_OUTPUT = (ModelKind.CHAT, ModelKind.COMPLETION)


def _limits(model: Model) -> dict[str, int | bool]:
    if model.kind not in _BOUNDED_OUTPUT:
        return {}
    return {
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "max_output_documented": model.max_output_documented,
    }


def _entry(context: ApiContext, model: Model) -> ListedModel:
    reason = context.registry.unavailable_reason(model)
    return ListedModel(
        id=model.name,
        owned_by=model.provider,
        available=not reason,
        kind=model.kind,
        pricing={"currency": context.currency, **model.prices(), "source": model.price_source()},
        reason=reason or None,
        **_limits(model),
    )


async def list_models(request: web.Request) -> web.Response:
    context = context_of(request)
    data = [_entry(context, model) for model in context.registry.catalog.models.values()]
    answer = ModelsAnswer(data=data).model_dump(mode="json", exclude_none=True)
    return json_answer(answer)


async def retrieve_model(request: web.Request) -> web.Response:
    """The model by its catalog name or `provider:upstream name`, answered under its catalog
    name; an unknown id raises UnknownModelError, which the error middleware answers as
    OpenAI does: 404 `model_not_found`."""
    context = context_of(request)
    model = context.registry.catalog.get(request.match_info["model"])
    return json_answer(_entry(context, model).model_dump(mode="json", exclude_none=True))


#: The id may hold slashes (`openrouter:meta-llama/...`), so it matches the rest of the path.
ROUTES = (
    *openai_rows("GET", "/models", list_models),
    *openai_rows("GET", "/models/{model:.+}", retrieve_model),
)
OPERATIONS: dict[Handler, OperationDoc] = {
    list_models: OperationDoc(
        "The catalog, with prices", "models", secured=False, answer=ModelsAnswer
    ),
    retrieve_model: OperationDoc(
        "One model of the catalog, with its prices",
        "models",
        secured=False,
        answer=ListedModel,
        path={"model": {"type": "string", "maxLength": 256, "examples": ["gpt-4o-mini"]}},
    ),
}
