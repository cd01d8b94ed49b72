"""The one place providers do I/O: the upstream calls over the process's sessions.

The sessions (`providers.transport`: one shared, keep-alive, plus one per SOCKS proxy) serve
every call for the life of the process; their timeouts and connection cap come from
settings. Each call may take several attempts (`providers.failover`: other keys, other
models) before its first byte; each attempt's failure becomes `UpstreamError` with the
status the client should see (DESIGN.md "Upstream errors"): the operator's key never
reaches a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from providers import json_codec
from providers.errors import UpstreamError, UpstreamFailure, UpstreamTimeoutError
from providers.failover import Failure, Opened, first_answer
from providers.key_faults import Blame, Fault, account_exhausted, judge, unreachable
from providers.key_health import KeyHealth
from providers.registry import Route
from providers.transport import Transports
from providers.upstream_keys import UpstreamKey

_SECRET_LIKE = re.compile(r"\b(sk|key|org|proj)-[A-Za-z0-9_\-]{6,}")


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
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return json.dumps(data)[:500]


def upstream_error(
    status: int, body: bytes, api_key: str, retry_after: str | None
) -> UpstreamError:
    """Map an upstream failure to what the client sees (pure; tested without I/O)."""
    message = _redact(_error_message(body), api_key)
    if account_exhausted(status, body):
        return UpstreamError(
            503,
            "the provider refused this service's own account (out of funds or quota); "
            "this is the operator's problem, not your balance: nothing was charged, try "
            "again later or another provider's model",
            kind=UpstreamFailure.OPERATOR_KEY,
        )
    if status in (401, 403):
        return UpstreamError(
            502,
            "the provider refused the gateway's own credentials; "
            "this is the operator's problem, not yours: try again later",
            kind=UpstreamFailure.OPERATOR_KEY,
        )
    if status == 429:
        return UpstreamError(
            429,
            f"the provider is rate limiting: {message}",
            retry_after,
            kind=UpstreamFailure.RATE_LIMITED,
        )
    if 400 <= status < 500:
        return UpstreamError(
            status,
            f"the provider rejected the request: {message}",
            kind=UpstreamFailure.CLIENT_ERROR,
        )
    return UpstreamError(
        502, f"the provider failed ({status}): {message}", kind=UpstreamFailure.SERVER_ERROR
    )


# Not frozen, though never changed: built on every call (why: `storage.models.CallRecord`).
@dataclass(slots=True)
class UpstreamRequest:
    """One provider call as sent on one attempt (the key and address are the attempt's)."""

    method: str
    url: str
    headers: Mapping[str, str]
    data: bytes | aiohttp.FormData | None = None
    params: Mapping[str, str] | None = None


#: Builds the request of one attempt from its route (model, key and address): called again
#: for each attempt, so a multipart body is encoded afresh and the right key travels.
Build = Callable[[Route], UpstreamRequest]


class Upstream:
    """Every provider call goes through here: one set of sessions, one failover rule
    (`providers.failover`), errors mapped the same way.

    `open` returns only a 2xx response, with the route that answered; anything else raises
    UpstreamError with the status the client should see. The caller owns the response.
    """

    def __init__(self, transports: Transports, health: KeyHealth) -> None:
        self._transports = transports
        self.health = health

    async def open(self, route: Route, build: Build) -> Opened:
        return await first_answer(route, self.health, lambda attempt: self._send(attempt, build))

    async def _send(self, route: Route, build: Build) -> Opened | Failure:
        """One attempt on `route.key`; its outcome, told to the key's health."""
        assert route.key is not None  # the failover gives every attempt a key
        key, request = route.key, build(route)
        session, proxy = self._transports.for_key(key)
        self.health.started(key)
        try:
            response = await session.request(
                request.method,
                request.url,
                data=request.data,
                headers=request.headers,
                params=request.params,
                proxy=proxy,
            )
        except (TimeoutError, aiohttp.ClientError) as error:
            return self._unreachable(key, error)
        if 200 <= response.status < 300:
            self.health.answered(key)
            return Opened(response, route)
        with _mapped_transport_errors("could not reach the provider"):
            async with response:
                body = await response.read()
        retry_after = response.headers.get("Retry-After")
        rules, now = self.health.rules, self.health.clock()
        fault = judge(response.status, body, retry_after, now, rules)
        self.health.failed(key, fault, response.status)
        return Failure(upstream_error(response.status, body, key.secret, retry_after), fault)

    def _unreachable(self, key: UpstreamKey, error: BaseException) -> Failure:
        """A connection that never carried the call is retried elsewhere (and the key rests);
        one that timed out reading may have been billed by the provider, so it ends the call."""
        mapped = _transport_error("could not reach the provider", error)
        if not isinstance(error, _NEVER_SENT):
            self.health.failed(key, Fault(Blame.PROVIDER), 0)
            raise mapped from error
        fault = unreachable(self.health.rules)
        self.health.failed(key, fault, 0)
        return Failure(mapped, fault)

    @staticmethod
    async def read(response: aiohttp.ClientResponse) -> bytes:
        """The whole body; a transfer that breaks off is a 502 (or 504 when it stalls).

        A plain try, as in `_Chunks`: every billed answer is read here, and entering a
        generator-based context manager costs two frames and a helper object each time.
        """
        try:
            return await response.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise _transport_error("the provider's answer broke off", error) from error

    @staticmethod
    def chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        return _Chunks(response)


#: Failures before the provider could have read the call: safe to send it elsewhere.
_NEVER_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def parse_json(body: bytes) -> Any:
    """The provider's JSON; malformed JSON is the provider's failure, so 502."""
    try:
        return json_codec.loads(body)
    except ValueError as error:
        raise UpstreamError(502, "the provider answered with malformed JSON") from error


class _Chunks:
    """The upstream's bytes as they arrive.

    An iterator object, not an async generator: a cancellation that reaches a generator's
    await closes it for good, and a relay whose handler was cancelled (its client left) must
    still read on to the provider's usage. aiohttp's `readany` loses nothing when cancelled.
    Only this iterator's own reads are mapped: an error in the consumer (a client gone while
    its chunk is written) is raised in the consumer's frame, never in here.
    """

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._content = response.content

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        # A plain try, not `_mapped_transport_errors`: entering a generator-based context
        # manager on every chunk costs a stream measurably; a try costs nothing unless raised.
        try:
            chunk = await self._content.readany()
        except (TimeoutError, aiohttp.ClientError) as error:
            raise _transport_error(_BROKE_OFF, error) from error
        if not chunk:
            raise StopAsyncIteration
        return chunk


_BROKE_OFF = "the provider's stream broke off"


def _transport_error(what: str, error: BaseException) -> UpstreamError:
    """The status a client should see for one of aiohttp's transport failures."""
    if isinstance(error, TimeoutError | aiohttp.ServerTimeoutError):
        return UpstreamTimeoutError(f"{what}: the provider did not answer in time")
    return UpstreamError(502, f"{what}: {type(error).__name__}", kind=UpstreamFailure.CONNECTION)


@contextmanager
def _mapped_transport_errors(what: str) -> Iterator[None]:
    """Turn aiohttp's transport failures into the statuses a client should see."""
    try:
        yield
    except (TimeoutError, aiohttp.ClientError) as error:
        raise _transport_error(what, error) from error
