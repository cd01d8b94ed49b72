"""Gemini's native API over the shared `Upstream`: whole answers and `alt=sse` streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientResponse

from providers.gemini import (
    GeminiCall,
    counted_tokens,
    response_usage,
    upstream_headers,
    upstream_url,
)
from providers.http import Upstream, parse_json
from providers.registry import Route
from providers.usage import Completion, TokenUsage


class GeminiClient:
    """The only I/O of the Google routes; errors come mapped from `Upstream.open`."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def _open(self, route: Route, call: GeminiCall) -> ClientResponse:
        return await self._upstream.open(
            "POST",
            upstream_url(route.provider.base_url, call.version, route.model.upstream, call.method),
            api_key=route.api_key,
            headers=upstream_headers(route.api_key),
            data=call.body,
            params=call.params,
        )

    async def _whole(self, route: Route, call: GeminiCall) -> tuple[bytes, str]:
        async with await self._open(route, call) as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        return body, content_type

    async def generate(self, route: Route, call: GeminiCall) -> Completion:
        body, content_type = await self._whole(route, call)
        return Completion(body, content_type, response_usage(parse_json(body)))

    async def count_tokens(self, route: Route, call: GeminiCall) -> Completion:
        """The count travels as the usage's input, so it can be recorded (at no cost)."""
        body, content_type = await self._whole(route, call)
        return Completion(body, content_type, TokenUsage(counted_tokens(parse_json(body)), 0))

    @asynccontextmanager
    async def stream(self, route: Route, call: GeminiCall) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streaming call; errors before the first byte raise here, as UpstreamError."""
        async with await self._open(route, call) as response:
            yield self._upstream.chunks(response)
