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

#: Roughly four bytes of prompt per token in OpenAI's tokenizers. The hold is an estimate
#: (what is billed is the upstream's usage), so a plain ratio is the right trade-off here.
_BYTES_PER_TOKEN = 4


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


def estimate_input_tokens(body: JsonObject) -> int:
    """A generous estimate of the prompt's tokens from the size of its messages."""
    size = len(json.dumps(body.get("messages", []), ensure_ascii=False).encode())
    return size // _BYTES_PER_TOKEN + 1


def hold_for_chat(body: JsonObject, model: Model) -> int:
    """What to pre-authorize for a chat call (at least one unit)."""
    output = requested_output_tokens(body, model)
    return max(1, model.cost(estimate_input_tokens(body), output))


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

    def feed(self, chunk: bytes) -> bytes:
        """Take raw bytes from upstream; return the complete events to send on."""
        self._pending += chunk
        *events, self._pending = self._pending.split(b"\n\n")
        return b"".join(self._keep(event) for event in events)

    def flush(self) -> bytes:
        """Whatever is left when the upstream closes (an unterminated last event)."""
        rest, self._pending = self._pending, b""
        return self._keep(rest) if rest.strip() else b""

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
