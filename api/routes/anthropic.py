"""`POST /anthropic/v1/messages`: Anthropic's native Messages API, passed through and billed.

The official `anthropic` SDK works with only its `base_url` changed: it sends the key as
`x-api-key`, which the gate reads like any other credential. Order matters as in chat: the
body is validated and the model resolved before the gate, so bad input, unknown models and
unconfigured providers change nothing in the database; the gate then holds the most the
call can cost; the billing context settles or releases that hold exactly once.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.billing import billed_call
from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.gate import admit
from api.idempotency import idempotency_key, idempotent
from api.openapi_models import HELLO, STREAM_ANSWERS, Handler, OperationDoc
from api.relay import relay_stream
from api.route_rows import RouteRow
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.anthropic import (
    EventScanner,
    forwarded_headers,
    hold_for_messages,
    messages_payload,
    stream_error_event,
)
from providers.anthropic_client import AnthropicClient
from providers.catalog import ModelKind
from providers.prompt_estimate import anthropic_prompt_tokens


class MessagesRequest(BaseModel):
    """The fields the gateway itself relies on; every other field passes through untouched.

    `max_tokens` is required, as Anthropic requires it: it bounds the hold.
    """

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1)
    max_tokens: int = Field(ge=1)
    stream: bool = False


async def messages(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    call = validated(MessagesRequest, body)
    route = route_of_kind(context.registry, call.model, ModelKind.CHAT)
    refuse_unpriced(unpriced.anthropic_messages(body))
    key = idempotency_key(request, stream=call.stream)
    beta = request.headers.get("anthropic-beta")
    hold = hold_for_messages(body, route.model, call.max_tokens, beta)
    auth = await admit(request, credentials, hold)
    payload = messages_payload(body, route.model)
    client = AnthropicClient(context.upstream)
    headers = forwarded_headers(request.headers)
    async with idempotent(request, key, auth, route, body) as once:
        if once.replay is not None:
            return once.replay
        async with billed_call(context, auth, route, request) as bill:
            if call.stream:
                return await relay_stream(
                    request,
                    client.stream(route, payload, headers),
                    EventScanner(),
                    bill,
                    model=route.model,
                    prompt_estimate=lambda: anthropic_prompt_tokens(payload),
                    error_event=lambda error: stream_error_event(error.message),
                )
            message = await client.complete(route, payload, headers)
            bill.charge_tokens(route.model, message.usage)
            bill.response = once.keep(
                web.Response(body=message.body, content_type="application/json")
            )
            return bill.response


ROUTES = (RouteRow("POST", "/anthropic/v1/messages", messages),)
OPERATIONS: dict[Handler, OperationDoc] = {
    messages: OperationDoc(
        "Anthropic Messages API",
        "anthropic",
        body=MessagesRequest,
        answers=STREAM_ANSWERS,
        example={"model": "claude-3-5-haiku-latest", "max_tokens": 64, "messages": HELLO},
    ),
}
