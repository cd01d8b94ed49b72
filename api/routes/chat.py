"""`POST /v1/chat/completions`: OpenAI's chat, through the gate, billed from usage.

The body is validated and the model resolved before the billed-request pipeline
(`api.pipeline`) runs, so bad input and unknown models change nothing in the database; its
hold is the most the call can cost (`providers.openai_holds`: every choice's output and the
prompt's upper bound; a request that cannot be bounded is a 400 before the gate) on the
dearest model of its chain, so a fallback that answers never costs more than was held. A
broken stream's likely prompt is capped by that bound.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.dialect_answer import dialect_answer
from api.errors import InvalidRequestError
from api.openapi_models import HELLO, STREAM_ANSWERS, Handler, OperationDoc
from api.route_rows import openai_rows
from api.routes.kinds import refuse_unpriced, route_of_kind
from providers import unpriced
from providers.catalog import ModelKind
from providers.openai_compat import OPENAI_CHAT, chat_payload
from providers.registry import Route


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


def _refuse_responses_only(route: Route) -> None:
    """A model OpenAI serves on the Responses API only is refused here, before the gate:
    the provider would refuse it after the hold, for nothing."""
    if route.model.responses_only:
        raise InvalidRequestError(
            f"{route.model.name!r} is served by the Responses API only: send it to "
            "POST /v1/responses (`input` instead of `messages`)",
            param="model",
            code="model_not_supported",
        )


async def chat_completions(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    chat = validated(ChatRequest, body)
    route = route_of_kind(context.registry, chat.model, ModelKind.CHAT)
    _refuse_responses_only(route)
    for candidate in route.chain:
        refuse_unpriced(unpriced.openai_chat(body, candidate.model.upstream))
    hold = route.chain_hold(lambda model: OPENAI_CHAT.hold(body, model, request.headers))
    payload = chat_payload(body, route.model)
    return await dialect_answer(
        request,
        credentials,
        hold,
        context.chat.for_route(route),
        route,
        payload,
        dialect=OPENAI_CHAT,
        body=body,
        prompt=payload,
        stream=chat.stream,
    )


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
