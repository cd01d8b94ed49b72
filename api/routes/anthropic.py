"""`POST /anthropic/v1/messages`: Anthropic's native Messages API, passed through and billed.

The official `anthropic` SDK works with only its `base_url` changed: it sends the key as
`x-api-key`, which the gate reads like any other credential. Order matters as in chat: the
body is validated and the model resolved before the gate, so bad input, unknown models and
unconfigured providers change nothing in the database; the gate then holds the most the
call can cost; the billing context settles or releases that hold exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.billing import CLIENT_CLOSED, HELD_HEADER, Bill, billed_call
from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.errors import REQUEST_ID, InvalidRequestError
from api.gate import admit
from providers.anthropic import (
    EventScanner,
    estimate_input_tokens,
    forwarded_headers,
    hold_for_messages,
    messages_payload,
    stream_error_event,
)
from providers.anthropic_client import AnthropicClient
from providers.catalog import ModelKind
from providers.errors import UpstreamError
from providers.openai_compat import TokenUsage
from providers.registry import Route

logger = logging.getLogger(__name__)


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
    route = context.registry.route(call.model)
    if route.model.kind is not ModelKind.CHAT:
        raise InvalidRequestError(
            f"{call.model!r} is a {route.model.kind} model, not a chat model", param="model"
        )
    auth = await admit(context, credentials, hold_for_messages(body, route.model, call.max_tokens))
    payload = messages_payload(body, route.model)
    async with billed_call(context, auth, route, request) as bill:
        if call.stream:
            return await _stream(request, route, payload, bill, auth.hold)
        client = AnthropicClient(context.upstream)
        message = await client.complete(route, payload, forwarded_headers(request.headers))
        _charge(bill, route, message.usage)
        bill.response = web.Response(body=message.body, content_type="application/json")
        return bill.response


async def _stream(
    request: web.Request, route: Route, payload: dict[str, Any], bill: Bill, held: int
) -> web.StreamResponse:
    """Relay the upstream's bytes as they arrive and bill what the stream produced.

    A refusal before the first byte raises (an ordinary error answer, nothing charged). Once
    started, a client that goes away stops the relay (leaving the block closes the upstream
    call); without the upstream's final usage, the call is billed from the input Anthropic
    reported (or the prompt estimate) and the output events that were produced.
    """
    client = AnthropicClient(context_of(request).upstream)
    scanner = EventScanner()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            HELD_HEADER: str(held),
        }
    )
    try:
        async with client.stream(route, payload, forwarded_headers(request.headers)) as chunks:
            await response.prepare(request)
            bill.status = await _relay(chunks, scanner, response)
        await response.write_eof()
    except ConnectionResetError:
        logger.info("request %s: the client left mid-stream", request[REQUEST_ID])
        bill.status = CLIENT_CLOSED
    finally:
        if usage := scanner.billable(estimate_input_tokens(payload)):
            _charge(bill, route, usage)
    return response


async def _relay(
    chunks: AsyncIterator[bytes], scanner: EventScanner, response: web.StreamResponse
) -> int:
    """Pass the upstream's events on unchanged as they complete; return the status to record.

    The scanner reads an event before the client gets it, so an event that could not be
    delivered still counts as produced: the upstream produced (and bills) it all the same.
    """
    try:
        async for chunk in chunks:
            if events := scanner.feed(chunk):
                await response.write(events)
    except UpstreamError as error:
        await response.write(stream_error_event(error.message))
        return error.status
    if rest := scanner.flush():
        await response.write(rest)
    return 502 if scanner.failed else 200


def _charge(bill: Bill, route: Route, usage: TokenUsage) -> None:
    cost = route.model.cost(usage.input_tokens, usage.output_tokens)
    bill.charge(usage.input_tokens, usage.output_tokens, cost)
