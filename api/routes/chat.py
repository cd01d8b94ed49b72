"""`POST /v1/chat/completions`: OpenAI's chat, through the gate, billed from usage.

Order matters: the body is validated and the model resolved before the gate, so bad input
and unknown models change nothing in the database; the gate then holds the most the call can
cost (`providers.openai_holds`: every choice's output and the prompt's upper bound; a
request that cannot be bounded is a 400 before the gate); the billing context settles or
releases that hold exactly once. A broken stream's likely prompt is capped by that bound.
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
from api.relay import relay_stream
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.openai_compat import OPENAI_CHAT, chat_payload


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
    auth = await admit(request, credentials, OPENAI_CHAT.hold(body, route.model, request.headers))
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
                    OPENAI_CHAT.scanner(body),
                    bill,
                    model=route.model,
                    prompt_estimate=lambda: OPENAI_CHAT.prompt_tokens(payload),
                    error_event=OPENAI_CHAT.error_event,
                )
            completion = await backend.complete(route, payload)
            bill.charge_tokens(route.model, completion.usage)
            bill.response = once.keep(
                web.Response(body=completion.body, content_type="application/json")
            )
            return bill.response
