"""Which code serves a route's chat calls: built-in backends by provider, else HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from providers.dialect_client import DialectClient
from providers.echo import EchoBackend
from providers.http import Upstream
from providers.openai_compat import OPENAI_CHAT
from providers.registry import Route
from providers.served import Served
from providers.usage import Completion, JsonObject


class ChatBackend(Protocol):
    """Serves OpenAI-format chat: a whole completion, or a stream of raw SSE bytes, each
    with the route that answered (a fallback's model, maybe)."""

    async def complete(self, route: Route, payload: JsonObject) -> Served[Completion]: ...

    def stream(
        self, route: Route, payload: JsonObject
    ) -> AbstractAsyncContextManager[Served[AsyncIterator[bytes]]]: ...


def _builtin_backends() -> dict[str, ChatBackend]:
    return {"echo": EchoBackend()}


@dataclass(frozen=True, slots=True)
class ChatBackends:
    """Invariant: a route whose provider is built in never reaches the network."""

    openai_compatible: ChatBackend
    builtin: Mapping[str, ChatBackend] = field(default_factory=_builtin_backends)

    @classmethod
    def over(cls, upstream: Upstream) -> ChatBackends:
        """OpenAI-compatible chat over the shared transport, and the built-in backends."""
        return cls(DialectClient(upstream, OPENAI_CHAT))

    def for_route(self, route: Route) -> ChatBackend:
        return self.builtin.get(route.provider.name, self.openai_compatible)
