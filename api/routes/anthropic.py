"""`POST /anthropic/v1/messages`: Anthropic's native Messages API, passed through and call.

The official `anthropic` SDK works with only its `base_url` changed: it sends the key as
`x-api-key`, which the gate reads like any other credential. As in chat, the
body is validated and the model resolved before the billed-request pipeline
(`api.pipeline`), so bad input, unknown models and unconfigured providers change nothing in
the database; its hold is the most the call can cost on any model of its chain (fallbacks
of Anthropic's own: another provider cannot answer this protocol). A web search tool
without `max_uses` is sent with the catalog's `default_max_tool_calls`, which bounds its
hold (`providers.anthropic_holds`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.dialect_answer import dialect_answer
from api.openapi_models import HELLO, STREAM_ANSWERS, Handler, OperationDoc
from api.route_rows import RouteRow
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.anthropic import ANTHROPIC_MESSAGES, AnthropicCall, messages_payload
from providers.anthropic_tools import with_max_uses
from providers.catalog import ModelKind
from providers.dialect_client import DialectClient


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
    parsed = validated(MessagesRequest, body)
    route = route_of_kind(context.registry, parsed.model, ModelKind.CHAT).same_provider()
    for candidate in route.chain:
        refuse_unpriced(unpriced.anthropic_messages(body, candidate.model))
    bounded = with_max_uses(body, context.registry.catalog.default_max_tool_calls)
    hold = route.chain_hold(lambda model: ANTHROPIC_MESSAGES.hold(bounded, model, request.headers))
    payload = messages_payload(bounded, route.model)
    client = DialectClient(context.upstream, ANTHROPIC_MESSAGES)
    sent = AnthropicCall(payload, request.headers)
    return await dialect_answer(
        request,
        credentials,
        hold,
        client,
        route,
        sent,
        dialect=ANTHROPIC_MESSAGES,
        body=body,
        prompt=payload,
        stream=parsed.stream,
    )


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
