"""Failover before the first byte: which key, then which model, answers one call.

Every provider call goes through `first_answer` (from `providers.http.Upstream.open`), so
the rule is written once for every route. For each route of the call's chain (its model,
then the fallbacks the catalog declares), the usable keys are tried in the order
`KeyHealth.candidates` gives, each at most once:

- a key's fault (refused, out of quota, rate limited: `providers.key_faults`) rests the key
  and moves on to the next key;
- the provider's fault (5xx, unreachable) moves on to another key once; a second one ends
  this model's turn;
- the client's fault (400, 404, 422...) ends the call with that answer: no other key or
  model would answer otherwise.

When a model's keys are all resting or failed, the next model of the chain is tried. The
first 2xx answer wins; nothing before it reached the client (a stream is only opened here,
never read), so a call keeps its one hold and is billed once, for the model that answered.
If nothing answered: the provider's last failure when it was the provider's (502, 504), else
503 with `Retry-After` until the first key is back (`provider_unavailable` when every key
rests because the operator's account was refused or ran dry, `upstream_unavailable` when
they are rate limited); every failed attempt is free.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import ClientResponse

from providers.errors import UpstreamError, UpstreamFailure
from providers.key_faults import BenchReason, Blame, Fault
from providers.key_health import KeyHealth
from providers.registry import Route
from providers.upstream_keys import UpstreamKey

logger = logging.getLogger(__name__)


# Not frozen, though never changed: built on every call (why: `storage.models.CallRecord`).
@dataclass(slots=True)
class Opened:
    """A 2xx answer whose body is not read yet, and the route (model and key) it came from.

    The caller owns the response (`async with opened.response:`)."""

    response: ClientResponse
    route: Route


@dataclass(frozen=True, slots=True)
class Failure:
    """An attempt that got no usable answer: what the client would see, and whose fault."""

    error: UpstreamError
    fault: Fault


#: Why a key rests when the operator must act on its account (not a passing rate limit).
OPERATOR_REASONS = frozenset({str(BenchReason.REFUSED), str(BenchReason.QUOTA)})

#: One attempt: send the call on the route's key; an answer, or how it failed.
Attempt = Callable[[Route], Awaitable[Opened | Failure]]


async def first_answer(route: Route, health: KeyHealth, attempt: Attempt) -> Opened:
    """The first 2xx answer along `route.chain`, or the UpstreamError that ends the call."""
    last: Failure | None = None
    for candidate in route.chain:
        outcome = await _through_keys(candidate, health, attempt)
        if isinstance(outcome, Opened):
            if candidate is not route:
                logger.info("%s answered in place of %s", candidate.model.name, route.model.name)
            return outcome
        last = outcome or last
    raise _nothing_answered(route, health, last)


async def _through_keys(
    route: Route, health: KeyHealth, attempt: Attempt
) -> Opened | Failure | None:
    """One model's turn: its usable keys in order; None when none was usable."""
    retries = 1  # the provider's own failures are retried once, on another key
    last: Failure | None = None
    for key in health.candidates(route.provider.keys):
        if not health.usable(key):  # benched by a concurrent call since the order was made
            continue
        outcome = await attempt(route.on(key))
        if isinstance(outcome, Opened):
            return outcome
        last = outcome
        logger.info(
            "%s key %s (%s) failed for %s: %s (%s's fault)",
            key.provider,
            key.name,
            key.label,
            route.model.name,
            outcome.error.status,
            outcome.fault.blame,
        )
        if outcome.fault.blame is Blame.CLIENT:
            raise outcome.error
        if outcome.fault.blame is Blame.PROVIDER:
            if retries == 0:
                break
            retries -= 1
    return last


def _nothing_answered(route: Route, health: KeyHealth, last: Failure | None) -> UpstreamError:
    """502/504 when the provider itself failed last; otherwise 503 until a key is back.

    When every key rests because its provider refused the operator's account (credentials,
    funds or quota: `OPERATOR_REASONS`), the 503 says so (`UpstreamFailure.OPERATOR_KEY`):
    the operator must act, and it is never the client's balance.
    """
    if last is not None and last.fault.blame is Blame.PROVIDER:
        return last.error
    keys = [key for candidate in route.chain for key in candidate.provider.keys]
    wait = max(1, health.rests_until(keys) - health.clock())
    models = " or ".join(candidate.model.name for candidate in route.chain)
    if keys and all(_operator_must_act(health, key) for key in keys):
        message = (
            f"no provider key of this service can serve {models} right now: the provider "
            "refused this service's own account (out of funds or quota, or its credentials); "
            "this is the operator's problem, not your balance. Nothing was charged; try "
            f"again in {wait} s or another provider's model"
        )
        return UpstreamError(503, message, str(wait), kind=UpstreamFailure.OPERATOR_KEY)
    message = (
        f"no provider key of this service can serve {models} right now: each is resting "
        "after its provider refused it (rate limit, quota or credentials) or has used its "
        f"calls for this minute. Nothing was charged; try again in {wait} s"
    )
    return UpstreamError(503, message, str(wait), kind=UpstreamFailure.RATE_LIMITED)


def _operator_must_act(health: KeyHealth, key: UpstreamKey) -> bool:
    """`key` rests because its provider refused the operator's account."""
    state = health.state(key)
    return state.benched_until > health.clock() and state.reason in OPERATOR_REASONS
