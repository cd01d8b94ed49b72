"""What the API's handlers work with, reached through one typed application key.

The composition root opens storage and the upstream session in `cleanup_ctx` and stores an
`ApiContext` under `CONTEXT`; route tests build their own through the same factory,
`build_api_context`, so what they test is wired as the service wires it. Handlers get plain
objects and never read settings or the environment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from api.errors import RequestIds
from api.limits import FailedAuthLimiter, Network
from api.notify import Notices, NullNotifier
from api.outage_alarm import OutageAlarm
from api.settlements import PendingSettlements
from providers.backends import ChatBackends
from providers.http import Upstream
from providers.key_faults import BenchRules
from providers.key_health import KeyHealth
from providers.registry import Registry
from providers.transport import Transports
from storage import Storage
from storage.accounts import AccountStore
from storage.clock import Clock, wall_clock
from storage.idempotency import IdempotencyStore
from storage.images import ImageStore
from storage.responses import ResponseOwners


@dataclass(frozen=True, slots=True)
class ApiContext:
    accounts: AccountStore
    registry: Registry
    chat: ChatBackends
    upstream: Upstream
    currency: str
    clock: Clock
    idempotency: IdempotencyStore
    images: ImageStore
    failed_auth: FailedAuthLimiter
    #: Settlements that wait for the database (`api.settlements`); the gate checks it.
    settlements: PendingSettlements
    #: Whether the database could take a write now (`/health`); raises when it cannot.
    ping_database: Callable[[], Awaitable[None]]
    #: Which account created each stored response of the Responses API.
    responses: ResponseOwners
    #: Each call's `settle_key`: unique across processes and restarts, like request ids.
    settle_keys: RequestIds = field(default_factory=RequestIds)
    #: The address users reach the service at (PUBLIC_BASE_URL); empty: each request's own.
    public_base_url: str = ""
    #: Who to tell about locks and low balances (nobody by default: route tests, bot off).
    notices: Notices = field(default_factory=Notices)
    #: Tells the admins when the database goes away and comes back (`notices`' notifier).
    outage_alarm: OutageAlarm = field(
        default_factory=lambda: OutageAlarm(NullNotifier(), wall_clock)
    )


CONTEXT = web.AppKey("api_context", ApiContext)


def context_of(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


def base_url_of(request: web.Request) -> str:
    """The service's address as users reach it: PUBLIC_BASE_URL when set (a proxy in front
    may change the scheme, the host and the path prefix), else the request's own."""
    context = request.app.get(CONTEXT)
    configured = context.public_base_url.rstrip("/") if context is not None else ""
    return configured or str(request.url.origin())


def build_api_context(
    storage: Storage,
    registry: Registry,
    transports: Transports,
    *,
    currency: str,
    failed_auth_per_minute: int = 0,
    trusted_proxies: tuple[Network, ...] = (),
    public_base_url: str = "",
    notices: Notices | None = None,
    bench_rules: BenchRules | None = None,
) -> ApiContext:
    """The handlers' context over opened storage and the process's upstream sessions.

    The one place the service and the route tests wire it: every clock is storage's, so the
    gate's limits, the stores and the provider keys' rests read the same time.
    `failed_auth_per_minute == 0` turns the per-address limit off; no `notices` tells
    nobody; `bench_rules` are how long a refused key rests (the defaults when None).
    """
    health = KeyHealth(storage.clock, bench_rules or BenchRules())
    upstream = Upstream(transports, health)
    notices = notices if notices is not None else Notices()
    return ApiContext(
        accounts=storage.accounts,
        registry=registry,
        chat=ChatBackends.over(upstream),
        upstream=upstream,
        currency=currency,
        clock=storage.clock,
        idempotency=storage.idempotency,
        images=storage.images,
        failed_auth=FailedAuthLimiter(failed_auth_per_minute, storage.clock, trusted_proxies),
        settlements=PendingSettlements(storage.accounts),
        ping_database=storage.database.ping,
        responses=storage.responses,
        public_base_url=public_base_url,
        notices=notices,
        outage_alarm=OutageAlarm(notices.notifier, storage.clock),
    )
