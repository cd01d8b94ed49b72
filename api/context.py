"""What the API's handlers work with, reached through one typed application key.

The composition root opens storage and the upstream session in `cleanup_ctx` and stores an
`ApiContext` under `CONTEXT`; route tests build their own. Handlers get plain objects and
never read settings or the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from api.limits import FailedAuthLimiter
from providers.backends import ChatBackends
from providers.http import Upstream
from providers.registry import Registry
from storage.accounts import AccountStore
from storage.idempotency import IdempotencyStore


@dataclass(frozen=True, slots=True)
class ApiContext:
    accounts: AccountStore
    registry: Registry
    chat: ChatBackends
    upstream: Upstream
    currency: str
    clock: Callable[[], int]
    idempotency: IdempotencyStore
    failed_auth: FailedAuthLimiter


CONTEXT = web.AppKey("api_context", ApiContext)


def context_of(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]
