"""The billing flow around one upstream call: hold (done by the gate), then settle or release.

Invariant: a hold taken by the gate is settled or released exactly once, whatever happens in
between: the context manager's exit does it, including on errors and cancellation. A call
that produced usage is charged exactly that usage at the model's price; a call that failed
before producing anything is charged nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from providers.catalog import Model
from providers.openai_compat import TokenUsage
from storage.accounts import AccountStore
from storage.models import Authorization, Usage

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Bill:
    """Filled in by the handler once it knows what the call used."""

    usage: TokenUsage | None = None


@asynccontextmanager
async def billed_call(
    accounts: AccountStore, auth: Authorization, model: Model, request_id: str
) -> AsyncIterator[Bill]:
    """Settle the gate's hold with the usage the handler records, or release it."""
    assert auth.account_id is not None
    bill = Bill()
    try:
        yield bill
    finally:
        if bill.usage is None:
            await accounts.release(auth.account_id, auth.hold)
        else:
            cost = model.cost(bill.usage.input_tokens, bill.usage.output_tokens)
            usage = Usage(
                model=model.name,
                input_tokens=bill.usage.input_tokens,
                output_tokens=bill.usage.output_tokens,
                request_id=request_id,
            )
            await accounts.settle(auth.account_id, auth.hold, cost, usage)
            logger.debug(
                "request %s: user %s charged %d units for %s",
                request_id,
                auth.account_id,
                cost,
                model.name,
            )
