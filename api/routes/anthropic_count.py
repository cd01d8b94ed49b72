"""`POST /anthropic/v1/messages/count_tokens`: Anthropic's free token count.

Free upstream, so free here, but through the gate like every call that names an account:
a wrong key is a failed attempt, a locked account is refused, and the count is recorded as
a usage row at cost 0 (as Gemini's `countTokens` is). It holds nothing, so it answers at
zero balance, and takes no `Idempotency-Key` (there is nothing to charge twice).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.openapi_models import HELLO, Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import RouteRow
from api.routes.kinds import route_of_kind
from providers.anthropic import ANTHROPIC_MESSAGES, AnthropicCall, messages_payload
from providers.catalog import ModelKind
from providers.errors import UpstreamError
from providers.http import Upstream, UpstreamRequest
from providers.registry import Route


class CountTokensRequest(BaseModel):
    """What Anthropic requires of a count; everything else passes through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1)


def counted_tokens(answer: bytes) -> int:
    """The `input_tokens` of Anthropic's answer; a 502 when it has none."""
    try:
        data = json.loads(answer)
    except ValueError:
        data = None
    tokens = data.get("input_tokens") if isinstance(data, dict) else None
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
        raise UpstreamError(502, "the provider's token count had no input_tokens")
    return tokens


async def count_tokens(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    parsed = validated(CountTokensRequest, body)
    # A count is of this model: its keys fail over, its fallbacks would count for another.
    route = replace(route_of_kind(context.registry, parsed.model, ModelKind.CHAT), fallbacks=())
    sent = AnthropicCall(messages_payload(body, route.model), request.headers)

    def build(attempt: Route) -> UpstreamRequest:
        """The count on the attempt's key and address."""
        url = f"{ANTHROPIC_MESSAGES.url(attempt, sent)}/count_tokens"
        headers = ANTHROPIC_MESSAGES.headers(attempt, sent)
        return UpstreamRequest("POST", url, headers, ANTHROPIC_MESSAGES.payload(sent))

    async with billed_request(request, credentials, route, 0, body=None) as call:
        opened = await context.upstream.open(route, build)
        async with opened.response as response:
            answer = await Upstream.read(response)
        call.bill.charge(counted_tokens(answer), 0, 0)
        return call.answer(web.Response(body=answer, content_type="application/json"))


ROUTES = (RouteRow("POST", "/anthropic/v1/messages/count_tokens", count_tokens),)
OPERATIONS: dict[Handler, OperationDoc] = {
    count_tokens: OperationDoc(
        "Anthropic token count (free)",
        "anthropic",
        body=CountTokensRequest,
        example={"model": "claude-haiku-4-5", "messages": HELLO},
    ),
}
