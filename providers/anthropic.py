"""Pure translation for Anthropic's native Messages API: payloads, headers, usage, streams.

Nothing here does I/O (that is `providers.dialect_client` over `providers.http`), so every
rule is tested with plain values. The gateway is a pass-through: the client's body reaches
Anthropic untouched but for the model name, and a stream's bytes reach the client exactly as
Anthropic sent them; this module only reads what billing needs out of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers import json_codec
from providers.anthropic_holds import hold_for_messages
from providers.anthropic_tools import web_search_requests
from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.errors import UpstreamError
from providers.prompt_estimate import anthropic_prompt_tokens
from providers.registry import Route
from providers.usage import JsonObject, TokenUsage

#: What the Anthropic SDK sends, and what the API requires when a client sends nothing.
DEFAULT_VERSION = "2023-06-01"
#: Where one server-sent event ends: a blank line, in any of the line endings SSE allows.
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
#: The usage fields that together are the input Anthropic bills (cache writes and reads
#: are input tokens too, only priced differently by Anthropic).
_INPUT_FIELDS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
#: Where `_counts` keeps `cache_creation.ephemeral_1h_input_tokens`, the part of the cache
#: writes made for an hour (the rest are five-minute writes).
_WRITES_1H = "cache_creation_1h"
#: Where `_counts` keeps `server_tool_use.web_search_requests`: the searches billed apart.
_SEARCHES = "web_search_requests"


def forwarded_headers(client_headers: Mapping[str, str]) -> dict[str, str]:
    """The client's protocol headers that Anthropic needs; everything else stays here.

    Only `anthropic-version` (defaulted, since the API refuses a request without one) and
    `anthropic-beta` are passed on: never the client's credentials or its SDK's telemetry.
    """
    headers = {"anthropic-version": client_headers.get("anthropic-version") or DEFAULT_VERSION}
    if beta := client_headers.get("anthropic-beta"):
        headers["anthropic-beta"] = beta
    return headers


def messages_payload(body: JsonObject, model: Model) -> JsonObject:
    """The upstream request: the client's body (credentials already removed), upstream model."""
    payload = dict(body)
    payload["model"] = model.upstream
    return payload


def _count(value: object) -> int | None:
    """A token count, or None when the field is absent or not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _input_tokens(usage: Mapping[str, int]) -> int:
    return sum(usage.get(name, 0) for name in _INPUT_FIELDS)


def _counts(usage: Mapping[str, Any]) -> dict[str, int]:
    """The usage figures that are present and whole numbers, the one-hour cache writes
    (nested in `cache_creation`) among them as `_WRITES_1H`, the web searches (nested in
    `server_tool_use`) as `_SEARCHES`."""
    found = {name: _count(usage.get(name)) for name in (*_INPUT_FIELDS, "output_tokens")}
    split = usage.get("cache_creation")
    if isinstance(split, dict):
        found[_WRITES_1H] = _count(split.get("ephemeral_1h_input_tokens"))
    found[_SEARCHES] = web_search_requests(usage)
    return {name: value for name, value in found.items() if value is not None}


def _usage(counts: Mapping[str, int], output_tokens: int) -> TokenUsage:
    """The usage as billed: every input field (plain, cache writes, cache reads) is input.

    Thinking is part of `output_tokens` and not reported apart, so reasoning stays 0. The
    one-hour writes are capped at all writes, which they are a part of. Web searches are
    counted as calls, priced per search.
    """
    writes = counts.get("cache_creation_input_tokens", 0)
    return TokenUsage(
        input_tokens=_input_tokens(counts),
        output_tokens=output_tokens,
        cache_read_tokens=counts.get("cache_read_input_tokens", 0),
        cache_write_tokens=writes,
        cache_write_1h_tokens=min(counts.get(_WRITES_1H, 0), writes),
        web_search_calls=counts.get(_SEARCHES, 0),
    )


def usage_from_message(data: object) -> TokenUsage:
    """A message's usage; a message without one cannot be billed honestly, so it is a 502."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        raise UpstreamError(502, "the provider's response carried no usage to bill")
    counts = _counts(usage)
    if "input_tokens" not in counts or "output_tokens" not in counts:
        raise UpstreamError(502, "the provider's usage figures are not whole numbers")
    return _usage(counts, counts["output_tokens"])


def stream_error_event(message: str) -> bytes:
    """Once a stream has started, an error can only travel as one more event, in Anthropic's
    own shape so that its SDK raises it."""
    data = {"type": "error", "error": {"type": "api_error", "message": message}}
    return f"event: error\ndata: {json.dumps(data)}\n\n".encode()


class EventScanner:
    """Passes a Messages stream on event by event, reading the billing figures as it goes.

    Invariants: the bytes passed on are exactly the upstream's, each event as soon as its
    terminating blank line arrives (an event cut in half by a broken upstream is never passed
    on, so the client's stream stays well-formed); only `message_start`, `message_delta` and
    `error` events are parsed as JSON; every figure (output, and the input and cache figures
    a `message_delta` may repeat) is the LAST one reported, since Anthropic's counts there
    are cumulative; `message_start`'s cache split stands unless a later event restates it.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._usage: dict[str, int] = {}
        self.started = False
        self.finished = False
        self.failed = False
        self.output_events = 0

    def feed(self, chunk: bytes) -> bytes:
        """Take the next raw bytes; return the complete events among them, unchanged."""
        self._pending += chunk
        *events, rest = _EVENT_END.split(self._pending)
        if not events:
            return b""
        complete = self._pending[: len(self._pending) - len(rest)]
        self._pending = rest
        for event in events:
            self._read(event)
        return complete

    def finish(self) -> bytes:
        """The upstream ended cleanly: its unterminated last event, if any, read and returned."""
        rest, self._pending = self._pending, b""
        if rest.strip():
            self._read(rest)
        return rest

    def reported(self) -> TokenUsage | None:
        """Anthropic's own figures, once both `message_start` (the input) and the final
        `message_delta` (the output) have passed: billed as they are."""
        if self.started and self.finished:
            return _usage(self._usage, self._usage.get("output_tokens", 0))
        return None

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        """Without the final usage (a break): the input `message_start` gave (else the
        estimate) and the output events counted; None when nothing was produced at all."""
        if not (self.output_events or self.finished):
            return None
        output = self._usage.get("output_tokens", 0) if self.finished else self.output_events
        if self.started:
            return _usage(self._usage, output)
        return TokenUsage(prompt_estimate, output)

    def _read(self, event: bytes) -> None:
        name, data = _parse_event(event)
        if name == "content_block_delta":
            self.output_events += 1
        elif name in ("message_start", "message_delta", "error"):
            self._note(name, _json(data))

    def _note(self, name: str, data: object) -> None:
        if name == "error":
            self.failed = True
            return
        holder = (
            data.get("message") if isinstance(data, dict) and name == "message_start" else data
        )
        usage = holder.get("usage") if isinstance(holder, dict) else None
        if not isinstance(usage, dict):
            return
        self._usage.update(_counts(usage))
        self.started = self.started or name == "message_start"
        self.finished = self.finished or name == "message_delta"


def _parse_event(event: bytes) -> tuple[str | None, bytes]:
    """An SSE event's name and its data (several `data:` lines joined, as SSE defines)."""
    name: str | None = None
    data: list[bytes] = []
    for line in event.splitlines():
        field, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if field == b"event":
            name = value.decode("utf-8", "replace").strip()
        elif field == b"data":
            data.append(value)
    return name, b"\n".join(data)


def _json(data: bytes) -> object:
    try:
        return json_codec.loads(data)
    except ValueError:
        return None


def messages_url(base_url: str) -> str:
    """Where Messages live, from a base URL in the Anthropic SDK's convention (no `/v1`)."""
    return f"{base_url.rstrip('/')}/v1/messages"


@dataclass(frozen=True, slots=True)
class AnthropicCall:
    """One Messages call: the upstream payload, and the client's headers, of which only the
    protocol ones travel on (`forwarded_headers`)."""

    payload: JsonObject
    client_headers: Mapping[str, str]


class AnthropicMessages:
    """Anthropic's native Messages API, as a `ChatDialect`.

    Answers are asked for uncompressed, because the gateway passes the provider's bytes on
    as they are and reads the usage out of them.
    """

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        """`body` was validated, so its `max_tokens` is a whole number of at least 1."""
        beta = client_headers.get("anthropic-beta")
        return hold_for_messages(body, model, body["max_tokens"], beta)

    def prompt_tokens(self, body: JsonObject) -> int:
        return anthropic_prompt_tokens(body)

    def url(self, route: Route, call: AnthropicCall) -> str:
        return messages_url(route.base_url)

    def headers(self, route: Route, call: AnthropicCall) -> dict[str, str]:
        headers = forwarded_headers(call.client_headers)
        headers["x-api-key"] = route.api_key
        headers["Content-Type"] = "application/json"
        headers["Accept-Encoding"] = "identity"
        return headers

    def params(self, call: AnthropicCall) -> None:
        return None

    def payload(self, call: AnthropicCall) -> bytes:
        return json_codec.dumps(call.payload).encode()

    def retarget(self, call: AnthropicCall, model: Model) -> AnthropicCall:
        return AnthropicCall(messages_payload(call.payload, model), call.client_headers)

    def usage(self, call: AnthropicCall, answer: object) -> TokenUsage:
        return usage_from_message(answer)

    def scanner(self, body: JsonObject) -> StreamScanner:
        return EventScanner()

    def error_event(self, error: UpstreamError) -> bytes:
        return stream_error_event(error.message)


ANTHROPIC_MESSAGES: ChatDialect[AnthropicCall] = AnthropicMessages()
