"""A fake OpenAI-compatible provider: a real aiohttp server that answers like the real API.

It records every request it receives (path, headers, parsed body) so tests can check what
the gateway forwarded. Its behaviour is switched per test through `FakeUpstream` fields: a
fixed usage, an error status with the provider's error body, a delay (to provoke the
gateway's read timeout), and for streams a cut, a pause, usage held back or left out.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.key_faults import KeyFaults
from tests.fakes.openai_completions import CompletionRoutes
from tests.fakes.openai_media import FakeMedia, MediaRoutes
from tests.fakes.openai_responses import FakeResponses, ResponsesRoutes
from tests.fakes.server import serve_app


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeUpstream:
    """State and switches of one fake provider; `app()` builds its server."""

    prompt_tokens: int = 12
    completion_tokens: int = 5
    #: OpenAI's `prompt_tokens_details` and `completion_tokens_details` (e.g. cached_tokens,
    #: reasoning_tokens, audio_tokens), sent as given when set, streamed or not.
    prompt_details: dict[str, int | None] | None = None
    completion_details: dict[str, int | None] | None = None
    reply: str = "Hello from the fake upstream"
    fail_status: int | None = None
    fail_message: str = "The server had an error while processing your request."
    delay: float = 0.0
    #: Stream faults: drop the connection after this many content chunks; leave out the
    #: final usage chunk; answer a non-stream call with broken JSON.
    cut_stream_after: int | None = None
    omit_usage: bool = False
    malformed_json: bool = False
    #: A non-stream answer whose connection drops halfway through its announced length.
    cut_answer: bool = False
    #: When set, a stream waits for this event after its first content chunk.
    pause_stream: asyncio.Event | None = None
    #: When set, a stream waits for this event before its usage chunk: usage that comes
    #: late, or never while the event stays unset (the test sets it before it ends).
    usage_gate: asyncio.Event | None = None
    requests: list[ReceivedRequest] = field(default_factory=list)
    #: Per-key refusals, and the key of every request received (tests/fakes/key_faults.py).
    keys: KeyFaults = field(default_factory=KeyFaults)
    #: Switches of the embeddings, images and audio endpoints (tests/fakes/openai_media.py);
    #: legacy completions and moderations use the chat switches above
    #: (tests/fakes/openai_completions.py).
    media: FakeMedia = field(default_factory=FakeMedia)
    #: Switches and stored responses of the Responses API (tests/fakes/openai_responses.py).
    responses: FakeResponses = field(default_factory=FakeResponses)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.keys.middleware])
        app.router.add_post("/v1/chat/completions", self._chat)
        # Any base path, for providers whose OpenAI-compatible base is not /v1.
        app.router.add_post("/{base:.+}/chat/completions", self._chat)
        MediaRoutes(self).add_to(app)
        CompletionRoutes(self).add_to(app)
        ResponsesRoutes(self).add_to(app)
        return app

    def record(self, request: web.Request, body: dict[str, Any]) -> None:
        self.requests.append(ReceivedRequest(request.path, dict(request.headers), body))

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(ReceivedRequest(request.path, dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_status is not None:
            return _error(self.fail_status, self.fail_message)
        if body.get("stream"):
            return await self._stream(request, body)
        if self.malformed_json:
            return web.Response(
                body=b'{"id": "chatcmpl-fake", "choi', content_type="application/json"
            )
        if self.cut_answer:
            return await _cut_answer(request, json.dumps(self._completion(body)).encode())
        return web.json_response(self._completion(body))

    def _usage(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }
        if self.prompt_details is not None:
            usage["prompt_tokens_details"] = self.prompt_details
        if self.completion_details is not None:
            usage["completion_tokens_details"] = self.completion_details
        return usage

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": self._usage(),
        }

    async def _stream(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": body["model"]}
        for sent, word in enumerate(self.reply.split(" ")):
            if sent == self.cut_stream_after:
                assert request.transport is not None
                request.transport.close()  # the provider dies mid-stream
                return response
            delta = {"index": 0, "delta": {"content": word + " "}, "finish_reason": None}
            await _send_event(response, {**base, "choices": [delta]})
            if sent == 0 and self.pause_stream is not None:
                await self.pause_stream.wait()
        done = {"index": 0, "delta": {}, "finish_reason": "stop"}
        await _send_event(response, {**base, "choices": [done]})
        if self.usage_gate is not None:
            await self.usage_gate.wait()
        if body.get("stream_options", {}).get("include_usage") and not self.omit_usage:
            await _send_event(response, {**base, "choices": [], "usage": self._usage()})
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


async def _send_event(response: web.StreamResponse, event: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(event)}\n\n".encode())


def _error(status: int, message: str) -> web.Response:
    error = {"message": message, "type": "server_error", "param": None, "code": None}
    return web.json_response({"error": error}, status=status)


@asynccontextmanager
async def serve(fake: FakeUpstream) -> AsyncIterator[str]:
    """Run `fake` on a free loopback port; yields its OpenAI-style base URL (with /v1)."""
    async with serve_app(fake.app()) as root:
        yield f"{root}/v1"


async def _cut_answer(request: web.Request, whole: bytes) -> web.StreamResponse:
    """Announce `whole`'s length, send half of it, and drop the connection."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = len(whole)
    await response.prepare(request)
    await response.write(whole[: len(whole) // 2])
    assert request.transport is not None
    request.transport.close()  # the provider dies mid-answer
    return response
