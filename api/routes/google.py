"""`POST /google/{v1,v1beta}/models/{model}:{method}`: Gemini's native API, so the
google-genai SDK works with only its base URL and key changed.

Same order as chat: the path, body and model are checked before the billed-request pipeline
(`api.pipeline`), so bad input and unknown models change nothing in the database; its hold
is the most the call can cost. `countTokens` is free: it runs through the same pipeline
with no hold (and no Idempotency-Key) and leaves a usage record at cost 0.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import ApiContext, context_of
from api.credentials import Credentials, take_credentials
from api.dialect_answer import dialect_answer
from api.errors import InvalidRequestError, NotFoundError
from api.openapi_models import STREAM_ANSWERS, Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import RouteRow
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.dialect_client import DialectClient
from providers.gemini import (
    API_VERSIONS,
    GEMINI_GENERATION,
    GeminiCall,
    GeminiMethod,
    GeminiTarget,
    forwarded_body,
    forwarded_params,
    parse_target,
)
from providers.registry import Route


class GenerationConfig(BaseModel):
    """The fields the hold relies on, for the API's description and the first spelling's
    types; the hold itself reads every spelling (`providers.gemini_holds.output_bound`)."""

    model_config = ConfigDict(extra="allow", strict=True)

    max_output_tokens: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("maxOutputTokens", "max_output_tokens")
    )
    candidate_count: int | None = Field(
        default=None, ge=1, validation_alias=AliasChoices("candidateCount", "candidate_count")
    )


class GenerateContentRequest(BaseModel):
    """What the gateway relies on; every other field passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)

    contents: list[dict[str, Any]] = Field(min_length=1)
    generation_config: GenerationConfig | None = Field(
        default=None, validation_alias=AliasChoices("generationConfig", "generation_config")
    )


async def gemini_models(request: web.Request) -> web.StreamResponse:
    target = _target(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    route, hold = _priced(request, target, body)
    outgoing = await _outgoing(request, target, route, body, credentials.stripped)
    client = DialectClient(context_of(request).upstream, GEMINI_GENERATION)
    if target.method is GeminiMethod.COUNT_TOKENS:
        return await _count_tokens(request, credentials, route, client, outgoing)
    return await dialect_answer(
        request,
        credentials,
        hold,
        client,
        route,
        outgoing,
        dialect=GEMINI_GENERATION,
        body=body,
        prompt=body,
        stream=target.method is GeminiMethod.STREAM,
    )


async def _count_tokens(
    request: web.Request,
    credentials: Credentials,
    route: Route,
    client: DialectClient[GeminiCall],
    outgoing: GeminiCall,
) -> web.StreamResponse:
    """`countTokens`: through the gate with nothing held and no Idempotency-Key (so never a
    replay), recorded at cost 0 with the prompt's tokens."""
    async with billed_request(request, credentials, route, 0, body=None) as call:
        counted = await client.complete(route, outgoing)
        call.bill.served_by(counted.model)
        call.bill.charge(counted.answer.usage.input_tokens, 0, 0)
        return call.answer(web.Response(body=counted.answer.body, content_type="application/json"))


def _priced(request: web.Request, target: GeminiTarget, body: dict[str, Any]) -> tuple[Route, int]:
    """The route and its hold; `countTokens` is free, so it holds nothing (it passes the gate
    even at zero balance) and takes no Idempotency-Key."""
    context = context_of(request)
    if target.method is GeminiMethod.COUNT_TOKENS:
        return _gemini_route(context, target.model), 0
    validated(GenerateContentRequest, body)
    route = _gemini_route(context, target.model)
    refuse_unpriced(unpriced.gemini_generation(body))
    return route, route.chain_hold(
        lambda model: GEMINI_GENERATION.hold(body, model, request.headers)
    )


def _target(request: web.Request) -> GeminiTarget:
    """The path's version, model and method; a stream must ask for server-sent events."""
    info = request.match_info
    target = parse_target(info["version"], info["model_and_method"])
    if target is None:
        raise NotFoundError(
            f"there is no route POST {request.path}: use /google/v1beta/models/<model>:"
            "generateContent, :streamGenerateContent or :countTokens (or /google/v1/...)"
        )
    if target.method is GeminiMethod.STREAM and request.query.get("alt") != "sse":
        raise InvalidRequestError(
            "streamGenerateContent is served as server-sent events only: add ?alt=sse to the "
            "URL (the google-genai SDK always does)",
            param="alt",
        )
    return target


def _gemini_route(context: ApiContext, name: str) -> Route:
    """A catalog chat model of Google's (`gemini-1.5-flash` or `gemini:<upstream name>`)."""
    model = context.registry.catalog.get(name)
    if model.provider != "gemini":
        raise NotFoundError(
            f"{name!r} is not a Gemini model: GET /v1/models lists the models of provider "
            "gemini, or use the OpenAI-style /v1/chat/completions for the others",
            param="model",
            code="model_not_found",
        )
    return route_of_kind(context.registry, model.name, ModelKind.CHAT).same_provider()


async def _outgoing(
    request: web.Request, target: GeminiTarget, route: Route, body: dict[str, Any], stripped: bool
) -> GeminiCall:
    payload = forwarded_body(body, await request.read(), route.model.upstream, stripped)
    return GeminiCall(target.version, target.method, forwarded_params(request.query), payload)


ROUTES = (RouteRow("POST", "/google/{version}/models/{model_and_method}", gemini_models),)
_PATH = {
    "version": {"type": "string", "enum": list(API_VERSIONS), "examples": ["v1beta"]},
    "model_and_method": {
        "type": "string",
        "pattern": f"^[^/]+:({'|'.join(method.value for method in GeminiMethod)})$",
        "examples": ["gemini-2.5-flash:generateContent"],
    },
}
_ALT = {"name": "alt", "in": "query", "required": False, "schema": {"enum": ["sse"]}}
OPERATIONS: dict[Handler, OperationDoc] = {
    gemini_models: OperationDoc(
        "Gemini generateContent, streamGenerateContent (?alt=sse) and countTokens",
        "google",
        body=GenerateContentRequest,
        answers=STREAM_ANSWERS,
        query=(_ALT,),
        path=_PATH,
        example={"contents": [{"role": "user", "parts": [{"text": "Hello"}]}]},
    ),
}
