"""The rules around an outage that the end-to-end outage tests do not reach on their own:
which driver errors are outages, a claim refused after the gate, and what a stopping
process says about settlements it could never write."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3

import asyncpg
import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.settlements import PendingSettlements, settlements_context
from storage import DatabaseTimeouts
from storage.database import sqlite_path
from storage.errors import DatabaseUnavailableError
from storage.idempotency import Claim, IdempotencyStore
from storage.outages import outage_reason
from tests.calls import call_record
from tests.conftest import ApiHarness
from tests.ledger import account_state
from tests.outages import TIMEOUTS, assert_database_unavailable, timed


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


def sqlite_error(code: int, message: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


@pytest.mark.parametrize(
    "error",
    [
        sqlite_error(sqlite3.SQLITE_BUSY, "database is locked"),
        sqlite_error(sqlite3.SQLITE_FULL, "database or disk is full"),
        sqlite_error(sqlite3.SQLITE_IOERR | (3 << 8), "disk I/O error"),  # an extended code
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.DiskFullError("could not extend file"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.InterfaceError("connection is closed"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError(),
    ],
    ids=repr,
)
def test_what_says_the_database_is_away_is_an_outage(error: Exception) -> None:
    assert outage_reason(error) is not None


@pytest.mark.parametrize(
    "error",
    [
        sqlite_error(sqlite3.SQLITE_CONSTRAINT, "CHECK constraint failed"),
        sqlite_error(sqlite3.SQLITE_ERROR, "no such table: accounts"),
        asyncpg.UniqueViolationError("duplicate key value"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        ValueError("a bug"),
    ],
    ids=repr,
)
def test_a_wrong_statement_or_a_bug_is_not_an_outage(error: Exception) -> None:
    assert outage_reason(error) is None


class RefusingClaims(IdempotencyStore):
    """The database goes away between the gate and the idempotency claim."""

    async def claim(self, account_id: int, key: str, fingerprint: str) -> Claim:
        raise DatabaseUnavailableError("the link broke after the gate")


async def test_a_claim_refused_after_the_gate_releases_the_hold(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    key = await api.register()
    refusing = RefusingClaims(api.storage.database, api.clock, 3600)
    context = dataclasses.replace(api.context, idempotency=refusing)
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "k-1"}
    response, took = await timed(client.post("/v1/chat/completions", json=body, headers=headers))
    await assert_database_unavailable(response, took)
    assert await account_state(api) == (10**6, 0, 0)  # held, then released at no cost
    assert api.upstream.requests == []
    [call] = await api.storage.database.fetch_all("SELECT status, cost, held FROM calls")
    assert (call["status"], call["cost"]) == (503, 0)


async def test_a_stopping_process_names_each_settlement_it_could_not_write(
    api: ApiHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await api.register()  # account 1, whom the record charges
    pending = PendingSettlements(api.storage.accounts)
    record = dataclasses.replace(
        call_record(1, 700, request_id="never-written"), settle_key="settle-1"
    )
    await pending.keep(record, DatabaseUnavailableError("gone"))
    app = web.Application()
    context = settlements_context(lambda _app: pending, retry_seconds=3600)
    other = sqlite3.connect(sqlite_path(api.database_url), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the database stays unavailable to the last try
        with caplog.at_level(logging.ERROR, logger="api.settlements"):
            entry = context(app)
            await anext(entry)
            with pytest.raises(StopAsyncIteration):
                await anext(entry)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert pending.waiting == 1
    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "never-written" in line
    assert "never settled" in line
    assert await pending.write() == 0  # once it can, it is written (and once only)
    rows = await api.storage.database.fetch_all("SELECT request_id FROM calls")
    assert [row["request_id"] for row in rows] == ["never-written"]
