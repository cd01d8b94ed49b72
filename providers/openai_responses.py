"""Pure translation for OpenAI's Responses API: payloads, usage, stream scanning.

Beside `providers.openai_compat`'s chat dialect, and the same shape: nothing here does I/O;
`providers.dialect_client` does it, and `OPENAI_RESPONSES` gathers the rules as one
`ChatDialect`. The hold lives in `providers.responses_holds`.

A response is billed from the usage of the final response object (a whole answer's, or in
a stream the one `response.completed`, `response.incomplete` or `response.failed` carries):
`input_tokens` with its cached and cache-written part, `output_tokens` with its reasoning
part, each at its own price, and the built-in tool calls among its `output` items, each at
its tool's price (`final_usage`). A stream has no usage-only chunk to drop: every event
reaches the client as it came; one that breaks off is billed an estimate that counts the
tool calls whose `response.output_item.done` went by.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace

from providers import json_codec
from providers.builtin_tools import call_counter, with_tool_calls
from providers.catalog import Model
from providers.dialect import ChatDialect, StreamScanner
from providers.errors import UpstreamError
from providers.openai_compat import with_details
from providers.prompt_estimate import openai_responses_prompt_tokens
from providers.registry import Route
from providers.responses_holds import hold_for_response
from providers.usage import JsonObject, TokenUsage

#: The provider whose Responses API this service serves: every response created here, and
#: so every stored one a user may manage, lives there.
RESPONSES_PROVIDER = "openai"
#: The stream events that carry the final response, usage included.
_FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})
#: Bytes that only the events worth parsing contain (the final ones, errors, and the end of
#: an output item, which may be a built-in tool's call).
_MARKERS = (
    b'"response.completed"',
    b'"response.incomplete"',
    b'"response.failed"',
    b'"error"',
    b'"response.output_item.done"',
)
#: Every output event's type ends so (`response.output_text.delta`, reasoning summaries,
#: function arguments...); a quote inside a JSON string is escaped, so text cannot match.
_DELTA = b'.delta"'


#: The statuses of a response that will not change any more: its usage is final.
FINAL_STATUSES = frozenset({"completed", "incomplete", "failed", "cancelled"})


@dataclass(frozen=True, slots=True)
class ResponsesCall:
    """One upstream call: the payload, and whether it only counts the input's tokens.

    A background call's answer is the response as it starts (`queued`), without usage yet:
    its usage is read when it ends (`api.background`), so none is required here.
    """

    payload: JsonObject
    counting: bool = False
    background: bool = False

    @property
    def path(self) -> str:
        return "/responses/input_tokens" if self.counting else "/responses"


def responses_payload(body: JsonObject, model: Model) -> JsonObject:
    """The upstream request: the client's body with the upstream model name."""
    return {**body, "model": model.upstream}


def stored(body: JsonObject) -> bool:
    """Whether OpenAI keeps the response for later (`store` defaults to true)."""
    return body.get("store") is not False


def response_usage(usage: object) -> TokenUsage:
    """A response's `usage`; a response without one cannot be billed honestly."""
    if not isinstance(usage, dict):
        raise UpstreamError(502, "the provider's response carried no usage to bill")
    prompt, completion = usage.get("input_tokens"), usage.get("output_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        raise UpstreamError(502, "the provider's usage figures are not whole numbers")
    asked, made = usage.get("input_tokens_details"), usage.get("output_tokens_details")
    return with_details(prompt, completion, asked, made)


def final_usage(response: object) -> TokenUsage:
    """What a final response object bills: its usage, and its built-in tool calls."""
    usage = response.get("usage") if isinstance(response, dict) else None
    return with_tool_calls(response_usage(usage), response)


def finished(answer: object) -> bool:
    """Whether a response object is in a final state (its usage will not change)."""
    return isinstance(answer, dict) and answer.get("status") in FINAL_STATUSES


def response_id(answer: object) -> str | None:
    """The id of a response object (a whole answer, or a stream event's `response`)."""
    found = answer.get("id") if isinstance(answer, dict) else None
    return found if isinstance(found, str) and found else None


def created_response_id(event: bytes) -> str | None:
    """The response id in a stream's `response.created` event; None for any other event."""
    try:
        parsed = json_codec.loads(_data(event))
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("type") != "response.created":
        return None
    return response_id(parsed.get("response"))


def referenced_response_ids(body: JsonObject) -> list[tuple[str, str]]:
    """The stored responses a request names, as (the field naming it, the id): the one it
    continues, and the one whose prompt cache it compares with."""
    named: list[tuple[str, str]] = []
    previous = body.get("previous_response_id")
    if isinstance(previous, str):
        named.append(("previous_response_id", previous))
    options = body.get("prompt_cache_options")
    compared = options.get("comparison_response_id") if isinstance(options, dict) else None
    if isinstance(compared, str):
        named.append(("prompt_cache_options.comparison_response_id", compared))
    return named


def _data(event: bytes) -> bytes:
    """The JSON of one server-sent event (its `data:` lines, joined)."""
    lines = (line for line in event.split(b"\n") if line.startswith(b"data:"))
    return b"\n".join(line[5:].strip() for line in lines)


def _marked(data: bytes) -> bool:
    return any(marker in data for marker in _MARKERS)


class ResponsesScanner:
    """Passes a Responses stream through, noting the final usage as it goes by.

    Events are forwarded as they complete, unchanged; only those that may carry the final
    response, an error or a finished output item are parsed. `failed` is set by an `error`
    event or a `response.failed` one (whose usage, when it has one, is still what is
    billed). `tool_calls` counts the built-in tool calls whose items finished, by
    `TokenUsage` counter: what a stream that breaks off has run up.
    """

    def __init__(self) -> None:
        self._pending = b""
        self.usage: TokenUsage | None = None
        self.output_events = 0
        self.failed = False
        self.tool_calls: dict[str, int] = {}

    def feed(self, chunk: bytes) -> bytes:
        """Take raw upstream bytes; return the complete events to send on.

        The common case, whole delta events, passes the chunk on as it is.
        """
        if not self._pending and chunk.endswith(b"\n\n") and not _marked(chunk):
            self.output_events += chunk.count(_DELTA)
            return chunk
        complete, end, self._pending = (self._pending + chunk).rpartition(b"\n\n")
        if not end:
            return b""
        for event in complete.split(b"\n\n"):
            self._read(event)
        return complete + end

    def finish(self) -> bytes:
        """Whatever is left when the upstream closes (an unterminated last event)."""
        rest, self._pending = self._pending, b""
        if not rest.strip():
            return b""
        self._read(rest)
        return rest + b"\n\n"

    def reported(self) -> TokenUsage | None:
        return self.usage

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        """Without the final usage (a break): the prompt estimate, the output events and the
        built-in tool calls counted; None when nothing was produced."""
        if self.output_events or self.tool_calls:
            return TokenUsage(prompt_estimate, self.output_events)._replace(**self.tool_calls)
        return None

    def _read(self, event: bytes) -> None:
        self.output_events += event.count(_DELTA)
        if not _marked(event):
            return
        try:
            parsed = json_codec.loads(_data(event))
        except ValueError:
            return
        kind = parsed.get("type") if isinstance(parsed, dict) else None
        if kind == "error" or kind == "response.failed":
            self.failed = True
        if kind == "response.output_item.done":
            self._count(parsed.get("item"))
        if kind in _FINAL:
            final = parsed.get("response")
            if isinstance(final, dict) and final.get("usage") is not None:
                self.usage = final_usage(final)

    def _count(self, item: object) -> None:
        counter = call_counter(item)
        if counter is not None:
            self.tool_calls[counter] = self.tool_calls.get(counter, 0) + 1


def stream_error_event(message: str) -> bytes:
    """An `error` event, as the Responses API sends one; its `error` object is what makes
    the openai SDK raise `APIError` mid-stream."""
    error = {"type": "upstream_error", "code": "upstream_error", "message": message}
    event = {"type": "error", "code": "upstream_error", "message": message, "param": None}
    return f"event: error\ndata: {json.dumps({**event, 'error': error})}\n\n".encode()


class OpenAIResponses:
    """`/responses` and `/responses/input_tokens` of OpenAI, as a `ChatDialect`."""

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        return hold_for_response(body, model)

    def prompt_tokens(self, body: JsonObject) -> int:
        return openai_responses_prompt_tokens(body)

    def url(self, route: Route, call: ResponsesCall) -> str:
        return f"{route.openai_base_url}{call.path}"

    def headers(self, route: Route, call: ResponsesCall) -> dict[str, str]:
        return {"Authorization": f"Bearer {route.api_key}", "Content-Type": "application/json"}

    def params(self, call: ResponsesCall) -> None:
        return None

    def payload(self, call: ResponsesCall) -> bytes:
        return json_codec.dumps(call.payload).encode()

    def retarget(self, call: ResponsesCall, model: Model) -> ResponsesCall:
        return replace(call, payload=responses_payload(call.payload, model))

    def usage(self, call: ResponsesCall, answer: object) -> TokenUsage:
        """A response's usage; a count's `input_tokens` as the usage's input (it is free)."""
        if not call.counting:
            usage = answer.get("usage") if isinstance(answer, dict) else None
            if usage is None and call.background:
                return TokenUsage(0, 0)
            return final_usage(answer)
        counted = answer.get("input_tokens") if isinstance(answer, dict) else None
        if not isinstance(counted, int):
            raise UpstreamError(502, "the provider's token count is not a whole number")
        return TokenUsage(counted, 0)

    def scanner(self, body: JsonObject) -> StreamScanner:
        return ResponsesScanner()

    def error_event(self, error: UpstreamError) -> bytes:
        return stream_error_event(error.message)


OPENAI_RESPONSES: ChatDialect[ResponsesCall] = OpenAIResponses()
