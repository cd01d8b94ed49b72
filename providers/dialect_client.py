"""One client for every chat dialect: the only I/O of chat calls, over `providers.http`.

What differs between OpenAI-compatible chat, Anthropic's Messages and Gemini (address,
headers, payload, where the usage is) comes from the call's `ChatDialect`; what does not
(open the call, read the whole answer once and parse it once, pass a stream's bytes on as
they arrive) is written here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Generic, TypeVar

import aiohttp

from providers.dialect import ChatDialect
from providers.failover import Opened
from providers.http import Upstream, UpstreamRequest, parse_json
from providers.registry import Route
from providers.served import Served
from providers.usage import Completion

CallT = TypeVar("CallT")


class DialectClient(Generic[CallT]):
    """Plain and streamed calls of one dialect; errors before the first byte raise
    UpstreamError (`Upstream.open` maps them), never an aiohttp error. Each answer comes
    with the route that gave it: another key's, or a fallback model's (the call retargeted
    by `ChatDialect.retarget`), when the first failed before its first byte.

    Holds nothing but the shared transport and a stateless dialect, so making one per request
    costs nothing.
    """

    __slots__ = ("_dialect", "_upstream")

    def __init__(self, upstream: Upstream, dialect: ChatDialect[CallT]) -> None:
        self._upstream = upstream
        self._dialect = dialect

    async def _open(self, route: Route, call: CallT) -> Opened:
        dialect = self._dialect

        def build(attempt: Route) -> UpstreamRequest:
            sent = call if attempt.model is route.model else dialect.retarget(call, attempt.model)
            return UpstreamRequest(
                "POST",
                dialect.url(attempt, sent),
                dialect.headers(attempt, sent),
                dialect.payload(sent),
                dialect.params(sent),
            )

        return await self._upstream.open(route, build)

    async def complete(self, route: Route, call: CallT) -> Served[Completion]:
        """The whole answer as the provider sent it, with the usage read from it (a Gemini
        countTokens call is answered the same way: its count is the usage's input)."""
        opened = await self._open(route, call)
        async with opened.response as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        answer = parse_json(body)
        usage = self._dialect.usage(call, answer)
        return Served(opened.route, Completion(body, content_type, usage, answer))

    def stream(self, route: Route, call: CallT) -> Streamed[CallT]:
        """The stream's raw bytes as they arrive; leaving the block closes the upstream call."""
        return Streamed(self, route, call)


class Streamed(Generic[CallT]):
    """`DialectClient.stream`'s block: the call opened on entry, its response released on
    exit, whatever ended the block. A class, not a generator-based context manager: every
    stream enters one, and the generator costs a frame, a wrapper object and two resumptions.
    """

    __slots__ = ("_call", "_client", "_response", "_route")

    def __init__(self, client: DialectClient[CallT], route: Route, call: CallT) -> None:
        self._client, self._route, self._call = client, route, call
        self._response: aiohttp.ClientResponse | None = None

    async def __aenter__(self) -> Served[AsyncIterator[bytes]]:
        opened = await self._client._open(self._route, self._call)
        self._response = response = await opened.response.__aenter__()
        return Served(opened.route, Upstream.chunks(response))

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._response is not None  # entered: `__aenter__` raised otherwise
        await self._response.__aexit__(kind, error, trace)
