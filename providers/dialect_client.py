"""One client for every chat dialect: the only I/O of chat calls, over `providers.http`.

What differs between OpenAI-compatible chat, Anthropic's Messages and Gemini (address,
headers, payload, where the usage is) comes from the call's `ChatDialect`; what does not
(open the call, read the whole answer once and parse it once, pass a stream's bytes on as
they arrive) is written here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from aiohttp import ClientResponse

from providers.dialect import ChatDialect
from providers.http import Upstream, parse_json
from providers.registry import Route
from providers.usage import Completion

CallT = TypeVar("CallT")


class DialectClient(Generic[CallT]):
    """Plain and streamed calls of one dialect; errors before the first byte raise
    UpstreamError (`Upstream.open` maps them), never an aiohttp error.

    Holds nothing but the shared transport and a stateless dialect, so making one per request
    costs nothing.
    """

    __slots__ = ("_dialect", "_upstream")

    def __init__(self, upstream: Upstream, dialect: ChatDialect[CallT]) -> None:
        self._upstream = upstream
        self._dialect = dialect

    async def _open(self, route: Route, call: CallT) -> ClientResponse:
        dialect = self._dialect
        return await self._upstream.open(
            "POST",
            dialect.url(route, call),
            api_key=route.api_key,
            headers=dialect.headers(route, call),
            data=dialect.payload(call),
            params=dialect.params(call),
        )

    async def complete(self, route: Route, call: CallT) -> Completion:
        """The whole answer as the provider sent it, with the usage read from it (a Gemini
        countTokens call is answered the same way: its count is the usage's input)."""
        async with await self._open(route, call) as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        answer = parse_json(body)
        return Completion(body, content_type, self._dialect.usage(call, answer), answer)

    @asynccontextmanager
    async def stream(self, route: Route, call: CallT) -> AsyncIterator[AsyncIterator[bytes]]:
        """The stream's raw bytes as they arrive; leaving the block closes the upstream call."""
        async with await self._open(route, call) as response:
            yield self._upstream.chunks(response)
