"""The I/O half of OpenAI's embeddings, images and audio: calls over the one `Upstream`.

Every call goes to the `openai_base_url` of the key each attempt uses, with that key;
`Upstream.open` already tried the provider's other keys and turned a final non-2xx answer
into an `UpstreamError`, so what comes back here is a success whose body the route bills
from (JSON) or relays (audio bytes). These models have no fallbacks, so the model that
answers is always the route's own.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from providers.http import Upstream, UpstreamRequest, parse_json
from providers.openai_media import FormPart
from providers.registry import Route
from providers.usage import JsonObject


@dataclass(frozen=True, slots=True)
class MediaReply:
    """A finished call: the provider's bytes as sent, their type, and the parsed JSON
    (None when the body is not JSON, e.g. a `text` or `srt` transcription)."""

    body: bytes
    content_type: str
    data: Any


@dataclass(frozen=True, slots=True)
class AudioStream:
    """An audio body being received: its type, and its bytes as they arrive."""

    content_type: str
    chunks: AsyncIterator[bytes]


def _form(parts: list[FormPart]) -> aiohttp.FormData:
    """Re-encode the parts as multipart; text fields as text, files with their name."""
    form = aiohttp.FormData()
    for part in parts:
        if part.filename is None:
            form.add_field(part.name, part.text())
        else:
            content_type = part.content_type or "application/octet-stream"
            form.add_field(
                part.name, part.value, filename=part.filename, content_type=content_type
            )
    return form


class OpenAIMediaClient:
    """Embeddings, image generation, speech and transcription over OpenAI's protocol."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def _open(
        self,
        route: Route,
        path: str,
        data: Callable[[], bytes | aiohttp.FormData],
        content_type: str | None,
    ) -> aiohttp.ClientResponse:
        """Open the call; `data()` makes the body of each attempt (a multipart form can be
        sent only once)."""

        def build(attempt: Route) -> UpstreamRequest:
            headers = {"Authorization": f"Bearer {attempt.api_key}"}
            if content_type is not None:  # FormData sets its own, with the boundary
                headers["Content-Type"] = content_type
            return UpstreamRequest("POST", f"{attempt.openai_base_url}{path}", headers, data())

        return (await self._upstream.open(route, build)).response

    async def _finish(self, response: aiohttp.ClientResponse, expect_json: bool) -> MediaReply:
        async with response:
            body = await self._upstream.read(response)
            content_type = response.headers.get("Content-Type", "application/json")
        is_json = content_type.startswith("application/json")
        data = parse_json(body) if expect_json or is_json else None
        return MediaReply(body=body, content_type=content_type, data=data)

    async def post_json(self, route: Route, path: str, payload: JsonObject) -> MediaReply:
        """A JSON call whose answer is JSON (embeddings, images)."""
        body = json.dumps(payload).encode()
        response = await self._open(route, path, lambda: body, "application/json")
        return await self._finish(response, expect_json=True)

    async def post_form(self, route: Route, path: str, parts: list[FormPart]) -> MediaReply:
        """A multipart upload (transcriptions, translations); the answer may be plain text."""
        response = await self._open(route, path, lambda: _form(parts), None)
        return await self._finish(response, expect_json=False)

    @asynccontextmanager
    async def speech(self, route: Route, payload: JsonObject) -> AsyncIterator[AudioStream]:
        """Open a speech call; errors before the first byte raise here, as UpstreamError."""
        body = json.dumps(payload).encode()
        opened = self._open(route, "/audio/speech", lambda: body, "application/json")
        async with await opened as reply:
            content_type = reply.headers.get("Content-Type", "application/octet-stream")
            yield AudioStream(content_type, self._upstream.chunks(reply))
