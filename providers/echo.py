"""The built-in `echo` model: answers with the last user message, needing no provider.

It lets a newcomer make a first billed call offline and lets client developers test an
integration without spending provider money. It speaks exactly OpenAI's chat format, plain
and streamed (with the usage chunk when asked), and reports usage like a provider would:
estimated tokens of the prompt and of the reply, so billing runs through the same path.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from providers.openai_compat import estimate_input_tokens
from providers.registry import Route
from providers.served import Served
from providers.usage import Completion, JsonObject, TokenUsage

_BYTES_PER_TOKEN = 4


def last_user_text(body: JsonObject) -> str:
    """The text of the last user message (text parts joined; images are skipped)."""
    for message in reversed(body.get("messages", [])):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                parts = [p.get("text", "") for p in content if isinstance(p, dict)]
                return "".join(part for part in parts if isinstance(part, str))
    return ""


def echo_usage(body: JsonObject, reply: str) -> TokenUsage:
    return TokenUsage(
        input_tokens=estimate_input_tokens(body),
        output_tokens=len(reply.encode()) // _BYTES_PER_TOKEN + 1,
    )


def _usage_json(usage: TokenUsage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


def echo_completion(body: JsonObject, created: int) -> tuple[JsonObject, TokenUsage]:
    reply = last_user_text(body)
    usage = echo_usage(body, reply)
    completion = {
        "id": f"chatcmpl-echo-{created}",
        "object": "chat.completion",
        "created": created,
        "model": "echo",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage_json(usage),
    }
    return completion, usage


def echo_events(body: JsonObject, created: int) -> list[bytes]:
    """The whole stream as OpenAI would send it, always ending with the usage chunk."""
    reply = last_user_text(body)
    base: dict[str, Any] = {
        "id": f"chatcmpl-echo-{created}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": "echo",
    }
    words = reply.split(" ")
    pieces = [word + (" " if i < len(words) - 1 else "") for i, word in enumerate(words)]
    chunks: list[dict[str, Any]] = [
        {"index": 0, "delta": {"content": piece}, "finish_reason": None} for piece in pieces
    ]
    chunks.append({"index": 0, "delta": {}, "finish_reason": "stop"})
    events = [{**base, "choices": [chunk]} for chunk in chunks]
    events.append({**base, "choices": [], "usage": _usage_json(echo_usage(body, reply))})
    encoded = [f"data: {json.dumps(event)}\n\n".encode() for event in events]
    return [*encoded, b"data: [DONE]\n\n"]


class EchoBackend:
    """A chat backend with the interface of the OpenAI-compatible `DialectClient`, no I/O."""

    async def complete(self, route: Route, payload: JsonObject) -> Served[Completion]:
        completion, usage = echo_completion(payload, int(time.time()))
        body = json.dumps(completion).encode()
        return Served(route, Completion(body=body, content_type="application/json", usage=usage))

    @asynccontextmanager
    async def stream(
        self, route: Route, payload: JsonObject
    ) -> AsyncIterator[Served[AsyncIterator[bytes]]]:
        yield Served(route, _iterate(echo_events(payload, int(time.time()))))


async def _iterate(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
