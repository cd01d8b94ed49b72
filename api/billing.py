"""The billing flow around one upstream call: hold (done by the gate), then finish.

Invariant: a call that passed the gate is finished exactly once, whatever happens in
between: the context manager's exit writes its usage record, which releases the hold and
charges the cost in one statement, also on errors and on cancellation. A call is charged
for what it produced (the handler's `Bill.charge`), never for what it did not.

Invariant: a settlement the database cannot take now is not lost: it is kept
(`api.settlements`) and written once the database is back, and the answer still reaches the
client (without the cost headers, which only a written settlement knows).

Invariant: only a provider's own usage is charged as it is (`Bill.charge_tokens`); an
estimated charge (`Bill.charge_estimate`) never exceeds the call's hold, and this class is the
one place that cap is applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, fields
from operator import itemgetter

from aiohttp import web

from api.context import ApiContext
from api.errors import CLIENT_CLOSED, REQUEST_ID, ApiError
from api.inflight import IN_FLIGHT, InFlight
from api.observe import note_settlement
from providers.catalog import Model
from providers.errors import UpstreamError
from providers.openai_images import ImageCharge
from providers.registry import Route
from providers.usage import TokenUsage
from storage.errors import DatabaseUnavailableError
from storage.models import Authorization, CallRecord, Settlement

logger = logging.getLogger(__name__)

#: Response headers of a billed call (integer minor units of the currency).
COST_HEADER = "X-Myapi-Cost-Units"
BALANCE_HEADER = "X-Myapi-Balance-Units"
HELD_HEADER = "X-Myapi-Held-Units"
#: The catalog name of the model that answered and was billed: a fallback's when the
#: requested model could not answer (README, "Provider keys, failover and fallbacks").
MODEL_HEADER = "X-Myapi-Model"
#: The `TokenUsage` fields recorded beside a call's totals, in `CallRecord`'s order: those it
#: has a column for. A finer part is recorded within its parents (cached image input counts
#: in `cache_read_tokens` and in `input_image_tokens`).
BREAKDOWN_FIELDS = tuple(f.name for f in fields(CallRecord) if f.name in TokenUsage._fields)
#: A usage's breakdown as a tuple of those fields, read in one C call.
_breakdown_values = itemgetter(*(TokenUsage._fields.index(name) for name in BREAKDOWN_FIELDS))
#: Those fields' values: eight token counts, six tool-call counts. Of fixed length, so the
#: type checker counts a record's positional arguments.
Breakdown = tuple[int, int, int, int, int, int, int, int, int, int, int, int, int, int]
_NO_BREAKDOWN: Breakdown = (0,) * 14


@dataclass(slots=True)
class Bill:
    """What the handler learned about the call; the billing context settles from it.

    `held` is what the gate held for the call: the most it may cost unless the provider
    itself reports more.
    """

    held: int
    input_units: int = 0
    output_units: int = 0
    cost: int = 0
    status: int = 200
    response: web.StreamResponse | None = None
    #: The token usage charged, breakdown included, recorded with the call; None for calls
    #: billed in other units.
    usage: TokenUsage | None = None
    #: The model that answered, when it may differ from the route's (a fallback's): the call
    #: is recorded under it. Set by `charge_tokens`, `charge_estimate` and `served_by`.
    model: Model | None = None
    #: How the provider failed, raised or caught mid-stream; counted when the call settles.
    failure: UpstreamError | None = None
    #: The stored response the call created (Responses API): its owner is recorded with
    #: the call, in the settlement's statement.
    response_id: str | None = None
    #: The hold outlives the call (a background response, settled when it ends): the
    #: call's record releases nothing of it.
    keeps_hold: bool = False

    def charge(self, input_units: int, output_units: int, cost: int) -> None:
        self.input_units, self.output_units, self.cost = input_units, output_units, cost

    def served_by(self, model: Model) -> None:
        """The call is answered (and will be priced) by `model`."""
        self.model = model

    def charge_tokens(self, model: Model, usage: TokenUsage) -> None:
        """Charge token usage at the model's prices, each usage category at its own; the
        model priced is the model recorded."""
        self.usage, self.model = usage, model
        cost = model.cost_of(usage)
        self.charge(usage.input_tokens, usage.output_tokens, cost)

    def charge_estimate(self, model: Model, usage: TokenUsage) -> None:
        """Charge an estimate of what was produced, never more than the hold.

        An estimate is ours, not the provider's: a prompt or an output guessed too high
        must not cost the user more than they were told the call could cost.
        """
        self.usage, self.model = usage, model
        cost = min(model.cost_of(usage), self.held)
        self.charge(usage.input_tokens, usage.output_tokens, cost)

    def charge_image(self, charge: ImageCharge) -> None:
        """Charge an image call as its plan priced the answer: per image, or its tokens."""
        self.usage = charge.usage
        self.charge(charge.input_units, charge.output_units, charge.cost)

    def charge_hold(self, usage: TokenUsage) -> None:
        """Charge the whole hold (what was produced is unknown), recording `usage` as seen."""
        self.usage = usage
        self.charge(usage.input_tokens, usage.output_tokens, self.held)


def _failed_status(error: BaseException) -> int:
    """The status recorded for a call that ended by `error`.

    A cancelled handler means the client went away (when the server cancels handlers on
    disconnect) or the service is shutting down past its grace period: either way the call
    was abandoned, not failed by the provider.
    """
    if isinstance(error, UpstreamError | ApiError):
        return error.status
    if isinstance(error, DatabaseUnavailableError):
        return 503
    if isinstance(error, asyncio.CancelledError):
        return CLIENT_CLOSED
    return 500


def breakdown_in_order(usage: TokenUsage | None) -> Breakdown:
    """The usage's breakdown in `CallRecord`'s order, for a record built by position: the
    fields after `latency_ms` (tests/test_call_record.py pins that layout)."""
    return _NO_BREAKDOWN if usage is None else _breakdown_values(usage)


def usage_breakdown(usage: TokenUsage | None) -> dict[str, int]:
    """The usage's breakdown as `CallRecord` fields, named alike (the totals are the units),
    for a record built by keyword; no usage is every part 0, as the record's defaults."""
    return dict(zip(BREAKDOWN_FIELDS, breakdown_in_order(usage), strict=True))


class CallBilling:
    """Finish the gate's hold with what the handler records, even when the call fails.

    Shutdown may cancel the call while it runs (`InFlight.running`), never while it
    settles, and waits for it to settle (`InFlight.opened`) before the database closes.
    A class rather than a generator-based context manager: it is on every billed call's
    path, and a generator costs a frame, a wrapper and a resumption per step.
    """

    __slots__ = (
        "_auth",
        "_bill",
        "_context",
        "_in_flight",
        "_request",
        "_route",
        "_started",
        "_task",
    )

    def __init__(
        self, context: ApiContext, auth: Authorization, route: Route, request: web.Request
    ) -> None:
        assert auth.account_id is not None
        self._context, self._auth, self._route, self._request = context, auth, route, request
        self._in_flight = request.app.get(IN_FLIGHT) or InFlight()  # no sub-apps
        self._bill = Bill(held=auth.hold)
        self._started = 0.0
        self._task: asyncio.Task[object] | None = None

    async def __aenter__(self) -> Bill:
        # Looked up once: each lookup of the running loop is a getpid() system call.
        self._task = task = asyncio.current_task()
        assert task is not None
        self._in_flight.opened(task)
        self._started = time.monotonic()
        return self._bill

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        task = self._task
        assert task is not None
        self._in_flight.settling(task)
        try:
            bill = self._bill
            if error is not None:
                bill.status = _failed_status(error)
                if isinstance(error, UpstreamError):
                    bill.failure = error
            await self._finish(bill)
        finally:
            self._in_flight.closed(task)

    async def _finish(self, bill: Bill) -> None:
        """Settle the call, count it, and give its answer the cost headers."""
        auth, route, request, context = self._auth, self._route, self._request, self._context
        assert auth.account_id is not None
        served = bill.model or route.model
        # By position, in `CallRecord`'s order: by keyword, with the breakdown spread from a
        # dict, the record cost 34 k instructions; this way 9 k.
        record = CallRecord(
            request[REQUEST_ID],
            auth.account_id,
            request.path,  # endpoint
            served.provider,
            served.name,  # model
            bill.status,
            bill.input_units,
            bill.output_units,
            bill.cost,
            0 if bill.keeps_hold else auth.hold,  # held
            int((time.monotonic() - self._started) * 1000),  # latency_ms
            *breakdown_in_order(bill.usage),
            context.settle_keys.next(),  # settle_key
            bill.response_id,
        )
        settlement = await _settle(context, record)
        if settlement is not None:
            note_settlement(request, route.provider.name, settlement, bill.failure)
        response = bill.response
        if response is not None and not response.prepared:
            response.headers[MODEL_HEADER] = served.name
            if settlement is not None:
                response.headers[COST_HEADER] = str(settlement.charged)
                response.headers[BALANCE_HEADER] = str(settlement.balance)


async def _settle(context: ApiContext, record: CallRecord) -> Settlement | None:
    """Write the settlement, or keep it for later when the database is unavailable (None).

    The low-balance notice is a courtesy: a database that fails after the settlement was
    written costs the notice, never the answer.
    """
    try:
        settlement = await context.accounts.finish_call(record)
    except DatabaseUnavailableError as error:
        await context.settlements.keep(record, error)
        return None
    try:
        await context.notices.after_settlement(record.account_id, settlement.balance)
    except DatabaseUnavailableError as error:
        logger.warning("request %s: no low-balance check (%s)", record.request_id, error)
    return settlement
