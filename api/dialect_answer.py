"""The end of every token-billed chat call: relay the stream, or bill the whole answer.

Chat, legacy completions, Anthropic's messages and Gemini's generation differ in what they
check and hold before the pipeline admits them; then each runs the billed-request pipeline
the same way (a replay answers as it is), and either relays a stream (`relay_stream` bills
it) or charges the answer's usage at the model that answered and returns its bytes. That
tail is written here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

from aiohttp import web

from api.credentials import Credentials
from api.pipeline import billed_request
from api.relay import relay_stream
from providers.dialect import ChatDialect
from providers.registry import Route
from providers.served import Served
from providers.usage import Completion, JsonObject

CallT = TypeVar("CallT")
CallC = TypeVar("CallC", contravariant=True)


class Answering(Protocol[CallC]):
    """What serves a dialect's call: a `DialectClient`, or a chat backend (`echo`)."""

    async def complete(self, route: Route, call: CallC, /) -> Served[Completion]: ...

    def stream(
        self, route: Route, call: CallC, /
    ) -> AbstractAsyncContextManager[Served[AsyncIterator[bytes]]]: ...


async def dialect_answer(
    request: web.Request,
    credentials: Credentials,
    hold: int,
    client: Answering[CallT],
    route: Route,
    sent: CallT,
    *,
    dialect: ChatDialect[CallT],
    body: JsonObject,
    prompt: JsonObject,
    stream: bool,
) -> web.StreamResponse:
    """Admit the call with `hold` held, then answer it: `sent` relayed as a stream, or
    completed and billed (an `Idempotency-Key` replay is answered as it was)."""
    async with billed_request(request, credentials, route, hold, body=body, stream=stream) as call:
        if call.replay is not None:
            return call.replay
        if stream:
            return await relay_stream(
                request,
                client.stream(route, sent),
                call.bill,
                dialect=dialect,
                body=body,
                prompt=prompt,
            )
        served = await client.complete(route, sent)
        call.bill.charge_tokens(served.model, served.answer.usage)
        return call.answer(web.Response(body=served.answer.body, content_type="application/json"))
