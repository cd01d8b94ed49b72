"""`POST /v1/chat/completions`: OpenAI's chat, through the gate, billed from usage.

Order matters: the body is validated and the model resolved before the gate, so bad input
and unknown models change nothing in the database; the gate then holds the most the call can
cost (`providers.openai_holds`: every choice's output and the prompt's upper bound; a
request that cannot be bounded is a 400 before the gate); the billing context settles or
releases that hold exactly once. A broken stream's likely prompt is capped by that bound.
"""

from __future__ import annotations

import json
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
from api.route_rows import openai_rows
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.errors import UpstreamError
from providers.openai_compat import (
    UsageScanner,
    chat_payload,
    client_wants_usage,
    hold_for_chat,
)
from providers.prompt_estimate import openai_prompt_tokens


class ChatRequest(BaseModel):
    """The fields the gateway itself relies on; every other field passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1)
    stream_options: dict[str, Any] | None = None


async def chat_completions(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    chat = validated(ChatRequest, body)
    route = route_of_kind(context.registry, chat.model, ModelKind.CHAT)
    refuse_unpriced(unpriced.openai_chat(body, route.model.upstream))
    key = idempotency_key(request, stream=chat.stream)
    auth = await admit(request, credentials, hold_for_chat(body, route.model))
    payload = chat_payload(body, route.model)
    async with idempotent(request, key, auth, route, body) as once:
        if once.replay is not None:
            return once.replay
        async with billed_call(context, auth, route, request) as bill:
            backend = context.chat.for_route(route)
            if chat.stream:
                return await relay_stream(
                    request,
                    backend.stream(route, payload),
                    UsageScanner(forward_usage_chunk=client_wants_usage(body)),
                    bill,
                    model=route.model,
                    prompt_estimate=lambda: openai_prompt_tokens(payload),
                    error_event=_stream_error_event,
                )
            completion = await backend.complete(route, payload)
            bill.charge_tokens(route.model, completion.usage)
            bill.response = once.keep(
                web.Response(body=completion.body, content_type="application/json")
            )
            return bill.response


def _stream_error_event(error: UpstreamError) -> bytes:
    """Once the stream has started, an error can only travel as one more event."""
    event = {"error": {"message": error.message, "type": "upstream_error", "code": None}}
    return f"data: {json.dumps(event)}\n\n".encode()


ROUTES = openai_rows("POST", "/chat/completions", chat_completions)
OPERATIONS: dict[Handler, OperationDoc] = {
    chat_completions: OperationDoc(
        "OpenAI chat completion",
        "openai",
        body=ChatRequest,
        answers=STREAM_ANSWERS,
        example={"model": "echo", "messages": HELLO},
    ),
}
