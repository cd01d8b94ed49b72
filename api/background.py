"""Background responses: a hold that outlives its call, settled once when the response ends.

A `background: true` response is answered at once (`queued`) and runs on at OpenAI; what it
costs is known only when it reaches a final state. So the call that creates it keeps the
hold the gate took (`Bill.keeps_hold`, recorded with the response's owner in
`storage.responses`), and the response is settled exactly once, from the usage of its
final state, by whichever learns that state first:

- its owner's retrieve (`GET /v1/responses/{id}`) answering a final state;
- its owner's cancel, from the cancelled response: what was used is charged, the rest of
  the hold released;
- the periodic poll (`BackgroundPoll`, on every replica), which asks the provider about
  open responses, those polled longest ago first and at most `batch` a run; one still not
  final `max_age_seconds` after it was created (BACKGROUND_MAX_HOURS) is cancelled and
  settled from the cancel's answer, so no hold is kept forever.

The usage of a final state is its tokens and the built-in tool calls among its output
items (`final_usage`), as for any response. A final state without a usage, or a response
the provider no longer has, is charged the whole hold: as for a stream whose usage never
came, not knowing never makes it cheaper. A reported usage is charged as it is (as for
every call, beyond the hold only down to a zero balance, the rest recorded as shortfall).
"""

from __future__ import annotations

import logging

from api.billing import usage_breakdown
from api.context import ApiContext
from providers.errors import ProviderError, UpstreamError
from providers.http import parse_json
from providers.openai_responses import RESPONSES_PROVIDER, final_usage, finished
from providers.responses_client import StoredResponses, stored_responses_route
from providers.usage import TokenUsage
from storage.models import CallRecord
from storage.responses import OwnedResponse

logger = logging.getLogger(__name__)

#: The status recorded for a settled background response, by its final state; a response
#: whose final state is unknown (the provider lost it) is recorded as the provider's failure.
_STATUS = {"completed": 200, "incomplete": 200, "failed": 502, "cancelled": 499}
#: Where a background response's usage record says it was made.
_ENDPOINT = "/v1/responses"


def _usage(answer: object) -> TokenUsage | None:
    """The final usage of a response object, its built-in tool calls counted, or None when
    it has none (or a broken one)."""
    if not isinstance(answer, dict) or answer.get("usage") is None:
        return None
    try:
        return final_usage(answer)
    except UpstreamError:
        return None


def settlement_record(
    context: ApiContext, owned: OwnedResponse, answer: object | None
) -> CallRecord:
    """The usage record that charges a background response and releases its hold."""
    usage = _usage(answer)
    cost = owned.held if usage is None else _cost(context, owned, usage)
    state = answer.get("status") if isinstance(answer, dict) else None
    counted = usage or TokenUsage(0, 0)
    return CallRecord(
        request_id=owned.request_id or owned.id,
        account_id=owned.account_id,
        endpoint=_ENDPOINT,
        provider=RESPONSES_PROVIDER,
        model=owned.model,
        status=_STATUS.get(str(state), 502),
        input_units=counted.input_tokens,
        output_units=counted.output_tokens,
        cost=cost,
        held=owned.held,
        latency_ms=max(0, context.clock() - owned.created_at) * 1000,
        response_id=owned.id,
        settle_key=None,
        **usage_breakdown(counted),
    )


def _cost(context: ApiContext, owned: OwnedResponse, usage: TokenUsage) -> int:
    """The usage at the model's prices; the hold when the catalog no longer prices the model
    (it was removed, or lost its price, since the response started): never free."""
    try:
        model = context.registry.catalog.get(owned.model)
    except ProviderError:
        model = None
    if model is None or model.unpriced:
        logger.warning(
            "response %s: %s has no price now; its hold is charged", owned.id, owned.model
        )
        return owned.held
    return model.cost_of(usage)


async def settle(context: ApiContext, owned: OwnedResponse, answer: object | None) -> bool:
    """Settle `owned` from `answer` (its final state, or None when unknown) unless someone
    settled it first; True when this call did."""
    settlement = await context.responses.settle(
        owned.id, lambda opened: settlement_record(context, opened, answer)
    )
    if settlement is None:
        return False
    await context.notices.after_settlement(owned.account_id, settlement.balance)
    logger.info("background response %s settled: %d charged", owned.id, settlement.charged)
    return True


async def settle_if_final(context: ApiContext, owned: OwnedResponse, body: bytes) -> None:
    """After the owner's retrieve or cancel: settle an open response the answer shows final."""
    if not owned.open:
        return
    answer = parse_json(body)
    if finished(answer):
        await settle(context, owned, answer)


class BackgroundPoll:
    """One run of the periodic poll of open background responses (see the module)."""

    def __init__(self, context: ApiContext, max_age_seconds: int, batch: int = 100) -> None:
        self._context = context
        self._max_age = max_age_seconds
        self._batch = batch

    async def run_once(self) -> int:
        """Poll the due open responses once; returns how many this run settled."""
        due = await self._context.responses.take_due(self._batch)
        settled = 0
        for owned in due:
            settled += await self._poll(owned)
        if due:
            logger.info("background poll: %d open, %d settled", len(due), settled)
        return settled

    async def _poll(self, owned: OwnedResponse) -> bool:
        """Ask the provider about one response; settle it when it is over (or too old)."""
        context = self._context
        expired = context.clock() - owned.created_at >= self._max_age
        try:
            route = stored_responses_route(context.registry)
            reply = await StoredResponses(context.upstream).call(route, "GET", owned.id)
            answer = parse_json(reply.body)
        except ProviderError as error:
            if isinstance(error, UpstreamError) and error.status == 404:
                return await settle(context, owned, None)  # the provider has it no more
            logger.warning("background response %s: polling failed: %s", owned.id, error)
            return await settle(context, owned, None) if expired else False
        if finished(answer):
            return await settle(context, owned, answer)
        if expired:
            return await settle(context, owned, await self._cancel(owned))
        return False

    async def _cancel(self, owned: OwnedResponse) -> object | None:
        """Cancel a response that outlived the bound: its answer, or None if it failed."""
        context = self._context
        logger.warning("background response %s outlived its bound: cancelling", owned.id)
        try:
            route = stored_responses_route(context.registry)
            reply = await StoredResponses(context.upstream).call(
                route, "POST", owned.id, "/cancel"
            )
            answer: object = parse_json(reply.body)
        except ProviderError as error:
            logger.warning("background response %s: cancelling failed: %s", owned.id, error)
            return None
        return answer
