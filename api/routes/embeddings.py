"""`POST /v1/embeddings`: OpenAI's embeddings, through the gate, billed from usage.

The hold is one token per UTF-8 byte of input (or the token ids given), a bound no
tokenizer exceeds; the bill is the provider's `usage.prompt_tokens`. Validation and model
resolution come before the billed-request pipeline (`api.pipeline`), so bad input changes
nothing in the database.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.body import read_json_object, validated
from api.context import context_of
from api.credentials import take_credentials
from api.errors import InvalidRequestError
from api.openapi_models import Handler, OperationDoc
from api.pipeline import billed_request
from api.route_rows import openai_rows
from api.routes.kinds import route_of_kind
from providers.catalog import ModelKind
from providers.openai_compat import usage_from
from providers.openai_media import hold_for_embeddings, with_upstream_model
from providers.openai_media_client import OpenAIMediaClient


class EmbeddingsRequest(BaseModel):
    """The fields the gateway relies on; `encoding_format`, `dimensions`... pass through."""

    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1, max_length=200)
    input: str | list[str] | list[int] | list[list[int]]


async def create_embeddings(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    body = await read_json_object(request)
    credentials = take_credentials(request, body)
    embeddings = validated(EmbeddingsRequest, body)
    if not embeddings.input:
        raise InvalidRequestError("`input` is empty: send text or a list of texts", param="input")
    route = route_of_kind(context.registry, embeddings.model, ModelKind.EMBEDDING)
    hold = hold_for_embeddings(body, route.model)
    client = OpenAIMediaClient(context.upstream)
    async with billed_request(request, credentials, route, hold, body=body) as call:
        if call.replay is not None:
            return call.replay
        payload = with_upstream_model(body, route.model)
        reply = await client.post_json(route, "/embeddings", payload)
        tokens = usage_from(reply.data).input_tokens
        call.bill.charge(tokens, 0, route.model.cost(tokens, 0))
        return call.answer(web.Response(body=reply.body, content_type="application/json"))


ROUTES = openai_rows("POST", "/embeddings", create_embeddings)
OPERATIONS: dict[Handler, OperationDoc] = {
    create_embeddings: OperationDoc(
        "OpenAI embeddings",
        "openai",
        body=EmbeddingsRequest,
        example={"model": "text-embedding-3-small", "input": "Hello"},
    ),
}
