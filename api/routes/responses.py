"""`POST /v1/responses` and `POST /v1/responses/input_tokens`: OpenAI's Responses API.

The same order as chat (`api.routes.chat`): the body is validated, the model resolved, the
options the catalog cannot price refused (for every model of the fallback chain) and the
hold estimated before the billed-request pipeline runs, so bad input changes nothing in the
database. A request that gives the model a priced built-in tool and no `max_tool_calls` is
sent with the catalog's `default_max_tool_calls`, which bounds its hold
(`providers.responses_holds`). Inside the call, the stored responses the request names
must be the caller's (`api.response_owners`); then the call is billed from the usage of
the final response, and the response's owner recorded. A background response keeps its
hold past the call, until it is settled (`api.background`). Counting input tokens is free:
it passes the gate with no hold and is recorded at cost 0.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.billing import HELD_HEADER
from api.body import read_json_object, validated
from api.context import ApiContext, context_of
from api.credentials import take_credentials
from api.errors import REQUEST_ID, InvalidRequestError
from api.openapi_models import STREAM_ANSWERS, Handler, OperationDoc
from api.pipeline import BilledCall, billed_request
from api.relay import relay_stream
from api.response_owners import claiming, require_owned
from api.route_rows import openai_rows
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers.catalog import ModelKind
from providers.dialect_client import DialectClient
from providers.openai_responses import (
    OPENAI_RESPONSES,
    RESPONSES_PROVIDER,
    ResponsesCall,
    finished,
    referenced_response_ids,
    response_id,
    responses_payload,
    stored,
)
from providers.registry import Route
from providers.responses_holds import with_tool_call_bound
from providers.unpriced_responses import openai_responses as unpriced_options
from providers.usage import JsonObject, TokenUsage

_RESPONSE_ID = Field(default=None, min_length=1, max_length=256)


class PromptCacheOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    comparison_response_id: str | None = _RESPONSE_ID


class ResponsesRequest(BaseModel):
    """The fields the gateway relies on; every other field passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    input: str | list[dict[str, Any]] | None = None
    instructions: str | None = None
    stream: bool = False
    max_output_tokens: int | None = Field(default=None, ge=1)
    max_tool_calls: int | None = Field(default=None, ge=0)
    previous_response_id: str | None = _RESPONSE_ID
    store: bool | None = None
    background: bool | None = None
    tools: list[dict[str, Any]] | None = None
    prompt_cache_options: PromptCacheOptions | None = None


class InputTokensRequest(BaseModel):
    """What counting needs: a catalog model (OpenAI's own endpoint may infer one; this
    service must know where the call goes)."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    input: str | list[dict[str, Any]] | None = None
    previous_response_id: str | None = _RESPONSE_ID
    tools: list[dict[str, Any]] | None = None


def responses_route(context: ApiContext, name: str) -> Route:
    """A catalog chat model of the provider whose Responses API is served here."""
    route = route_of_kind(context.registry, name, ModelKind.CHAT)
    if route.model.provider != RESPONSES_PROVIDER:
        raise InvalidRequestError(
            f"{name!r} is served by {route.model.provider!r}, whose Responses API this "
            f"service does not serve: use a {RESPONSES_PROVIDER} model, or send this one to "
            "/v1/chat/completions",
            param="model",
            code="model_not_supported",
        )
    return route


def refuse_unserved(body: JsonObject) -> None:
    """What this service does not serve, refused before the gate.

    A `conversation` id names items OpenAI stores for the operator's whole account, and this
    service creates no conversations, so no user can own one: refused, never forwarded.
    A background response is settled when it ends, from what OpenAI keeps of it: it must be
    stored, and it is polled, not streamed.
    """
    if body.get("conversation") is not None:
        raise InvalidRequestError(
            "`conversation` is not served here: conversations are not kept per user; "
            "continue a response of yours with `previous_response_id` instead",
            param="conversation",
            code="unsupported_parameter",
        )
    if body.get("background") is True and (body.get("stream") or not stored(body)):
        raise InvalidRequestError(
            "a `background` response is served stored and not streamed: leave `stream` and "
            "`store` out, then retrieve it (GET /v1/responses/{id}) until it has finished",
            param="stream" if body.get("stream") else "store",
            code="unsupported_parameter",
        )


async def create_response(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    asked = validated(ResponsesRequest, body)
    refuse_unserved(body)
    route = responses_route(context, asked.model)
    for candidate in route.chain:
        refuse_unpriced(unpriced_options(body, candidate.model))
    sent = with_tool_call_bound(body, context.registry.catalog.default_max_tool_calls)
    hold = route.chain_hold(lambda model: OPENAI_RESPONSES.hold(sent, model, request.headers))
    background = asked.background is True
    outgoing = ResponsesCall(responses_payload(sent, route.model), background=background)
    async with billed_request(
        request, credentials, route, hold, body=body, stream=asked.stream
    ) as call:
        if call.replay is not None:
            return call.replay
        await require_owned(context, call.account_id, referenced_response_ids(body))
        if asked.stream:
            return await _stream(request, route, outgoing, call, body)
        client = DialectClient(context.upstream, OPENAI_RESPONSES)
        served = await client.complete(route, outgoing)
        completion = served.answer
        answer = web.Response(body=completion.body, content_type="application/json")
        if background and not finished(completion.answer):
            await _keep_hold(request, served.route, call, completion.answer)
            answer.headers[HELD_HEADER] = str(call.bill.held)
        else:
            call.bill.charge_tokens(served.model, completion.usage)
            if stored(body):
                call.bill.response_id = response_id(completion.answer)
        return call.answer(answer)


async def _keep_hold(request: web.Request, route: Route, call: BilledCall, answer: object) -> None:
    """A background response runs on: its hold is kept, under the gate's request id, until
    it is settled once it ends (`api.background`); the call itself costs nothing. Without an
    id to follow it by, the response could never be settled: it is charged its hold."""
    found = response_id(answer)
    if found is None:
        call.bill.charge_hold(TokenUsage(0, 0))
        return
    await context_of(request).responses.claim(
        found,
        call.account_id,
        route.model.name,
        held=call.bill.held,
        request_id=request[REQUEST_ID],
    )
    call.bill.keeps_hold = True
    call.bill.response_id = found


async def _stream(
    request: web.Request, route: Route, outgoing: ResponsesCall, call: BilledCall, body: JsonObject
) -> web.StreamResponse:
    """Relay the events as they come; a stored response's owner is recorded as soon as its
    id goes by, and its usage record carries the id too."""
    context = context_of(request)
    opened = DialectClient(context.upstream, OPENAI_RESPONSES).stream(route, outgoing)

    async def claim(found: str) -> None:
        await context.responses.claim(found, call.account_id, route.model.name)
        call.bill.response_id = found

    return await relay_stream(
        request,
        claiming(opened, claim) if stored(body) else opened,
        call.bill,
        dialect=OPENAI_RESPONSES,
        body=body,
        prompt=outgoing.payload,
    )


async def count_input_tokens(request: web.Request) -> web.StreamResponse:
    """Free: no hold, no Idempotency-Key, a usage record at cost 0 with the count."""
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    asked = validated(InputTokensRequest, body)
    refuse_unserved(body)
    route = responses_route(context, asked.model)
    outgoing = ResponsesCall(responses_payload(body, route.model), counting=True)
    async with billed_request(request, credentials, route, 0, body=None) as call:
        await require_owned(context, call.account_id, referenced_response_ids(body))
        client = DialectClient(context.upstream, OPENAI_RESPONSES)
        counted = (await client.complete(route, outgoing)).answer
        call.bill.charge(counted.usage.input_tokens, 0, 0)
        return call.answer(web.Response(body=counted.body, content_type="application/json"))


_HELLO = {"model": "gpt-4o-mini", "input": "Hello"}
ROUTES = (
    *openai_rows("POST", "/responses", create_response),
    *openai_rows("POST", "/responses/input_tokens", count_input_tokens),
)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_response: OperationDoc(
        "OpenAI Responses API: create a response",
        "openai",
        body=ResponsesRequest,
        answers=STREAM_ANSWERS,
        example=_HELLO,
    ),
    count_input_tokens: OperationDoc(
        "OpenAI Responses API: count a request's input tokens (free)",
        "openai",
        body=InputTokensRequest,
        example=_HELLO,
    ),
}
