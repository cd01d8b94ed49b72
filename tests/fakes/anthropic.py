"""A fake Anthropic Messages API: a real aiohttp server that answers like the real one.

It records every request (path, headers, parsed body) so tests can check what the gateway
forwarded, and every byte of every stream it sent, so tests can check the relay altered
none. Switches per test: the usage (web searches too: each a `server_tool_use` and its
`web_search_tool_result` before the text, counted in `usage.server_tool_use`), an error
status (answered in Anthropic's error shape), a delay before answering (to provoke the
gateway's read timeout), and for streams a pause after some text deltas until `resume` is
set, a cut (the connection dropped mid-stream), a hang (nothing more sent until the
gateway lets go), the final usage held back until `usage_gate` is set (late, or never),
or usage left out.

Its server cancels a handler whose client went away, so a hanging stream ends with it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.key_faults import KeyFaults
from tests.fakes.server import serve_app
from tests.fakes.upstream import ReceivedRequest

#: Anthropic's error type for each status it uses.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
MESSAGE_ID = "msg_01FakeAnthropicMessage0001"


@dataclass
class FakeAnthropic:
    """State and switches of one fake Anthropic; `app()` builds its server."""

    input_tokens: int = 25
    output_tokens: int = 9
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    #: The split of the cache writes, `{"ephemeral_5m_input_tokens": n,
    #: "ephemeral_1h_input_tokens": m}`, sent as `usage.cache_creation` when set.
    cache_creation: dict[str, int] | None = None
    #: A stream's `message_delta` repeats the whole usage (input and cache figures too, as
    #: the current API does), not only `output_tokens`.
    cumulative_delta: bool = False
    #: The web searches a message makes (`server_tool_use.web_search_requests`).
    web_searches: int = 0
    reply: str = "Hello from the fake Anthropic"
    api_key: str | None = None  # when set, any other x-api-key is refused as the API does
    fail_status: int | None = None
    fail_message: str = "Internal server error"
    delay: float = 0.0
    pause_after: int | None = None  # text deltas sent before waiting for `resume`
    cut_after: int | None = None  # text deltas sent before the connection is dropped
    hang_after: int | None = None  # text deltas sent before sending nothing more
    omit_usage: bool = False  # message_start and message_delta without their usage
    usage_gate: asyncio.Event | None = None  # when set, awaited before the final usage
    resume: asyncio.Event = field(default_factory=asyncio.Event)
    requests: list[ReceivedRequest] = field(default_factory=list)
    #: Per-key refusals, and the key of every request received (tests/fakes/key_faults.py).
    keys: KeyFaults = field(default_factory=KeyFaults)
    sent: bytearray = field(default_factory=bytearray)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.keys.middleware])
        app.router.add_post("/v1/messages", self._messages)
        app.router.add_post("/v1/messages/count_tokens", self._count_tokens)
        return app

    @property
    def pieces(self) -> list[str]:
        """The reply as the stream's text deltas: one word (with its space) each."""
        words = self.reply.split(" ")
        return [word + " " for word in words[:-1]] + words[-1:]

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(ReceivedRequest(request.path, dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if refusal := self._refusal(request, body):
            return refusal
        if body.get("stream"):
            return await self._stream(request, body)
        return web.json_response(self._message(body, final=True))

    async def _count_tokens(self, request: web.Request) -> web.Response:
        """Anthropic's free count: `{"input_tokens": n}`, no `max_tokens` needed."""
        body = await request.json()
        self.requests.append(ReceivedRequest(request.path, dict(request.headers), body))
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return error_response(401, "invalid x-api-key")
        if self.fail_status is not None:
            return error_response(self.fail_status, self.fail_message)
        return web.json_response({"input_tokens": self.input_tokens})

    def _refusal(self, request: web.Request, body: dict[str, Any]) -> web.Response | None:
        """The checks the real API makes first, then the switched failure."""
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return error_response(401, "invalid x-api-key")
        if "anthropic-version" not in request.headers:
            return error_response(400, "anthropic-version: header is required")
        if not isinstance(body.get("max_tokens"), int):
            return error_response(400, "max_tokens: Field required")
        if self.fail_status is not None:
            return error_response(self.fail_status, self.fail_message)
        return None

    def _usage(self, output_tokens: int) -> dict[str, Any]:
        usage: dict[str, Any] = {"input_tokens": self.input_tokens, "output_tokens": output_tokens}
        if self.cache_creation_input_tokens is not None:
            usage["cache_creation_input_tokens"] = self.cache_creation_input_tokens
        if self.cache_read_input_tokens is not None:
            usage["cache_read_input_tokens"] = self.cache_read_input_tokens
        if self.cache_creation is not None:
            usage["cache_creation"] = self.cache_creation
        if self.web_searches:
            searches = {"web_search_requests": self.web_searches, "web_fetch_requests": 0}
            usage["server_tool_use"] = searches
        return usage

    def _message(self, body: dict[str, Any], *, final: bool) -> dict[str, Any]:
        """The message object; at a stream's start it has no content and no stop reason."""
        message: dict[str, Any] = {
            "id": MESSAGE_ID,
            "type": "message",
            "role": "assistant",
            "content": [*self._searches(), {"type": "text", "text": self.reply}] if final else [],
            "model": body["model"],
            "stop_reason": "end_turn" if final else None,
            "stop_sequence": None,
            "usage": self._usage(self.output_tokens if final else 1),
        }
        if self.omit_usage and not final:
            del message["usage"]
        return message

    def _searches(self) -> list[dict[str, Any]]:
        """Each search as Anthropic shows it: the server's tool use, then its results."""
        blocks: list[dict[str, Any]] = []
        for n in range(self.web_searches):
            use_id = f"srvtoolu_fake{n}"
            query = {"query": "weather today"}
            blocks.append(
                {"type": "server_tool_use", "id": use_id, "name": "web_search", "input": query}
            )
            result = {
                "type": "web_search_result",
                "url": "https://example.com/weather",
                "title": "Weather",
                "encrypted_content": "EqgfCioIARgBIiQ3",
                "page_age": None,
            }
            blocks.append(
                {"type": "web_search_tool_result", "tool_use_id": use_id, "content": [result]}
            )
        return blocks

    async def _stream(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
            }
        )
        await response.prepare(request)
        await self._event(response, "message_start", message=self._message(body, final=False))
        block = {"type": "text", "text": ""}
        await self._event(response, "content_block_start", index=0, content_block=block)
        await self._event(response, "ping")
        for sent, piece in enumerate(self.pieces):
            if not await self._may_go_on(request, sent):
                return response
            delta = {"type": "text_delta", "text": piece}
            await self._event(response, "content_block_delta", index=0, delta=delta)
        if self.usage_gate is not None:
            await self.usage_gate.wait()
        await self._event(response, "content_block_stop", index=0)
        stop = {"stop_reason": "end_turn", "stop_sequence": None}
        if self.omit_usage:
            await self._event(response, "message_delta", delta=stop)
        else:
            usage = (
                self._usage(self.output_tokens)
                if self.cumulative_delta or self.web_searches
                else {"output_tokens": self.output_tokens}
            )
            await self._event(response, "message_delta", delta=stop, usage=usage)
        await self._event(response, "message_stop")
        await response.write_eof()
        return response

    async def _may_go_on(self, request: web.Request, sent: int) -> bool:
        """Whether the stream goes on after `sent` deltas; False once the connection is cut."""
        if sent == self.pause_after:
            await self.resume.wait()
        if sent == self.hang_after:
            await asyncio.Event().wait()  # ends when the gateway lets go (handler cancelled)
        if sent == self.cut_after:
            assert request.transport is not None
            request.transport.close()
            return False
        return True

    async def _event(self, response: web.StreamResponse, name: str, **data: Any) -> None:
        raw = f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()
        self.sent += raw
        await response.write(raw)


def error_response(status: int, message: str) -> web.Response:
    """Anthropic's error shape: `{"type": "error", "error": {"type", "message"}}`."""
    error = {"type": ERROR_TYPES.get(status, "api_error"), "message": message}
    return web.json_response({"type": "error", "error": error}, status=status)


@asynccontextmanager
async def serve_anthropic(fake: FakeAnthropic) -> AsyncIterator[str]:
    """Run `fake` on a free loopback port; yields its base URL as the Anthropic SDK takes it
    (no `/v1`)."""
    async with serve_app(fake.app(), handler_cancellation=True, shutdown_timeout=1) as url:
        yield url
