"""Pure translation for Gemini's native API: targets, forwarded requests, holds, usage, streams.

Nothing here does I/O (that is `providers.dialect_client` over `providers.http`), so every
rule is tested with plain values. The gateway is a pass-through: the client's body reaches
Google byte for byte unless something in it had to change (its credentials), and a stream's
events reach the client exactly as Google sent them; this module only reads what billing
needs out of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from providers import json_codec
from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.errors import UpstreamError
from providers.gemini_holds import hold_for_generation
from providers.gemini_usage import usage_of as usage_of
from providers.prompt_estimate import gemini_prompt_tokens
from providers.registry import Route
from providers.usage import JsonObject, TokenUsage

#: The API versions Google serves (and the google-genai SDK's `api_version` values).
API_VERSIONS = ("v1", "v1beta")
#: Likely bytes of text per token: only for billing a stream that ended without usage.
_BYTES_PER_TOKEN = 4
#: A blank line ends an event; Google writes CRLF line ends, other servers LF.
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n")
#: google.rpc status names, so an error event reads like one of Google's own.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    502: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class GeminiMethod(StrEnum):
    GENERATE = "generateContent"
    STREAM = "streamGenerateContent"
    COUNT_TOKENS = "countTokens"


@dataclass(frozen=True, slots=True)
class GeminiTarget:
    """What a `/{version}/models/{model}:{method}` path asks for (model as the client named it)."""

    version: str
    model: str
    method: GeminiMethod


@dataclass(frozen=True, slots=True)
class GeminiCall:
    """One upstream call: where it goes (less the host and model) and the bytes it carries."""

    version: str
    method: GeminiMethod
    params: dict[str, str]
    body: bytes


def parse_target(version: str, model_and_method: str) -> GeminiTarget | None:
    """Split `gemini-1.5-flash:generateContent` on its last ':' (a model may be `gemini:x`).

    None when the version or method is not one this gateway serves.
    """
    model, separator, method = model_and_method.rpartition(":")
    if version not in API_VERSIONS or not separator or not model:
        return None
    try:
        return GeminiTarget(version, model, GeminiMethod(method))
    except ValueError:
        return None


def upstream_url(base_url: str, version: str, upstream_model: str, method: str) -> str:
    """Google's own address for the call; GEMINI_BASE_URL is the host, as the SDK's is."""
    return f"{base_url.rstrip('/')}/{version}/models/{upstream_model}:{method}"


def upstream_headers(api_key: str) -> dict[str, str]:
    """The operator's key travels the SDK's way; nothing of the client's headers does."""
    return {"x-goog-api-key": api_key, "Content-Type": "application/json"}


def forwarded_params(query: Mapping[str, str]) -> dict[str, str]:
    """The client's query (`alt=sse` above all) without `key`, which is the client's own."""
    return {name: value for name, value in query.items() if name != "key"}


def forwarded_body(body: JsonObject, raw: bytes, upstream_model: str, stripped: bool) -> bytes:
    """The bytes to send: the client's own, unless its credentials had to come out of them.

    `countTokens` may name the model inside `generateContentRequest`; that name becomes the
    upstream one, as the path's does.
    """
    inner = body.get("generateContentRequest")
    if isinstance(inner, dict) and "model" in inner:
        wanted = f"models/{upstream_model}"
        if inner["model"] != wanted:
            body = {**body, "generateContentRequest": {**inner, "model": wanted}}
            stripped = True
    if not stripped:
        return raw
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def response_usage(data: object) -> TokenUsage:
    """The usage of a whole response; one without usage cannot be billed honestly."""
    usage = usage_of(data)
    if usage is None:
        raise UpstreamError(502, "the provider's response carried no usage to bill")
    return usage


def counted_tokens(data: object) -> int:
    """`countTokens`'s answer: `{"totalTokens": n}`."""
    total = data.get("totalTokens", 0) if isinstance(data, dict) else None
    if not isinstance(total, int) or isinstance(total, bool):
        raise UpstreamError(502, "the provider's token count is not a whole number")
    return total


def output_bytes(data: object) -> int:
    """Bytes of output in one response chunk: candidates' text, and other parts as JSON."""
    candidates = data.get("candidates") if isinstance(data, dict) else None
    total = 0
    for candidate in candidates if isinstance(candidates, list) else []:
        content = candidate.get("content") if isinstance(candidate, dict) else None
        parts = content.get("parts") if isinstance(content, dict) else None
        for part in parts if isinstance(parts, list) else []:
            text = part.get("text") if isinstance(part, dict) else None
            total += len(text.encode()) if isinstance(text, str) else len(json.dumps(part))
    return total


def stream_error_event(status: int, message: str) -> bytes:
    """Once a stream has started, an error can only travel as one more event.

    It has Google's error shape, so the google-genai SDK raises its APIError for it.
    """
    name = _STATUS_NAMES.get(status, "INTERNAL")
    event = {"error": {"code": status, "message": message, "status": name}}
    return b"data: " + json.dumps(event).encode() + b"\r\n\r\n"


class GeminiStreamScanner:
    """Passes `alt=sse` events through unchanged, noting the usage and output as they go by.

    Bytes are forwarded event by event as each completes, so a client never sees half an
    event and an error event can follow cleanly. Each event is parsed once.
    """

    def __init__(self) -> None:
        self._pending = b""
        self.usage: TokenUsage | None = None
        self.output_bytes = 0
        self.ended = False
        self.failed = False  # Google reports failures by status, never inside a stream

    def feed(self, chunk: bytes) -> bytes:
        """Take raw bytes from upstream; return the complete events to send on."""
        search_from = max(0, len(self._pending) - 3)  # an event end may straddle chunks
        self._pending += chunk
        done = 0
        for match in _EVENT_END.finditer(self._pending, search_from):
            self._note(self._pending[done : match.start()])
            done = match.end()
        out, self._pending = self._pending[:done], self._pending[done:]
        return out

    def finish(self) -> bytes:
        """The upstream ended the stream normally: whatever is left (an unterminated event)."""
        rest, self._pending = self._pending, b""
        self.ended = True
        if rest.strip():
            self._note(rest)
            return rest
        return b""

    def _note(self, event: bytes) -> None:
        lines = [line[5:].strip() for line in event.splitlines() if line.startswith(b"data:")]
        try:
            data = json_codec.loads(b"\n".join(lines)) if lines else None
        except ValueError:
            return
        self.output_bytes += output_bytes(data)
        if (usage := usage_of(data)) is not None:
            self.usage = usage

    def reported(self) -> TokenUsage | None:
        """Google's final usage, once the stream has ended normally: billed as it is."""
        return self.usage if self.ended else None

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        """Without Google's final usage (a break, or an ending without usage): the larger of
        the last running usage seen and the output counted here; None when nothing was
        produced."""
        produced = -(-self.output_bytes // _BYTES_PER_TOKEN)
        if produced == 0:
            return None
        if self.usage is None:
            return TokenUsage(prompt_estimate, produced)
        return self.usage._replace(output_tokens=max(produced, self.usage.output_tokens))


class GeminiGeneration:
    """Gemini's native API, as a `ChatDialect`: generateContent, its `alt=sse` stream, and
    countTokens, whose count travels as the usage's input so that it can be recorded."""

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        return hold_for_generation(body, model)

    def prompt_tokens(self, body: JsonObject) -> int:
        return gemini_prompt_tokens(body)

    def url(self, route: Route, call: GeminiCall) -> str:
        return upstream_url(route.base_url, call.version, route.model.upstream, call.method)

    def headers(self, route: Route, call: GeminiCall) -> dict[str, str]:
        return upstream_headers(route.api_key)

    def params(self, call: GeminiCall) -> dict[str, str]:
        return call.params

    def payload(self, call: GeminiCall) -> bytes:
        return call.body

    def retarget(self, call: GeminiCall, model: Model) -> GeminiCall:
        """The model is in the URL; only countTokens may also name it in its body."""
        if call.method is not GeminiMethod.COUNT_TOKENS:
            return call
        body = json.loads(call.body)
        return replace(call, body=forwarded_body(body, call.body, model.upstream, False))

    def usage(self, call: GeminiCall, answer: object) -> TokenUsage:
        if call.method is GeminiMethod.COUNT_TOKENS:
            return TokenUsage(counted_tokens(answer), 0)
        return response_usage(answer)

    def scanner(self, body: JsonObject) -> StreamScanner:
        return GeminiStreamScanner()

    def error_event(self, error: UpstreamError) -> bytes:
        return stream_error_event(error.status, error.message)


GEMINI_GENERATION: ChatDialect[GeminiCall] = GeminiGeneration()
