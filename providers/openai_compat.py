"""Pure translation for OpenAI-compatible chat: request payloads, usage, stream scanning.

Nothing here does I/O, so every rule is tested with plain values. The I/O lives in
`providers.dialect_client` over `providers.http`; the hold (the most a call can cost) in
`providers.openai_holds`; `OPENAI_CHAT` gathers the rules as one `ChatDialect`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from providers import json_codec
from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.errors import UpstreamError
from providers.openai_holds import hold_for_chat
from providers.prompt_estimate import openai_prompt_tokens
from providers.registry import Route
from providers.usage import JsonObject, TokenUsage

#: Roughly four bytes of text per token in OpenAI's tokenizers: the likely count, used to
#: bill a stream that ended without the provider's usage.
_BYTES_PER_TOKEN = 4


def _messages_size(body: JsonObject) -> int:
    text = json.dumps(body.get("messages", []), ensure_ascii=False)
    return len(text.encode("utf-8", "surrogatepass"))


def estimate_input_tokens(body: JsonObject) -> int:
    """The likely number of prompt tokens, from the size of the messages."""
    return _messages_size(body) // _BYTES_PER_TOKEN + 1


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
    """Read OpenAI's `usage` object; a response without one cannot be billed honestly.

    The breakdown comes from `prompt_tokens_details` and `completion_tokens_details`, whose
    figures are parts of `prompt_tokens` and `completion_tokens` (so each is capped at its
    total); a detail that is absent or null, as many compatible providers send, is 0.
    """
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        raise UpstreamError(502, "the provider's response carried no usage to bill")
    prompt = usage.get("prompt_tokens", 0)
    completion = usage.get("completion_tokens", 0)
    if not isinstance(prompt, int) or not isinstance(completion, int):
        raise UpstreamError(502, "the provider's usage figures are not whole numbers")
    asked = usage.get("prompt_tokens_details")
    made = usage.get("completion_tokens_details")
    if not isinstance(asked, dict) and not isinstance(made, dict):
        return TokenUsage(input_tokens=prompt, output_tokens=completion)
    return with_details(prompt, completion, asked, made)


def with_details(prompt: int, completion: int, asked: object, made: object) -> TokenUsage:
    """The usage of OpenAI's shape: the totals and their details (`asked` for the input's,
    `made` for the output's), each detail capped at its total; absent details are 0."""
    asked = asked if isinstance(asked, dict) else _NO_DETAILS
    made = made if isinstance(made, dict) else _NO_DETAILS
    # By position, in `TokenUsage`'s order (every billed call builds one; by keyword it
    # costs twice as much): the test of each detail pins the order.
    return TokenUsage(
        prompt,
        completion,
        _part(asked, "cached_tokens", prompt),
        _part(asked, "cache_write_tokens", prompt),
        0,  # cache_write_1h_tokens: OpenAI reports no hour-long cache writes
        _part(made, "reasoning_tokens", completion),
        _part(asked, "audio_tokens", prompt),
        _part(made, "audio_tokens", completion),
        _part(asked, "image_tokens", prompt),
        _part(made, "image_tokens", completion),
    )


_NO_DETAILS: JsonObject = {}


def _part(details: JsonObject, name: str, total: int) -> int:
    """A detail figure, never above the `total` it is a part of; absent or null is 0."""
    value = details.get(name)
    if value is None:
        return 0
    # `type(...) is int`: a bool is no count (JSON gives no other kind of int).
    if type(value) is not int or value < 0:
        raise UpstreamError(502, f"the provider's {name} is not a whole number")
    return value if value <= total else total


def _carries_usage(chunk: bytes) -> bool:
    """Whether any event in `chunk` has a non-null usage (with include_usage, OpenAI sends
    `"usage":null` on every chunk but the last). A chunk that never mentions it, the
    common case, is scanned once."""
    if b'"usage"' not in chunk:
        return False
    mentions = chunk.count(b'"usage"')
    return mentions > chunk.count(b'"usage":null') + chunk.count(b'"usage": null')


class UsageScanner:
    """Passes a server-sent-event stream through, noting the usage as it goes by.

    Bytes are forwarded event by event as they complete. Only events that mention a
    non-null usage are parsed. The usage-only final chunk is dropped when the client did not
    ask for it, so its stream looks exactly as OpenAI would have sent it. An event carrying
    `output_marker` (chat's `"content"`, legacy completions' `"text"`) counts as produced
    output, for the estimate of a stream that ends without its usage.
    """

    def __init__(self, forward_usage_chunk: bool, output_marker: bytes = b'"content"') -> None:
        self._forward_usage_chunk = forward_usage_chunk
        self._output_marker = output_marker
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
            self.output_events += chunk.count(self._output_marker)
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
        elif self._output_marker in event:
            self.output_events += 1
        return event + b"\n\n"

    def _note_usage(self, event: bytes) -> bool:
        data = event.partition(b"data:")[2].strip()
        try:
            parsed = json_codec.loads(data)
        except ValueError:
            return False
        self.usage = usage_from(parsed)
        return not parsed.get("choices")


def stream_error_event(message: str) -> bytes:
    """Once a stream has started, an error can only travel as one more event."""
    event = {"error": {"message": message, "type": "upstream_error", "code": None}}
    return f"data: {json.dumps(event)}\n\n".encode()


class OpenAIChat:
    """`/chat/completions` of any OpenAI-compatible provider, as a `ChatDialect`.

    A call is the upstream payload `chat_payload` made: the echo backend answers the same
    payload without the network.
    """

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        return hold_for_chat(body, model)

    def prompt_tokens(self, body: JsonObject) -> int:
        return openai_prompt_tokens(body)

    def url(self, route: Route, call: JsonObject) -> str:
        return f"{route.openai_base_url}/chat/completions"

    def headers(self, route: Route, call: JsonObject) -> dict[str, str]:
        return {"Authorization": f"Bearer {route.api_key}", "Content-Type": "application/json"}

    def params(self, call: JsonObject) -> None:
        return None

    def payload(self, call: JsonObject) -> bytes:
        return json_codec.dumps(call).encode()

    def retarget(self, call: JsonObject, model: Model) -> JsonObject:
        return chat_payload(call, model)

    def usage(self, call: JsonObject, answer: object) -> TokenUsage:
        return usage_from(answer)

    def scanner(self, body: JsonObject) -> StreamScanner:
        return UsageScanner(forward_usage_chunk=client_wants_usage(body))

    def error_event(self, error: UpstreamError) -> bytes:
        return stream_error_event(error.message)


OPENAI_CHAT: ChatDialect[JsonObject] = OpenAIChat()
