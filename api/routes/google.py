"""`POST /google/{v1,v1beta}/models/{model}:{method}`: Gemini's native API, so the
google-genai SDK works with only its base URL and key changed.

Same order as chat: the path, body and model are checked before the gate, so bad input and
unknown models change nothing in the database; the gate holds the most the call can cost;
the billing context settles or releases that hold exactly once. `countTokens` is free: it
passes the gate with no hold and leaves a usage record at cost 0.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from api.billing import billed_call
from api.body import read_json_object, validated
from api.context import ApiContext, context_of
from api.credentials import Credentials, take_credentials
from api.errors import InvalidRequestError, NotFoundError
from api.gate import admit
from api.idempotency import idempotency_key, idempotent
from api.openapi_models import STREAM_ANSWERS, Handler, OperationDoc
from api.relay import relay_stream
from api.route_rows import RouteRow
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.gemini import (
    API_VERSIONS,
    GeminiCall,
    GeminiMethod,
    GeminiStreamScanner,
    GeminiTarget,
    forwarded_body,
    forwarded_params,
    hold_for_generation,
    parse_target,
    stream_error_event,
)
from providers.gemini_client import GeminiClient
from providers.prompt_estimate import gemini_prompt_tokens
from providers.registry import Route

logger = logging.getLogger(__name__)

_CREDENTIAL_FIELDS = frozenset({"username", "key"})


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
    context = context_of(request)
    target = _target(request)
    body = await read_json_object(request)
    stripped = not _CREDENTIAL_FIELDS.isdisjoint(body)
    credentials = take_credentials(request, body)
    if target.method is GeminiMethod.COUNT_TOKENS:
        route = _gemini_route(context, target.model)
        call = await _call(request, target, route, body, stripped)
        return await _count_tokens(request, credentials, route, call)
    validated(GenerateContentRequest, body)
    route = _gemini_route(context, target.model)
    refuse_unpriced(unpriced.gemini_generation(body))
    hold = hold_for_generation(body, route.model)
    call = await _call(request, target, route, body, stripped)
    key = idempotency_key(request, stream=target.method is GeminiMethod.STREAM)
    auth = await admit(request, credentials, hold)
    client = GeminiClient(context.upstream)
    async with idempotent(request, key, auth, route, body) as once:
        if once.replay is not None:
            return once.replay
        async with billed_call(context, auth, route, request) as bill:
            if target.method is GeminiMethod.STREAM:
                return await relay_stream(
                    request,
                    client.stream(route, call),
                    GeminiStreamScanner(),
                    bill,
                    model=route.model,
                    prompt_estimate=lambda: gemini_prompt_tokens(body),
                    error_event=lambda error: stream_error_event(error.status, error.message),
                )
            completion = await client.generate(route, call)
            bill.charge_tokens(route.model, completion.usage)
            bill.response = once.keep(
                web.Response(body=completion.body, content_type="application/json")
            )
            return bill.response


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
    return route_of_kind(context.registry, model.name, ModelKind.CHAT)


async def _call(
    request: web.Request, target: GeminiTarget, route: Route, body: dict[str, Any], stripped: bool
) -> GeminiCall:
    payload = forwarded_body(body, await request.read(), route.model.upstream, stripped)
    return GeminiCall(target.version, target.method, forwarded_params(request.query), payload)


async def _count_tokens(
    request: web.Request, credentials: Credentials, route: Route, call: GeminiCall
) -> web.StreamResponse:
    """Free, so admitted with no hold (even at zero balance); the count is recorded."""
    context = context_of(request)
    auth = await admit(request, credentials, 0)
    async with billed_call(context, auth, route, request) as bill:
        counted = await GeminiClient(context.upstream).count_tokens(route, call)
        bill.charge(counted.usage.input_tokens, 0, 0)
        bill.response = web.Response(body=counted.body, content_type="application/json")
        return bill.response


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
