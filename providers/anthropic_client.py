"""Anthropic's native Messages API over the one `Upstream` transport: the only I/O for it.

The operator's key travels as `x-api-key`, the client's protocol headers as given (see
`providers.anthropic.forwarded_headers`). Answers are asked for uncompressed, because the
gateway passes the provider's bytes on as they are and reads the usage out of them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from aiohttp import ClientResponse

from providers.anthropic import usage_from_message
from providers.http import Upstream, parse_json
from providers.registry import Route
from providers.usage import Completion, JsonObject


def messages_url(base_url: str) -> str:
    """Where Messages live, from a base URL in the Anthropic SDK's convention (no `/v1`)."""
    return f"{base_url.rstrip('/')}/v1/messages"


class AnthropicClient:
    """Plain and streamed Messages calls; errors before the first byte raise UpstreamError.

    Holds nothing but the shared transport, so making one per request costs nothing.
    """

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def _open(
        self, route: Route, payload: JsonObject, headers: Mapping[str, str]
    ) -> ClientResponse:
        return await self._upstream.open(
            "POST",
            messages_url(route.provider.base_url),
            api_key=route.api_key,
            headers={
                **headers,
                "x-api-key": route.api_key,
                "Content-Type": "application/json",
                "Accept-Encoding": "identity",
            },
            data=json.dumps(payload).encode(),
        )

    async def complete(
        self, route: Route, payload: JsonObject, headers: Mapping[str, str]
    ) -> Completion:
        """The whole message as Anthropic sent it, with the usage read from it."""
        async with await self._open(route, payload, headers) as response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        usage = usage_from_message(parse_json(body))
        return Completion(body=body, content_type=content_type, usage=usage)

    @asynccontextmanager
    async def stream(
        self, route: Route, payload: JsonObject, headers: Mapping[str, str]
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """The stream's raw bytes as they arrive; leaving the block closes the upstream call."""
        async with await self._open(route, payload, headers) as response:
            yield self._upstream.chunks(response)
