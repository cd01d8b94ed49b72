"""What a finished call left in storage, read the same way by the provider route tests."""

from __future__ import annotations

import asyncio
from typing import Any

from storage import Storage
from tests.conftest import ApiHarness


async def account_state(api: ApiHarness, username: str = "alice") -> tuple[int, int, int]:
    """(balance, reserved, strikes); reserved must be 0 once every call has ended."""
    account = await api.storage.accounts.by_username(username)
    assert account is not None
    return account.balance, account.reserved, account.strikes


async def calls(api: ApiHarness) -> list[dict[str, Any]]:
    """Every usage record, oldest first, with the fields billing decides."""
    rows = await api.storage.database.fetch_all(
        "SELECT endpoint, provider, model, status, input_units, output_units, cost, held "
        "FROM calls ORDER BY id"
    )
    return [dict(row) for row in rows]


async def the_call(api: ApiHarness) -> dict[str, Any]:
    """The one usage record, once a call the client left has finished (polled, never slept
    on: the server goes on with the handler after the client has gone)."""
    for _ in range(500):
        if found := await calls(api):
            [call] = found
            return call
        await asyncio.sleep(0.01)
    raise AssertionError("the call was never finished")


async def table_snapshot(storage: Storage) -> list[tuple[object, ...]]:
    """Every account's money and strikes, then the ledger: equal before and after a request
    that must write nothing."""
    rows = await storage.database.fetch_all(
        "SELECT id, balance, reserved, strikes, locked_until, auth_result FROM accounts "
        "ORDER BY id"
    )
    ledger = await storage.database.fetch_all("SELECT id, amount FROM ledger ORDER BY id")
    return [tuple(row.values()) for row in rows] + [tuple(row.values()) for row in ledger]
