"""A fake Gemini API (generativelanguage.googleapis.com): a real aiohttp server shaped like it.

`POST /{version}/models/{model}:{method}` answers generateContent, streamGenerateContent
(`alt=sse`: `data: {...}\\r\\n\\r\\n` events whose running usageMetadata carries the prompt
count, the last one the whole usage, as Google's do) and countTokens; errors have Google's
shape. Every request is recorded (path, query, headers, parsed body) and every streamed byte
kept, so tests can compare what the client got with what was sent. Switches per test: an
error status, a delay, a stream cut or paused mid-way, usage held back or left out.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.key_faults import KeyFaults

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass
class GeminiRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeGemini:
    """State and switches of one fake Gemini; `app()` builds its server."""

    prompt_tokens: int = 9
    candidates_tokens: int = 6
    thoughts_tokens: int | None = None
    #: Google's `cachedContentTokenCount` (part of the prompt) and `toolUsePromptTokenCount`.
    cached_tokens: int | None = None
    tool_use_prompt_tokens: int | None = None
    #: `promptTokensDetails` and `candidatesTokensDetails` as (modality, tokens) pairs, e.g.
    #: `(("TEXT", 5), ("AUDIO", 4))`; left out when empty.
    prompt_details: tuple[tuple[str, int], ...] = ()
    candidates_details: tuple[tuple[str, int], ...] = ()
    counted_tokens: int = 31
    pieces: tuple[str, ...] = ("Hello", " from", " the fake", " Gemini")
    fail_status: int | None = None
    fail_message: str = "Internal error encountered."
    delay: float = 0.0
    #: Stream faults: drop the connection after this many chunks; leave usageMetadata out.
    cut_stream_after: int | None = None
    omit_usage: bool = False
    #: When set, a stream waits for this event after its first chunk.
    pause_stream: asyncio.Event | None = None
    #: When set, a stream waits for this event before its last chunk (the one with the
    #: whole usage): usage that comes late, or never while it stays unset.
    usage_gate: asyncio.Event | None = None
    requests: list[GeminiRequest] = field(default_factory=list)
    #: Per-key refusals, and the key of every request received (tests/fakes/key_faults.py).
    keys: KeyFaults = field(default_factory=KeyFaults)
    streamed: bytearray = field(default_factory=bytearray)

    @property
    def reply(self) -> str:
        return "".join(self.pieces)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.keys.middleware])
        app.router.add_post("/{version}/models/{model_and_method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(
            GeminiRequest(request.path, dict(request.query), dict(request.headers), body)
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_status is not None:
            return error_response(self.fail_status, self.fail_message)
        model, _, method = request.match_info["model_and_method"].rpartition(":")
        if method == "countTokens":
            return web.json_response({"totalTokens": self.counted_tokens})
        if method == "streamGenerateContent":
            return await self._stream(request, model)
        return web.json_response(self._chunk(self.reply, model, final=True))

    def _usage(self, final: bool) -> dict[str, Any]:
        """Google's usage: the running one (every event but the last) knows the prompt side
        only, the final one everything."""
        usage = self._prompt_usage()
        if not final:
            return usage
        usage["candidatesTokenCount"] = self.candidates_tokens
        usage["totalTokenCount"] += self.candidates_tokens
        if self.thoughts_tokens is not None:
            usage["thoughtsTokenCount"] = self.thoughts_tokens
            usage["totalTokenCount"] += self.thoughts_tokens
        if self.candidates_details:
            usage["candidatesTokensDetails"] = _details(self.candidates_details)
        return usage

    def _prompt_usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "promptTokenCount": self.prompt_tokens,
            "totalTokenCount": self.prompt_tokens,
        }
        if self.cached_tokens is not None:
            usage["cachedContentTokenCount"] = self.cached_tokens
        if self.tool_use_prompt_tokens is not None:
            usage["toolUsePromptTokenCount"] = self.tool_use_prompt_tokens
            usage["totalTokenCount"] += self.tool_use_prompt_tokens
        if self.prompt_details:
            usage["promptTokensDetails"] = _details(self.prompt_details)
        return usage

    def _chunk(self, text: str, model: str, final: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": text}], "role": "model"},
            "index": 0,
        }
        if final:
            candidate["finishReason"] = "STOP"
        chunk: dict[str, Any] = {"candidates": [candidate]}
        if not self.omit_usage:
            chunk["usageMetadata"] = self._usage(final)
        chunk["modelVersion"] = model
        chunk["responseId"] = "fake-response-id"
        return chunk

    async def _stream(self, request: web.Request, model: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        last = len(self.pieces) - 1
        for sent, piece in enumerate(self.pieces):
            if sent == self.cut_stream_after:
                assert request.transport is not None
                request.transport.close()  # the provider dies mid-stream
                return response
            if sent == last and self.usage_gate is not None:
                await self.usage_gate.wait()
            event = f"data: {json.dumps(self._chunk(piece, model, sent == last))}\r\n\r\n"
            self.streamed += event.encode()
            await response.write(event.encode())
            if sent == 0 and self.pause_stream is not None:
                await self.pause_stream.wait()
        await response.write_eof()
        return response


def _details(pairs: tuple[tuple[str, int], ...]) -> list[dict[str, Any]]:
    return [{"modality": modality, "tokenCount": tokens} for modality, tokens in pairs]


def error_response(status: int, message: str) -> web.Response:
    """Google's error shape: `{"error": {"code", "message", "status"}}`."""
    error = {"code": status, "message": message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}
    return web.json_response({"error": error}, status=status)
