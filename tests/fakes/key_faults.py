"""Per-key behaviour of a fake provider: it tells the operator's keys apart, as a real
provider does, and can refuse one key while the others work.

A middleware on the fake's app reads the key each request carries (`Authorization: Bearer`,
Anthropic's `x-api-key` or Google's `x-goog-api-key`), records it in `attempts` (in order,
whether it was answered or refused), and answers a key listed in `faults` with that fault's
status, error body and `Retry-After` before the fake's own handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class KeyFault:
    """How the fake refuses one key: a status, the provider's error body, a Retry-After."""

    status: int
    error: dict[str, Any] = field(default_factory=dict)
    retry_after: str | None = None

    def response(self) -> web.Response:
        body = {"error": {"message": "refused by the fake", "type": "error", **self.error}}
        headers = {"Retry-After": self.retry_after} if self.retry_after else None
        return web.json_response(body, status=self.status, headers=headers)


def key_of(request: web.Request) -> str:
    """The provider key a request carries, in any of the providers' ways."""
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer.removeprefix("Bearer ")
    return request.headers.get("x-api-key") or request.headers.get("x-goog-api-key") or ""


@dataclass
class KeyFaults:
    """The fake's per-key switches, and the key of every request it received."""

    faults: dict[str, KeyFault] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = key_of(request)
        self.attempts.append(key)
        fault = self.faults.get(key)
        if fault is not None:
            await request.read()
            return fault.response()
        return await handler(request)
