"""The one place providers do I/O: a shared aiohttp ClientSession and the upstream calls.

One session (one TCPConnector, keep-alive) serves every call for the life of the process;
its timeouts and connection cap come from settings. Upstream failures become `UpstreamError`
with the status the client should see (DESIGN.md "Upstream errors"): the operator's key
never reaches a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import aiohttp

from providers.errors import UpstreamError, UpstreamTimeoutError
from providers.openai_compat import JsonObject, TokenUsage, usage_from
from providers.registry import Route

_SECRET_LIKE = re.compile(r"\b(sk|key|org|proj)-[A-Za-z0-9_\-]{6,}")


@dataclass(frozen=True, slots=True)
class UpstreamLimits:
    connect_timeout: float
    read_timeout: float
    max_connections: int


def create_client_session(limits: UpstreamLimits) -> aiohttp.ClientSession:
    """The process's only upstream session; close it at shutdown."""
    connector = aiohttp.TCPConnector(limit=limits.max_connections, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(
        total=None, connect=limits.connect_timeout, sock_read=limits.read_timeout
    )
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False)


@dataclass(frozen=True, slots=True)
class Completion:
    """A finished non-streaming call: the upstream's bytes as sent, and the usage in them."""

    body: bytes
    content_type: str
    usage: TokenUsage


def _redact(message: str, api_key: str) -> str:
    return _SECRET_LIKE.sub("[redacted]", message.replace(api_key, "[redacted]"))


def _error_message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:500]
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return json.dumps(data)[:500]


def upstream_error(
    status: int, body: bytes, api_key: str, retry_after: str | None
) -> UpstreamError:
    """Map an upstream failure to what the client sees (pure; tested without I/O)."""
    message = _redact(_error_message(body), api_key)
    if status in (401, 403):
        return UpstreamError(
            502,
            "the provider refused the gateway's own credentials; "
            "this is the operator's problem, not yours: try again later",
        )
    if status == 429:
        return UpstreamError(429, f"the provider is rate limiting: {message}", retry_after)
    if 400 <= status < 500:
        return UpstreamError(status, f"the provider rejected the request: {message}")
    return UpstreamError(502, f"the provider failed ({status}): {message}")


class OpenAICompatibleClient:
    """Calls `/chat/completions` of any provider that speaks OpenAI's protocol."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    @staticmethod
    def _headers(route: Route) -> dict[str, str]:
        return {"Authorization": f"Bearer {route.api_key}", "Content-Type": "application/json"}

    async def _open(self, route: Route, payload: JsonObject) -> aiohttp.ClientResponse:
        """Send the request; a non-200 answer or a transport failure raises UpstreamError."""
        url = f"{route.provider.base_url}/chat/completions"
        with _mapped_transport_errors("could not reach the provider"):
            response = await self._session.post(
                url, data=json.dumps(payload).encode(), headers=self._headers(route)
            )
            if response.status == 200:
                return response
            async with response:
                body = await response.read()
        retry_after = response.headers.get("Retry-After")
        raise upstream_error(response.status, body, route.api_key, retry_after)

    async def complete(self, route: Route, payload: JsonObject) -> Completion:
        async with await self._open(route, payload) as response:
            with _mapped_transport_errors("the provider's answer broke off"):
                body = await response.read()
            content_type = response.headers.get("Content-Type", "application/json")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise UpstreamError(502, "the provider answered with malformed JSON") from error
        return Completion(body=body, content_type=content_type, usage=usage_from(data))

    @asynccontextmanager
    async def stream(
        self, route: Route, payload: JsonObject
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streaming call; errors before the first byte raise here, as UpstreamError."""
        async with await self._open(route, payload) as response:
            yield _chunks(response)


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The upstream's bytes as they arrive; only reading is guarded, never the consumer."""
    iterator = response.content.iter_any().__aiter__()
    while True:
        with _mapped_transport_errors("the provider's stream broke off"):
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
        yield chunk


@contextmanager
def _mapped_transport_errors(what: str) -> Iterator[None]:
    """Turn aiohttp's transport failures into the statuses a client should see."""
    try:
        yield
    except (TimeoutError, aiohttp.ServerTimeoutError) as error:
        raise UpstreamTimeoutError(f"{what}: the provider did not answer in time") from error
    except aiohttp.ClientError as error:
        raise UpstreamError(502, f"{what}: {type(error).__name__}") from error
