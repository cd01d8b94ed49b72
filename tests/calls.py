"""Finished calls made directly in storage, for tests of what is read from the usage records."""

from __future__ import annotations

from storage.accounts import AccountStore
from storage.models import CallRecord, Settlement


def call_record(
    account_id: int,
    cost: int,
    *,
    model: str = "echo-1",
    provider: str = "echo",
    status: int = 200,
    held: int = 0,
    request_id: str | None = None,
) -> CallRecord:
    """A chat call of one input and one output unit, charged `cost` (nothing held unless
    `held`: the charge is what these tests read)."""
    return CallRecord(
        request_id=request_id or f"r-{model}-{cost}",
        account_id=account_id,
        endpoint="/v1/chat/completions",
        provider=provider,
        model=model,
        status=status,
        input_units=1,
        output_units=1,
        cost=cost,
        held=held,
        latency_ms=5,
    )


async def record_call(
    accounts: AccountStore,
    account_id: int,
    cost: int,
    *,
    model: str = "echo-1",
    provider: str = "echo",
    status: int = 200,
    request_id: str | None = None,
) -> Settlement:
    """Finish one call in storage, as the API's billing does at the end of a call."""
    record = call_record(
        account_id, cost, model=model, provider=provider, status=status, request_id=request_id
    )
    return await accounts.finish_call(record)
