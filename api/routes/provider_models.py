"""Anthropic's and Gemini's own model lists, so each SDK's `models.list()` and
`models.get()`/`retrieve()` work with only the base URL changed.

`GET /anthropic/v1/models[/{id}]` answers Anthropic's `ModelInfo` objects and
`GET /google/{v1,v1beta}/models[/{model}]` Google's `Model` resources, built from the same
catalog as OpenAI's `GET /v1/models` (`api.routes.models`). Like that list they are public
(no key): they list the provider's chat models that can be called now, with the limits that
decide a call's hold (`max_tokens`/`outputTokenLimit`, `max_input_tokens`/`inputTokenLimit`).
A model that is not the provider's, or cannot be called, is that SDK's 404.
"""

from __future__ import annotations

from aiohttp import web

from api.context import ApiContext, context_of
from api.errors import NotFoundError
from api.json_answer import json_answer
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow
from providers.catalog import Model, ModelKind
from providers.errors import UnknownModelError
from providers.gemini import API_VERSIONS

#: Anthropic's placeholder for "release date unknown" (its API reference: an epoch value).
_UNKNOWN_RELEASE = "1970-01-01T00:00:00Z"
#: What a Gemini chat model serves here.
_GEMINI_METHODS = ["generateContent", "streamGenerateContent", "countTokens"]


def _callable_models(context: ApiContext, provider: str) -> list[Model]:
    return [
        model
        for model in context.registry.catalog.models.values()
        if model.provider == provider
        and model.kind is ModelKind.CHAT
        and not context.registry.unavailable_reason(model)
    ]


def _one(context: ApiContext, provider: str, name: str) -> Model:
    try:
        model = context.registry.catalog.get(name)
    except UnknownModelError:
        model = None
    if model is None or model not in _callable_models(context, provider):
        raise NotFoundError(
            f"there is no {provider} model {name!r} here: list them with GET on the models path",
            param="model",
            code="model_not_found",
        )
    return model


def _anthropic_info(model: Model) -> dict[str, object]:
    return {
        "type": "model",
        "id": model.name,
        "display_name": model.name,
        "created_at": _UNKNOWN_RELEASE,
        "lifecycle": "active",
        "max_input_tokens": model.context_window or None,
        "max_tokens": model.max_output_tokens or None,
    }


def _gemini_resource(model: Model) -> dict[str, object]:
    return {
        "name": f"models/{model.name}",
        "baseModelId": model.upstream,
        "displayName": model.name,
        "inputTokenLimit": model.context_window,
        "outputTokenLimit": model.max_output_tokens,
        "supportedGenerationMethods": _GEMINI_METHODS,
    }


async def anthropic_list(request: web.Request) -> web.Response:
    data = [_anthropic_info(model) for model in _callable_models(context_of(request), "anthropic")]
    first, last = (data[0]["id"], data[-1]["id"]) if data else (None, None)
    return json_answer({"data": data, "has_more": False, "first_id": first, "last_id": last})


async def anthropic_retrieve(request: web.Request) -> web.Response:
    model = _one(context_of(request), "anthropic", request.match_info["model_id"])
    return json_answer(_anthropic_info(model))


def _check_version(request: web.Request) -> None:
    if request.match_info["version"] not in API_VERSIONS:
        raise NotFoundError(f"there is no route GET {request.path}: use /google/v1beta/models")


async def gemini_list(request: web.Request) -> web.Response:
    _check_version(request)
    models = _callable_models(context_of(request), "gemini")
    return json_answer({"models": [_gemini_resource(model) for model in models]})


async def gemini_retrieve(request: web.Request) -> web.Response:
    _check_version(request)
    name = request.match_info["model_and_method"]
    return json_answer(_gemini_resource(_one(context_of(request), "gemini", name)))


ROUTES = (
    RouteRow("GET", "/anthropic/v1/models", anthropic_list),
    RouteRow("GET", "/anthropic/v1/models/{model_id}", anthropic_retrieve),
    RouteRow("GET", "/google/{version}/models", gemini_list),
)
#: Added after Gemini's POST route of the same path, so the two share one resource.
GEMINI_GET_ROUTE = RouteRow("GET", "/google/{version}/models/{model_and_method}", gemini_retrieve)
_EXAMPLE = "gemini-2.5-flash"
_VERSION = {"version": {"type": "string", "enum": list(API_VERSIONS), "examples": ["v1beta"]}}
OPERATIONS: dict[Handler, OperationDoc] = {
    anthropic_list: OperationDoc("Anthropic's model list", "anthropic", secured=False),
    anthropic_retrieve: OperationDoc(
        "One Anthropic model",
        "anthropic",
        secured=False,
        path={"model_id": {"type": "string", "maxLength": 256, "examples": ["claude-haiku-4-5"]}},
    ),
    gemini_list: OperationDoc("Gemini's model list", "google", secured=False, path=_VERSION),
    gemini_retrieve: OperationDoc(
        "One Gemini model",
        "google",
        secured=False,
        path={
            **_VERSION,
            "model_and_method": {"type": "string", "examples": ["gemini-2.5-flash"]},
        },
    ),
}
