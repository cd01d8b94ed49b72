"""The fake provider's speech as server-sent events (`stream_format: "sse"`), as OpenAI
answers it: `speech.audio.delta` events with the audio in base64 pieces, then one
`speech.audio.done` event with the call's usage. tts-1 and tts-1-hd do not take it
(OpenAI's 400 naming `stream_format`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

#: The models that answer only with audio bytes.
AUDIO_ONLY = ("tts-1", "tts-1-hd")


@dataclass
class FakeSpeechUsage:
    """What the done event reports: input tokens (None: one per word of the input and the
    instructions) and audio output tokens; `reported` False leaves the usage out."""

    input_tokens: int | None = None
    output_tokens: int = 300
    reported: bool = True

    def of(self, body: dict[str, Any]) -> dict[str, int]:
        words = len(f"{body.get('input', '')} {body.get('instructions', '')}".split())
        inputs = words if self.input_tokens is None else self.input_tokens
        return {
            "input_tokens": inputs,
            "output_tokens": self.output_tokens,
            "total_tokens": inputs + self.output_tokens,
        }


def refuses_sse(body: dict[str, Any]) -> web.Response | None:
    if body.get("stream_format") != "sse" or body.get("model") not in AUDIO_ONLY:
        return None
    error = {
        "message": f"stream_format 'sse' is not supported for model '{body['model']}'.",
        "type": "invalid_request_error",
        "param": "stream_format",
        "code": "unsupported_value",
    }
    return web.json_response({"error": error}, status=400)


async def sse_answer(
    request: web.Request, body: dict[str, Any], audio: bytes, pieces: int, usage: FakeSpeechUsage
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    size = -(-len(audio) // pieces)
    for start in range(0, len(audio), size):
        piece = base64.b64encode(audio[start : start + size]).decode()
        await _send(response, {"type": "speech.audio.delta", "audio": piece})
    done: dict[str, Any] = {"type": "speech.audio.done"}
    if usage.reported:
        done["usage"] = usage.of(body)
    await _send(response, done)
    await response.write_eof()
    return response


async def _send(response: web.StreamResponse, event: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(event)}\n\n".encode())
