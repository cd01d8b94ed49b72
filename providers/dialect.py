"""One protocol for the streaming chat dialects: OpenAI-compatible, Anthropic and Gemini.

A dialect is everything that differs between them, as pure functions: the hold, the upstream
request (URL, headers, payload bytes), the usage of a whole answer, the scanner that reads a
stream as it passes, and the error event that ends a broken one. Everything that does not
differ (opening the call, mapping failures, reading the answer, passing a stream's bytes on)
is written once, in `providers.dialect_client.DialectClient` over `providers.http`.

Each dialect has its own call type (`CallT`): what one upstream call carries once the client's
request has been checked; `retarget` makes the same call for a fallback model. Building a
call stays each dialect's own function, since what it needs differs (a Gemini call's method
is in the client's path and its body passes on byte for byte). Invariants of every
implementation: no I/O, no state (one instance serves every call), and the payload is
encoded exactly once per attempt, in `payload`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TypeVar

from providers.catalog import Model
from providers.errors import UpstreamError
from providers.registry import Route
from providers.usage import JsonObject, TokenUsage

CallT = TypeVar("CallT")


class StreamScanner(Protocol):
    """Reads a provider's stream as it passes: what to forward, and what it produced."""

    #: True when the stream itself reported a failure (an error event from the provider).
    failed: bool

    def feed(self, chunk: bytes) -> bytes:
        """Take raw upstream bytes; return the complete events to pass on."""
        ...

    def finish(self) -> bytes:
        """The upstream ended normally: whatever is left to pass on."""
        ...

    def reported(self) -> TokenUsage | None:
        """The provider's own final usage, once it has arrived; None before."""
        ...

    def produced(self, prompt_estimate: int) -> TokenUsage | None:
        """An estimate of what the stream produced so far; None when it produced nothing."""
        ...


class ChatDialect(Protocol[CallT]):
    """How one provider's chat protocol is spoken, given a call of type `CallT`."""

    def hold(self, body: JsonObject, model: Model, client_headers: Mapping[str, str]) -> int:
        """The most the client's (validated) request can cost, in minor units."""
        ...

    def prompt_tokens(self, body: JsonObject) -> int:
        """The likely prompt tokens of a request, for a stream that ended without usage."""
        ...

    def url(self, route: Route, call: CallT) -> str:
        """Where the call goes."""
        ...

    def headers(self, route: Route, call: CallT) -> Mapping[str, str]:
        """What travels with it: the operator's key in the provider's way, and nothing of
        the client's own credentials."""
        ...

    def params(self, call: CallT) -> Mapping[str, str] | None:
        """The query string, if the dialect has one."""
        ...

    def payload(self, call: CallT) -> bytes:
        """The upstream request's body, as sent."""
        ...

    def retarget(self, call: CallT, model: Model) -> CallT:
        """The same call for another model (a fallback of the catalog): only the model the
        provider is asked for changes."""
        ...

    def usage(self, call: CallT, answer: object) -> TokenUsage:
        """The usage of a whole (parsed) answer; UpstreamError (502) when it has none."""
        ...

    def scanner(self, body: JsonObject) -> StreamScanner:
        """A fresh scanner for one stream of the client's request `body`."""
        ...

    def error_event(self, error: UpstreamError) -> bytes:
        """The event that ends a stream the provider broke off, in the dialect's own shape
        so that its SDK raises it."""
        ...
