"""`POST /v1/completions`: OpenAI's legacy completions, through the gate, billed from usage.

Chat's route (`api.routes.chat`) with the completions dialect: the body is validated and
the model resolved (a `completion` model: the instruct and base models chat refuses) before
the billed-request pipeline runs, so bad input changes nothing in the database; the hold
(`providers.openai_completions`) covers every prompt, every `best_of` candidate and `echo`;
the bill is the provider's `usage`, in a stream its usage-only last chunk (asked for
whatever the client sent, and passed on only when the client asked for it).
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
from api.openapi_models import STREAM_ANSWERS, Handler, OperationDoc
from api.route_rows import openai_rows
from api.routes.kinds import route_of_kind
from providers.catalog import ModelKind
from providers.dialect_client import DialectClient
from providers.openai_compat import chat_payload
from providers.openai_completions import OPENAI_COMPLETIONS, is_prompt


class CompletionRequest(BaseModel):
    """The fields the gateway holds for; `temperature`, `logprobs`, `stop`... pass through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    prompt: str | list[str] | list[int] | list[list[int]] | None
    max_tokens: int | None = Field(default=None, ge=0)
    n: int | None = Field(default=None, ge=1)
    best_of: int | None = Field(default=None, ge=1)
    echo: bool | None = None
    suffix: str | None = None
    stream: bool = False
    stream_options: dict[str, Any] | None = None


async def create_completion(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    if not is_prompt(body.get("prompt", [])):
        raise InvalidRequestError(
            "`prompt` must be a string, a list of strings, a list of token ids or a list of "
            "token-id lists, none of them empty",
            param="prompt",
        )
    completion = validated(CompletionRequest, body)
    route = route_of_kind(context.registry, completion.model, ModelKind.COMPLETION)
    hold = OPENAI_COMPLETIONS.hold(body, route.model, request.headers)
    payload = chat_payload(body, route.model)  # the model's name, and a stream's usage
    client = DialectClient(context.upstream, OPENAI_COMPLETIONS)
    return await dialect_answer(
        request,
        credentials,
        hold,
        client,
        route,
        payload,
        dialect=OPENAI_COMPLETIONS,
        body=body,
        prompt=payload,
        stream=completion.stream,
    )


ROUTES = openai_rows("POST", "/completions", create_completion)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_completion: OperationDoc(
        "OpenAI legacy completion (instruct and base models)",
        "openai",
        body=CompletionRequest,
        answers=STREAM_ANSWERS,
        example={"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello", "max_tokens": 8},
    ),
}
