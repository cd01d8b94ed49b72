"""The fake provider's answers for token-billed transcription models, as OpenAI gives them.

gpt-4o-transcribe and its kin report a usage of type `tokens` in a `json` answer and in a
stream's final `transcript.text.done` event; a `text` answer carries none; the formats they
do not offer (`srt`, `vtt`, `verbose_json`) are OpenAI's 400 naming `response_format`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class FakeTokenUsage:
    """The usage the fake reports: audio input tokens, text input tokens (None: one per
    word of the `prompt`), output tokens (None: two per word of the transcript)."""

    audio_tokens: int = 40
    text_tokens: int | None = None
    output_tokens: int | None = None
    #: False: a `json` answer and a stream's last event carry no `usage` at all.
    reported: bool = True

    def of(self, prompt: str, transcript: str) -> dict[str, Any]:
        text = len(prompt.split()) if self.text_tokens is None else self.text_tokens
        output = 2 * len(transcript.split()) if self.output_tokens is None else self.output_tokens
        inputs = text + self.audio_tokens
        return {
            "type": "tokens",
            "input_tokens": inputs,
            "input_token_details": {"text_tokens": text, "audio_tokens": self.audio_tokens},
            "output_tokens": output,
            "total_tokens": inputs + output,
        }


def is_token_model(model: object) -> bool:
    return isinstance(model, str) and model.startswith("gpt-4o") and "transcribe" in model


def _unsupported(response_format: str, model: str) -> web.Response:
    message = (
        f"response_format '{response_format}' is not compatible with model '{model}'. "
        "Use 'json' or 'text'."
    )
    error = {
        "message": message,
        "type": "invalid_request_error",
        "param": "response_format",
        "code": "unsupported_value",
    }
    return web.json_response({"error": error}, status=400)


async def _stream(
    request: web.Request, transcript: str, usage: dict[str, Any] | None
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for word in transcript.split(" "):
        delta = {"type": "transcript.text.delta", "delta": word + " ", "logprobs": []}
        await response.write(f"data: {json.dumps(delta)}\n\n".encode())
    done: dict[str, Any] = {"type": "transcript.text.done", "text": transcript, "logprobs": []}
    if usage is not None:
        done["usage"] = usage
    await response.write(f"data: {json.dumps(done)}\n\n".encode())
    await response.write_eof()
    return response


async def token_answer(
    request: web.Request, body: dict[str, Any], transcript: str, usage: FakeTokenUsage
) -> web.StreamResponse:
    """A token-billed model's answer to the recorded form `body`."""
    response_format = str(body.get("response_format", "json"))
    reported = usage.of(str(body.get("prompt", "")), transcript) if usage.reported else None
    if str(body.get("stream", "")).lower() == "true":
        return await _stream(request, transcript, reported)
    if response_format == "text":
        return web.Response(text=transcript, content_type="text/plain")
    if response_format not in ("json", "diarized_json"):
        return _unsupported(response_format, str(body["model"]))
    answer: dict[str, Any] = {"text": transcript}
    if reported is not None:
        answer["usage"] = reported
    return web.json_response(answer)
