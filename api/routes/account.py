"""Account routes: the balance (ProxyAPI's shape, exact) and the service's health.

A balance query passes the gate (a wrong key is still a strike) but holds nothing and needs
no funds, so it is answered at zero balance too, and never billed.

Health is the database's too: 200 only when it could take a write now and nothing of this
process waits to be settled; otherwise 503 `database_unavailable` (the error shape, with
Retry-After), so a probe, a load balancer or Docker's HEALTHCHECK sees what the users see.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from api.body import read_json_object
from api.context import context_of
from api.credentials import take_credentials
from api.gate import admit
from api.json_answer import json_answer
from api.openapi_models import BodyCredentials, Handler, OperationDoc
from api.route_rows import RouteRow
from storage.errors import DatabaseUnavailableError
from storage.money import to_decimal


class BalanceAnswer(BaseModel):
    """ProxyAPI's balance, plus the exact figure. `balance` is a JSON number with at most
    15 significant digits, which a double holds exactly; `balance_units` (10^-6 of the
    currency) is the integer truth."""

    model_config = ConfigDict(extra="forbid")

    balance: float
    balance_units: int
    currency: str
    username: str


class HealthAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"]
    database: Literal["ok"]


async def _balance(request: web.Request, from_body: bool) -> web.Response:
    context = context_of(request)
    body = await read_json_object(request) if from_body else None
    auth = await admit(request, take_credentials(request, body), hold=0)
    assert auth.username is not None
    answer = BalanceAnswer(
        balance=float(to_decimal(auth.balance)),
        balance_units=auth.balance,
        currency=context.currency,
        username=auth.username,
    )
    return json_answer(answer.model_dump())


async def balance_get(request: web.Request) -> web.Response:
    return await _balance(request, from_body=False)


async def balance_post(request: web.Request) -> web.Response:
    return await _balance(request, from_body=True)


async def health(request: web.Request) -> web.Response:
    """Writes what waits first (a probe helps recovery along), then asks the database."""
    context = context_of(request)
    try:
        await context.settlements.ensure_written()
        await context.ping_database()
    except DatabaseUnavailableError as error:
        context.outage_alarm.seen(error)
        raise
    context.outage_alarm.answered()
    return json_answer(HealthAnswer(status="ok", database="ok").model_dump())


ROUTES = (
    RouteRow("GET", "/health", health),
    RouteRow("GET", "/v1/balance", balance_get),
    RouteRow("POST", "/v1/balance", balance_post),
    RouteRow("GET", "/proxyapi/balance", balance_get),
)
OPERATIONS: dict[Handler, OperationDoc] = {
    health: OperationDoc(
        "Health of the service and its database (503 while the database is unavailable)",
        "service",
        secured=False,
        answer=HealthAnswer,
    ),
    balance_get: OperationDoc(
        "Your balance (free, also at zero)", "account", answer=BalanceAnswer
    ),
    balance_post: OperationDoc(
        "Your balance, credentials in the body",
        "account",
        body=BodyCredentials,
        answer=BalanceAnswer,
    ),
}
