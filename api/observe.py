"""What each request learned about itself, and the hooks that turn it into metrics and logs.

The service's one middleware (`create_observe_middleware`) gives every request its id and a
`RequestFacts`, answers every error it raised in OpenAI's shape (`api.errors`),
times it, and when it ends (once its answer is written) counts it (`api.metrics`) and writes
its access line: request id, account, the key's display prefix, the route's pattern (never
the raw path, which may carry anything a client typed), status, latency and cost. The gate,
the billing and the relay fill the facts in through the small hooks below, one call where
each event happens.

The facts (`api.request_facts`) are also the current task's context while the request
runs, so log records made meanwhile carry its ids.

Invariant: nothing here reads or writes storage, and nothing logs a key: a key's display
prefix is noted only once the gate found it right (a wrong key's prefix could be anything
its sender typed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from types import MappingProxyType

from aiohttp import web
from aiohttp.typedefs import Middleware

from api.errors import (
    CLIENT_CLOSED,
    Handler,
    RequestIds,
    assign_request_id,
    error_answer,
)
from api.logs import straight_handler
from api.metrics import Metrics
from api.request_facts import CURRENT_FACTS, FACTS, RequestFacts
from providers.errors import UpstreamError
from storage.keys import display_prefix
from storage.models import Authorization, AuthOutcome, Settlement

#: The verdicts that are failed authentications (see `api.gate`).
_WRONG_KEY = frozenset({AuthOutcome.UNKNOWN, AuthOutcome.BAD_KEY, AuthOutcome.LOCKED_BAD_KEY})
#: The verdicts that are strikes (and may lock) when the account was not locked before.
_STRIKES = frozenset({AuthOutcome.BAD_KEY, AuthOutcome.NO_FUNDS})

METRICS = web.AppKey("metrics", Metrics)
_NO_FIELDS: Mapping[str, object] = MappingProxyType({})
access_logger = logging.getLogger("api.access")


def create_observe_middleware(metrics: Metrics, ids: RequestIds | None = None) -> Middleware:
    """The service's one middleware: the request's id and facts in, every raised error out
    as an OpenAI-shaped answer (`api.errors`), then its metrics and access line.

    One middleware rather than two: aiohttp wraps each in a partial and adds one of its own
    per app, and a billed call is short enough for those frames to show.
    """
    ids = ids or RequestIds()

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = assign_request_id(request, ids)
        facts = RequestFacts(request, time.monotonic(), request_id)
        request[FACTS] = facts
        token = CURRENT_FACTS.set(facts)
        status = 500
        try:
            try:
                response = await handler(request)
            # The edge: every error leaves in one shape; error_answer logs the unexpected.
            except Exception as exception:  # noqa: BLE001
                response = error_answer(exception, request, request_id)
            status = response.status
            return response
        except asyncio.CancelledError:
            status = CLIENT_CLOSED
            raise
        finally:
            seconds = time.monotonic() - facts.arrived
            # Counted and logged once the answer is on its way (aiohttp writes it when this
            # middleware returns): neither changes the answer, so neither delays it. The
            # callback runs in a copy of this context, so its record has the request's ids.
            # The handler's task knows its loop; asking asyncio for it is a getpid() call.
            loop = request.task.get_loop()
            loop.call_soon(_request_done, metrics, facts, status, seconds)
            CURRENT_FACTS.reset(token)

    return observe


def _request_done(metrics: Metrics, facts: RequestFacts, status: int, seconds: float) -> None:
    route = facts.route
    metrics.request_done(facts.request.method, route, status, facts.provider, seconds)
    _log_access(facts, route, status, seconds)


def _log_access(facts: RequestFacts, route: str, status: int, seconds: float) -> None:
    """One line per request; every field is also a field of the JSON format.

    Written straight to the service's own handler when it is the only one the record
    would reach (`api.logs.straight_handler`): the same bytes at under a third of what the
    record costs, and the named fields gathered only for a format that shows them.
    Otherwise (a handler of an operator's or a test's) it is logged as a record.
    """
    if not access_logger.isEnabledFor(logging.INFO):
        return
    tenths = int(seconds * 10_000 + 0.5)  # of a millisecond, rounded
    text = _access_text(facts, route, status, tenths)
    handler = straight_handler(access_logger, logging.INFO)
    if handler is not None:
        fields: Mapping[str, object] = _NO_FIELDS
        if handler.shows_fields:
            fields = {
                "request_id": facts.request_id,
                "account_id": facts.account_id,
                "key_prefix": facts.key_prefix,
                "route": route,
                **_access_fields(facts, status, tenths),
            }
        if handler.write_straight("INFO", access_logger.name, text, fields):
            return
    # Formatted here, once, and passed without arguments: logging then skips its own
    # %-formatting of the record (a tenth of a record's cost).
    access_logger.info(text, extra=_access_fields(facts, status, tenths))


def _access_fields(facts: RequestFacts, status: int, tenths: int) -> dict[str, object]:
    return {
        "method": facts.request.method,
        "status": status,
        "latency_ms": tenths / 10,  # the nearest float to it: its repr has one decimal
        "cost": facts.cost,
        "provider": facts.provider or None,
    }


def _access_text(facts: RequestFacts, route: str, status: int, tenths: int) -> str:
    """The access line's words; the latency from whole tenths of a millisecond (integer
    formatting, a fraction of what formatting a float costs)."""
    method, milliseconds = facts.request.method, f"{tenths // 10}.{tenths % 10}"
    text = f"request {facts.request_id}: {method} {route} {status} in {milliseconds} ms"
    if facts.account_id is not None:
        text += f"; account {facts.account_id}"
    if facts.key_prefix is not None:
        text += f", key {facts.key_prefix}"
    if facts.provider:
        text += f"; provider {facts.provider}"
    if facts.cost is not None:
        text += f"; cost {facts.cost} units"
    return text


def metrics_of(request: web.Request) -> Metrics:
    return request.app[METRICS]  # the API app has no sub-apps: its own keys are all there


def note_verdict(request: web.Request, key: str, auth: Authorization) -> None:
    """The gate's verdict: who asked (the key's prefix only when the key was right), and a
    failed authentication or a lock, counted."""
    facts = request[FACTS]
    facts.account_id = auth.account_id
    outcome = auth.outcome
    if outcome in _STRIKES and auth.locked_until is not None:
        metrics_of(request).locked(outcome.value)
    if outcome in _WRONG_KEY:
        metrics_of(request).auth_failed(outcome.value)
    else:
        facts.key_prefix = display_prefix(key)


def note_call(request: web.Request, provider: str) -> None:
    """A billed request reached the gate: its provider labels what follows, refusals too."""
    request[FACTS].provider = provider


def note_settlement(
    request: web.Request, provider: str, settlement: Settlement, failure: UpstreamError | None
) -> None:
    """A billed call settled: what it cost, what the balance lacked, how the provider failed."""
    request[FACTS].cost = settlement.charged
    metrics = metrics_of(request)
    metrics.settled(provider, settlement.charged, settlement.shortfall)
    if failure is not None:
        metrics.upstream_failed(provider, failure.kind)


class StreamWatch:
    """One relayed stream: open while relayed, and when its first event reached the client."""

    __slots__ = ("_arrived", "_metrics", "_provider", "_waiting_first")

    def __init__(self, request: web.Request) -> None:
        facts = request[FACTS]
        self._metrics = metrics_of(request)
        self._provider = facts.provider
        self._arrived = facts.arrived
        self._waiting_first = True

    def __enter__(self) -> None:
        """The stream is open (counted) until the block ends, however it ends. A class's
        block, not a generator's: every stream enters one."""
        self._metrics.stream_opened(self._provider)

    def __exit__(self, *_: object) -> None:
        self._metrics.stream_closed(self._provider)

    def first_event(self) -> None:
        """Called for every event sent; only the first one is timed."""
        if self._waiting_first:
            self._waiting_first = False
            self._metrics.stream_first_event(self._provider, time.monotonic() - self._arrived)
