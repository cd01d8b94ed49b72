"""Chat over OpenAI's protocol: `/chat/completions` of any OpenAI-compatible provider."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientResponse

from providers.http import Upstream, parse_json
from providers.openai_compat import usage_from
from providers.registry import Route
from providers.usage import Completion, JsonObject


class OpenAICompatibleClient:
    """Plain and streamed chat; the usage comes from the response (or the last event)."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def _open(self, route: Route, payload: JsonObject) -> ClientResponse:
        return await self._upstream.open(
            "POST",
            f"{route.provider.openai_base_url}/chat/completions",
            api_key=route.api_key,
            headers={
                "Authorization": f"Bearer {route.api_key}",
                "Content-Type": "application/json",
            },
            data=json.dumps(payload).encode(),
        )

    async def complete(self, route: Route, payload: JsonObject) -> Completion:
        async with await self._open(route, payload) as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        return Completion(body=body, content_type=content_type, usage=usage_from(parse_json(body)))

    @asynccontextmanager
    async def stream(
        self, route: Route, payload: JsonObject
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streaming call; errors before the first byte raise here, as UpstreamError."""
        async with await self._open(route, payload) as response:
            yield self._upstream.chunks(response)
