"""What the API's handlers work with, reached through one typed application key.

The composition root opens storage and the upstream session in `cleanup_ctx` and stores an
`ApiContext` under `CONTEXT`; route tests build their own. Handlers get plain objects and
never read settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from api.limits import FailedAuthLimiter
from api.notify import Notices
from providers.backends import ChatBackends
from providers.http import Upstream
from providers.registry import Registry
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
