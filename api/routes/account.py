"""Account routes: the balance (ProxyAPI's shape, exact) and the service's health.

A balance query passes the gate (a wrong key is still a strike) but holds nothing and needs
no funds, so it is answered at zero balance too, and never billed.
"""

from __future__ import annotations

from aiohttp import web

from api.body import read_json_object
from api.context import context_of
from api.credentials import take_credentials
from api.gate import admit
from storage.money import to_decimal


async def _balance(request: web.Request, from_body: bool) -> web.Response:
    context = context_of(request)
    body = await read_json_object(request) if from_body else None
    auth = await admit(request, take_credentials(request, body), hold=0)
    assert auth.username is not None
    return web.json_response(
        {
            # ProxyAPI's field: a JSON number with at most 15 significant digits, which a
            # double holds exactly; `balance_units` is the integer truth.
            "balance": float(to_decimal(auth.balance)),
            "balance_units": auth.balance,
            "currency": context.currency,
            "username": auth.username,
        }
    )


async def balance_get(request: web.Request) -> web.Response:
    return await _balance(request, from_body=False)


async def balance_post(request: web.Request) -> web.Response:
    return await _balance(request, from_body=True)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
