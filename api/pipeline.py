"""One pipeline for a billed request: admit, replay, bill, keep the answer, in that nesting.

Every billed route runs the same steps in the same order, and this module is the one place
that order is written down. A handler parses its input, resolves its `Route` and estimates
its hold, then:

    async with billed_request(request, credentials, route, hold, body=body) as call:
        if call.replay is not None:
            return call.replay
        ...  # call the provider; record what it produced with call.bill.charge(...)
        return call.answer(web.Response(...))

Invariants:

- Bad input changes nothing in the database. The pipeline takes an already resolved route
  and hold, so validation, routing and pricing happened before it, and it checks the
  `Idempotency-Key` header (a 400) before the gate writes anything.
- The gate (`api.gate.admit`) holds `hold` units, or raises the refusal the client sees;
  a zero hold admits without a funds check and still records the call (Gemini
  `countTokens` is free, recorded at cost 0).
- An admitted call is settled exactly once (`api.billing.CallBilling`): its usage record
  charges what `call.bill` says and releases the rest of the hold, on success, on error
  and on cancellation; a successful answer gets its cost and balance headers there.
- With an `Idempotency-Key` (`api.idempotency`), the key is claimed before the provider is
  called and the answer is stored only after the billing set its headers, so a replay
  repeats them; a replay, 409 or 422 settles at zero and never reaches the handler's body.
- Without the header, the pipeline costs what the billing alone costs: the gate's
  statement and the settlement's, no third one, and no extra context manager layer.

`body=None` means the route does not take `Idempotency-Key` at all (the header is ignored,
as for a stream of audio or a free count). Steps that must run inside the call, after the
hold (the image library's quota check, audio durations checked against the answer), are
simply the handler's own code inside the `async with`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from api.billing import Bill, CallBilling
from api.context import context_of
from api.credentials import Credentials
from api.gate import admit
from api.idempotency import Once, idempotency_key, idempotent
from api.observe import note_call
from providers.registry import Route


@dataclass(slots=True)
class BilledCall:
    """The handler's side of one admitted call.

    `replay` is set when an earlier call with the same `Idempotency-Key` already answered:
    the handler returns it and does nothing else (`bill` then records nothing). Otherwise
    the handler charges through `bill` and returns its answer through `answer`.
    """

    bill: Bill
    account_id: int
    replay: web.Response | None = None
    once: Once | None = None

    def answer(self, response: web.Response) -> web.Response:
        """The call's answer: it gets the cost headers, its status is recorded, and (with a
        key) it is the answer a retry replays. Returns `response`, to return in one line."""
        self.bill.response = response
        self.bill.status = response.status
        if self.once is not None:
            self.once.keep(response)
        return response


def billed_request(
    request: web.Request,
    credentials: Credentials,
    route: Route,
    hold: int,
    *,
    body: dict[str, Any] | None,
    stream: bool = False,
) -> AbstractAsyncContextManager[BilledCall]:
    """Admit the caller with `hold` units held, then run the handler's body as a billed call.

    `body` is what "the same request" means for `Idempotency-Key` (credentials removed);
    None for a route that takes no key. `stream=True` refuses the key (a stream cannot be
    replayed): a 400 raised here, before anything is written.
    """
    note_call(request, route.provider.name)  # labels its refusals, as well as its call
    key = None if body is None else idempotency_key(request, stream=stream)
    if key is None or body is None:
        return _Billed(request, credentials, route, hold)
    return _billed_once(request, credentials, route, hold, key, body)


class _Billed:
    """The pipeline without `Idempotency-Key`: the gate, then the billing, and nothing else
    (a class: a generator-based context manager would cost a frame and a wrapper more)."""

    __slots__ = ("_billing", "_credentials", "_hold", "_request", "_route")

    def __init__(
        self, request: web.Request, credentials: Credentials, route: Route, hold: int
    ) -> None:
        self._request, self._credentials = request, credentials
        self._route, self._hold = route, hold
        self._billing: CallBilling | None = None

    async def __aenter__(self) -> BilledCall:
        request = self._request
        auth = await admit(request, self._credentials, self._hold)
        assert auth.account_id is not None  # the gate admits known accounts only
        self._billing = CallBilling(context_of(request), auth, self._route, request)
        return BilledCall(await self._billing.__aenter__(), auth.account_id)

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: Any
    ) -> None:
        assert self._billing is not None
        await self._billing.__aexit__(kind, error, trace)


@asynccontextmanager
async def _billed_once(
    request: web.Request,
    credentials: Credentials,
    route: Route,
    hold: int,
    key: str,
    body: dict[str, Any],
) -> AsyncIterator[BilledCall]:
    """The pipeline with `Idempotency-Key`: the key is claimed after the gate, and a replay
    (or a 409, 422) settles at zero without reaching the handler's body."""
    auth = await admit(request, credentials, hold)
    assert auth.account_id is not None  # the gate admits known accounts only
    async with idempotent(request, key, auth, route, body) as once:
        if once.replay is not None:
            yield BilledCall(Bill(held=0), auth.account_id, replay=once.replay)
            return
        async with CallBilling(context_of(request), auth, route, request) as bill:
            yield BilledCall(bill, auth.account_id, once=once)
