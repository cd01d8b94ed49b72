"""What the API's handlers work with, reached through one typed application key.

The composition root opens storage and the upstream session in `cleanup_ctx` and stores an
`ApiContext` under `CONTEXT`; route tests build their own through the same factory,
`build_api_context`, so what they test is wired as the service wires it. Handlers get plain
objects and never read settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from api.limits import FailedAuthLimiter, Network
from api.notify import Notices
from providers.backends import ChatBackends
from providers.http import Upstream
from providers.key_faults import BenchRules
from providers.key_health import KeyHealth
from providers.registry import Registry
from providers.transport import Transports
from storage import Storage
from storage.accounts import AccountStore
from storage.clock import Clock
from storage.idempotency import IdempotencyStore
from storage.images import ImageStore


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
    #: The address users reach the service at (PUBLIC_BASE_URL); empty: each request's own.
    public_base_url: str = ""
    #: Who to tell about locks and low balances (nobody by default: route tests, bot off).
    notices: Notices = field(default_factory=Notices)


CONTEXT = web.AppKey("api_context", ApiContext)


def context_of(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


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
        public_base_url=public_base_url,
        notices=notices if notices is not None else Notices(),
    )
