"""Pure translation for OpenAI-compatible chat: request payloads, usage, stream scanning.

Nothing here does I/O, so every rule is tested with plain values. The I/O lives in
`providers.http`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from providers.catalog import Model
from providers.errors import UpstreamError

JsonObject = dict[str, Any]

#: Roughly four bytes of text per token in OpenAI's tokenizers: the likely count, used to
#: bill a stream that ended without the provider's usage.
_BYTES_PER_TOKEN = 4
#: The most tokens one image part can cost (OpenAI's high-detail tiles stay below this).
_IMAGE_PART_TOKENS = 1600


@dataclass(frozen=True, slots=True)
class TokenUsage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished non-streaming call: the upstream's bytes as sent, and the usage in them."""

    body: bytes
    content_type: str
    usage: TokenUsage


def requested_output_tokens(body: JsonObject, model: Model) -> int:
    """The output bound a hold must cover: the client's max tokens, capped by the model's."""
    for field in ("max_completion_tokens", "max_tokens"):
        value = body.get(field)
        if isinstance(value, int) and value > 0:
            return min(value, model.max_output_tokens)
    return model.max_output_tokens


def _messages_size(body: JsonObject) -> int:
    return len(json.dumps(body.get("messages", []), ensure_ascii=False).encode())


def estimate_input_tokens(body: JsonObject) -> int:
    """The likely number of prompt tokens, from the size of the messages."""
    return _messages_size(body) // _BYTES_PER_TOKEN + 1


def _text_bytes_and_images(value: object) -> tuple[int, int]:
    """Bytes of every key and value in `value`, and its image parts (not their bytes)."""
    if isinstance(value, dict):
        if value.get("type") == "image_url":
            return 0, 1
        pairs = [_text_bytes_and_images(item) for item in value.values()]
        keys = sum(len(str(key)) for key in value)
        return keys + sum(b for b, _ in pairs), sum(i for _, i in pairs)
    if isinstance(value, list):
        pairs = [_text_bytes_and_images(item) for item in value]
        return sum(b for b, _ in pairs), sum(i for _, i in pairs)
    return len(str(value).encode()), 0


def max_input_tokens(body: JsonObject) -> int:
    """An upper bound of the prompt's tokens, so a hold covers the real charge.

    A BPE token is at least one byte of text, so the bytes of the messages' keys and values
    bound the text's tokens, plus a few framing tokens per message; each image part adds the
    most an image can cost, whatever its URL or base64 size.
    """
    messages = body.get("messages", [])
    text, images = _text_bytes_and_images(messages)
    framing = 4 * len(messages) if isinstance(messages, list) else 0
    return text + framing + images * _IMAGE_PART_TOKENS


def hold_for_chat(body: JsonObject, model: Model) -> int:
    """What to pre-authorize for a chat call: the most it can cost (at least one unit)."""
    output = requested_output_tokens(body, model)
    return max(1, model.cost(max_input_tokens(body), output))


def chat_payload(body: JsonObject, model: Model) -> JsonObject:
    """The upstream request: the client's body with the upstream model name.

    A stream always asks for the final usage chunk, since billing needs it; whether the
    client sees that chunk is decided by `UsageScanner`.
    """
    payload = dict(body)
    payload["model"] = model.upstream
    if payload.get("stream"):
        options = dict(payload.get("stream_options") or {})
        options["include_usage"] = True
        payload["stream_options"] = options
    return payload


def client_wants_usage(body: JsonObject) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def usage_from(data: object) -> TokenUsage:
    """Read OpenAI's `usage` object; a response without one cannot be billed honestly."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        raise UpstreamError(502, "the provider's response carried no usage to bill")
    prompt = usage.get("prompt_tokens", 0)
    completion = usage.get("completion_tokens", 0)
    if not isinstance(prompt, int) or not isinstance(completion, int):
        raise UpstreamError(502, "the provider's usage figures are not whole numbers")
    return TokenUsage(input_tokens=prompt, output_tokens=completion)


def _carries_usage(chunk: bytes) -> bool:
    """Whether any event in `chunk` has a non-null usage (with include_usage, OpenAI sends
    `"usage":null` on every chunk but the last)."""
    mentions = chunk.count(b'"usage"')
    return mentions > chunk.count(b'"usage":null') + chunk.count(b'"usage": null')


class UsageScanner:
    """Passes a server-sent-event stream through, noting the usage as it goes by.

    Bytes are forwarded event by event as they complete. Only events that mention a
    non-null usage are parsed. The usage-only final chunk is dropped when the client did not
    ask for it, so its stream looks exactly as OpenAI would have sent it.
    """

    def __init__(self, forward_usage_chunk: bool) -> None:
        self._forward_usage_chunk = forward_usage_chunk
        self._pending = b""
        self.usage: TokenUsage | None = None
        self.output_events = 0
        self.failed = False  # OpenAI reports failures by status, never inside a stream

    def feed(self, chunk: bytes) -> bytes:
        """Take raw bytes from upstream; return the complete events to send on.

        The common case, whole content events with no usage in them, passes the chunk on
        as it is, without splitting it into events.
        """
        if not self._pending and chunk.endswith(b"\n\n") and not _carries_usage(chunk):
            self.output_events += chunk.count(b'"content"')
            return chunk
        self._pending += chunk
        *events, self._pending = self._pending.split(b"\n\n")
        return b"".join(self._keep(event) for event in events)

    def finish(self) -> bytes:
        """Whatever is left when the upstream closes (an unterminated last event)."""
        rest, self._pending = self._pending, b""
        return self._keep(rest) if rest.strip() else b""

    def reported(self) -> TokenUsage | None:
        """The provider's own usage, once its usage chunk has passed: billed as it is."""
        return self.usage

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        """Without the provider's usage (a break): the prompt estimate and the content
        events counted; None when nothing was produced."""
        if self.output_events:
            return TokenUsage(prompt_estimate, self.output_events)
        return None

    def _keep(self, event: bytes) -> bytes:
        if b'"usage"' in event and b'"usage":null' not in event.replace(b" ", b""):
            usage_only = self._note_usage(event)
            if usage_only and not self._forward_usage_chunk:
                return b""
        elif b'"content"' in event:
            self.output_events += 1
        return event + b"\n\n"

    def _note_usage(self, event: bytes) -> bool:
        data = event.partition(b"data:")[2].strip()
        try:
            parsed = json.loads(data)
        except ValueError:
            return False
        self.usage = usage_from(parsed)
        return not parsed.get("choices")
