"""`POST /v1/chat/completions`: OpenAI's chat, through the gate, billed from usage.

Order matters: the body is validated and the model resolved before the gate, so bad input
and unknown models change nothing in the database; the gate then holds the most the call can
cost; the billing context settles or releases that hold exactly once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.billing import CLIENT_CLOSED, HELD_HEADER, Bill, billed_call
from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.errors import REQUEST_ID, InvalidRequestError
from api.gate import admit
from providers.catalog import ModelKind
from providers.errors import UpstreamError
from providers.openai_compat import (
    TokenUsage,
    UsageScanner,
    chat_payload,
    client_wants_usage,
    estimate_input_tokens,
    hold_for_chat,
)
from providers.registry import Route

logger = logging.getLogger(__name__)


class ChatRequest(BaseModel):
    """The fields the gateway itself relies on; every other field passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    stream_options: dict[str, Any] | None = None


async def chat_completions(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    chat = validated(ChatRequest, body)
    route = context.registry.route(chat.model)
    if route.model.kind is not ModelKind.CHAT:
        raise InvalidRequestError(
            f"{chat.model!r} is a {route.model.kind} model, not a chat model", param="model"
        )
    auth = await admit(context, credentials, hold_for_chat(body, route.model))
    payload = chat_payload(body, route.model)
    async with billed_call(context, auth, route, request) as bill:
        if chat.stream:
            forward_usage = client_wants_usage(body)
            return await _stream(request, route, payload, bill, forward_usage, auth.hold)
        completion = await context.chat.for_route(route).complete(route, payload)
        _charge(bill, route, completion.usage)
        bill.response = web.Response(body=completion.body, content_type="application/json")
        return bill.response


async def _stream(
    request: web.Request,
    route: Route,
    payload: dict[str, Any],
    bill: Bill,
    forward_usage: bool,
    held: int,
) -> web.StreamResponse:
    """Relay the upstream's events as they arrive and bill what the stream produced.

    A client that goes away stops the relay (leaving the block closes the upstream call);
    without the upstream's final usage, the call is billed from the prompt estimate and the
    content events that were produced.
    """
    backend = context_of(request).chat.for_route(route)
    scanner = UsageScanner(forward_usage_chunk=forward_usage)
    async with backend.stream(route, payload) as chunks:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                HELD_HEADER: str(held),
            }
        )
        await response.prepare(request)
        try:
            async for chunk in chunks:
                if out := scanner.feed(chunk):
                    await response.write(out)
            await response.write(scanner.flush())
        except ConnectionResetError:
            logger.info("request %s: the client left mid-stream", request[REQUEST_ID])
            bill.status = CLIENT_CLOSED
            return response
        except UpstreamError as error:
            bill.status = error.status
            await response.write(_stream_error_event(error))
        finally:
            if usage := _streamed_usage(scanner, payload):
                _charge(bill, route, usage)
    await response.write_eof()
    return response


def _charge(bill: Bill, route: Route, usage: TokenUsage) -> None:
    cost = route.model.cost(usage.input_tokens, usage.output_tokens)
    bill.charge(usage.input_tokens, usage.output_tokens, cost)


def _streamed_usage(scanner: UsageScanner, payload: dict[str, Any]) -> TokenUsage | None:
    """The upstream's own figures; an estimate if the stream broke after producing output."""
    if scanner.usage is not None:
        return scanner.usage
    if scanner.output_events:
        return TokenUsage(estimate_input_tokens(payload), scanner.output_events)
    return None


def _stream_error_event(error: UpstreamError) -> bytes:
    """Once the stream has started, an error can only travel as one more event."""
    event = {"error": {"message": error.message, "type": "upstream_error", "code": None}}
    return f"data: {json.dumps(event)}\n\n".encode()
