"""The service's Prometheus metrics: one registry per app, and the hooks that move them.

`create_metrics` builds them for one app: with METRICS_TOKEN set, a `PrometheusMetrics` over
its own `CollectorRegistry` (two apps in one process never share a counter); without it, the
base `Metrics`, whose hooks do nothing, so an operator who does not scrape pays nothing.

Every hook is a few label lookups and additions, called where the event happens (the
request middleware and the gate in `api.observe`, the billing, the relay, the bot's update
middleware, aiohttp's client tracing for the provider's part). What storage knows (holds
open, money held) is read only when scraped (`HeldGauges`), never on the request path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from providers.errors import UpstreamFailure
from storage.reports import HeldMoney

logger = logging.getLogger(__name__)

#: Seconds: a call may take from milliseconds (errors, echo) to minutes (long generations).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
#: How long a scrape waits for storage before leaving the held gauges out.
HELD_QUERY_SECONDS = 5.0

HeldSource = Callable[[], Awaitable[HeldMoney]]
#: The provider of the request running in the current task, or None outside a billed call.
ProviderOfCall = Callable[[], str | None]


class Metrics:
    """The hooks, doing nothing: the metrics of an app that does not serve them."""

    def request_done(
        self, method: str, route: str, status: int, provider: str, seconds: float
    ) -> None:
        """One request answered (or abandoned: status 499), whatever it was."""

    def upstream_answered(self, provider: str, seconds: float) -> None:
        """The provider's headers arrived (or its request failed) `seconds` after sending."""

    def upstream_failed(self, provider: str, kind: UpstreamFailure) -> None:
        """A provider's call failed, before or during its answer."""

    def stream_opened(self, provider: str) -> None: ...

    def stream_closed(self, provider: str) -> None: ...

    def stream_first_event(self, provider: str, seconds: float) -> None:
        """A stream's first event reached the client `seconds` after the request arrived."""

    def settled(self, provider: str, charged: int, shortfall: int) -> None:
        """A billed call settled: `charged` units taken, `shortfall` the balance lacked."""

    def auth_failed(self, reason: str) -> None:
        """A wrong or unknown username or key (the gate's verdict)."""

    def locked(self, strike: str) -> None:
        """The gate locked an account: this strike (`bad_key`, `no_funds`) reached the limit."""

    def bot_update(self, kind: str, outcome: str) -> None:
        """The bot handled one Telegram update of `kind` (message, callback_query...)."""

    def watch_held(self, source: HeldSource) -> None:
        """Read holds open and money held from `source` at each scrape."""

    def trace_configs(self, provider_of_call: ProviderOfCall) -> tuple[aiohttp.TraceConfig, ...]:
        """aiohttp's hooks for the upstream session: none when nothing is measured."""
        return ()


class HeldGauges:
    """Holds open and money held, as storage has them when Prometheus scrapes.

    `refresh` runs the one query (awaited by the scrape's handler, so the event loop only
    waits on I/O); `collect`, which the registry calls while rendering (in a worker thread),
    only yields what the last refresh read. Nothing here runs on a request's path.
    """

    def __init__(self) -> None:
        self._source: HeldSource | None = None
        self._held: HeldMoney | None = None

    def attach(self, source: HeldSource) -> None:
        self._source = source

    async def refresh(self) -> None:
        """Read storage now; on failure leave the gauges out (the rest is still served)."""
        if self._source is None:
            return
        try:
            async with asyncio.timeout(HELD_QUERY_SECONDS):
                self._held = await self._source()
        except Exception:
            logger.warning("metrics: could not read the money held", exc_info=True)
            self._held = None

    def describe(self) -> Iterator[Metric]:
        yield from self._families(HeldMoney(0, 0))

    def collect(self) -> Iterator[Metric]:
        if self._held is not None:
            yield from self._families(self._held)

    @staticmethod
    def _families(held: HeldMoney) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "myapi_holds_open",
            "Holds of running calls (PostgreSQL: each hold; SQLite: accounts holding money)",
            value=held.holds,
        )
        yield GaugeMetricFamily(
            "myapi_held_units",
            "Money held by running calls, in minor units (10^-6 of the currency)",
            value=held.units,
        )


class PrometheusMetrics(Metrics):
    """Every metric of one app, in the app's own registry (`registry`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.held = HeldGauges()
        self.registry.register(self.held)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self._define_requests()
        self._define_money()
        self._define_access()

    def _define_requests(self) -> None:
        r = self.registry
        self._requests = Counter(
            "myapi_requests",
            "API requests answered, by route pattern, status and provider",
            ["method", "route", "status", "provider"],
            registry=r,
        )
        self._request_seconds = Histogram(
            "myapi_request_duration_seconds",
            "Whole requests, from arrival to the last byte (a stream's included)",
            ["method", "route", "provider"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._upstream_seconds = Histogram(
            "myapi_upstream_duration_seconds",
            "The provider's part: from sending its request to its answer's headers",
            ["provider"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._first_event_seconds = Histogram(
            "myapi_stream_first_byte_seconds",
            "Streams: from the request's arrival to its first event sent to the client",
            ["provider"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._streams = Gauge(
            "myapi_streams_open", "Streams being relayed now", ["provider"], registry=r
        )
        self._upstream_errors = Counter(
            "myapi_upstream_errors",
            "Failed provider calls, by provider and class",
            ["provider", "kind"],
            registry=r,
        )

    def _define_money(self) -> None:
        self._charged = Counter(
            "myapi_charged_units",
            "Money charged for calls, in minor units (10^-6 of the currency)",
            ["provider"],
            registry=self.registry,
        )
        self._shortfall = Counter(
            "myapi_shortfall_units",
            "Usage a balance could not cover (recorded as the call's shortfall), in minor units",
            ["provider"],
            registry=self.registry,
        )

    def _define_access(self) -> None:
        self._auth_failures = Counter(
            "myapi_auth_failures",
            "Failed authentications by the gate's verdict",
            ["reason"],
            registry=self.registry,
        )
        self._locks = Counter(
            "myapi_account_locks",
            "Accounts the gate locked, by the kind of strike that reached the limit",
            ["strike"],
            registry=self.registry,
        )
        self._bot_updates = Counter(
            "myapi_bot_updates",
            "Telegram updates the bot handled, by type and outcome",
            ["type", "outcome"],
            registry=self.registry,
        )

    def request_done(
        self, method: str, route: str, status: int, provider: str, seconds: float
    ) -> None:
        self._requests.labels(method, route, str(status), provider).inc()
        self._request_seconds.labels(method, route, provider).observe(seconds)

    def upstream_answered(self, provider: str, seconds: float) -> None:
        self._upstream_seconds.labels(provider).observe(seconds)

    def upstream_failed(self, provider: str, kind: UpstreamFailure) -> None:
        self._upstream_errors.labels(provider, kind.value).inc()

    def stream_opened(self, provider: str) -> None:
        self._streams.labels(provider).inc()

    def stream_closed(self, provider: str) -> None:
        self._streams.labels(provider).dec()

    def stream_first_event(self, provider: str, seconds: float) -> None:
        self._first_event_seconds.labels(provider).observe(seconds)

    def settled(self, provider: str, charged: int, shortfall: int) -> None:
        if charged:
            self._charged.labels(provider).inc(charged)
        if shortfall:
            self._shortfall.labels(provider).inc(shortfall)

    def auth_failed(self, reason: str) -> None:
        self._auth_failures.labels(reason).inc()

    def locked(self, strike: str) -> None:
        self._locks.labels(strike).inc()

    def bot_update(self, kind: str, outcome: str) -> None:
        self._bot_updates.labels(kind, outcome).inc()

    def watch_held(self, source: HeldSource) -> None:
        self.held.attach(source)

    def trace_configs(self, provider_of_call: ProviderOfCall) -> tuple[aiohttp.TraceConfig, ...]:
        """Time each upstream request to its headers (or its failure), by the provider of
        the billed call running in the task that sent it (`provider_of_call`)."""
        config = aiohttp.TraceConfig()

        async def started(_: aiohttp.ClientSession, context: SimpleNamespace, __: Any) -> None:
            context.started = time.monotonic()

        async def ended(_: aiohttp.ClientSession, context: SimpleNamespace, __: Any) -> None:
            provider = provider_of_call()
            if provider is not None:
                self.upstream_answered(provider, time.monotonic() - context.started)

        config.on_request_start.append(started)
        config.on_request_end.append(ended)
        config.on_request_exception.append(ended)
        return (config,)


def create_metrics(enabled: bool) -> Metrics:
    """The metrics of one app: measured and served (`enabled`), or hooks doing nothing."""
    return PrometheusMetrics() if enabled else Metrics()
