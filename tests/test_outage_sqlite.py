"""SQLite that cannot take a write: a file another process keeps locked, and a full disk.

The locked file is a second connection holding the write lock (BEGIN IMMEDIATE) past the
busy timeout, as another process would; the full disk is SQLite's own page limit
(`PRAGMA max_page_count`) set on the service's connections to the pages it already has, so
no real disk fills. Both must answer like PostgreSQL going away: a clean 503 within a second
or two, nothing charged twice, nothing served that is never billed.
"""

from __future__ import annotations

import asyncio

import pytest

from storage import DatabaseTimeouts
from tests.conftest import ApiHarness
from tests.ledger import account_state, table_snapshot
from tests.outages import TIMEOUTS, assert_database_unavailable, chat, kept, sqlite_locked, timed

CREDIT = 10**6
#: More calls than a fresh database's last pages can record before it needs a new page.
MOST_CALLS_TO_FILL = 500


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


async def test_a_locked_file_answers_503_within_the_busy_timeout_and_changes_nothing(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    before = await table_snapshot(api.storage)
    with sqlite_locked(api.database_url):
        call, call_took = await timed(chat(api, key, "locked"))
        health, health_took = await timed(api.client.get("/health"))
    await assert_database_unavailable(call, call_took)
    await assert_database_unavailable(health, health_took)
    assert await table_snapshot(api.storage) == before  # no hold, no strike, no charge
    assert (await chat(api, key, "after")).status == 200
    assert (await api.client.get("/health")).status == 200


async def test_requests_queued_behind_a_locked_file_all_answer_within_the_bound(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    with sqlite_locked(api.database_url):
        answers = await asyncio.gather(*(timed(chat(api, key, f"q{n}")) for n in range(8)))
    for response, took in answers:
        await assert_database_unavailable(response, took)
    assert await account_state(api) == (CREDIT, 0, 0)


async def fill_until_a_settlement_waits(api: ApiHarness, key: str) -> int:
    """Calls until one's settlement finds no room; how many were served before it."""
    for served in range(MOST_CALLS_TO_FILL):
        response = await chat(api, key, f"call-{served}")
        assert response.status == 200  # the gate's UPDATE rewrites its page in place
        if api.context.settlements.waiting:
            assert "X-Myapi-Cost-Units" not in response.headers  # not known yet
            return served
    raise AssertionError(f"{MOST_CALLS_TO_FILL} calls fitted in the pages the file had")


async def test_a_full_disk_keeps_the_settlement_refuses_new_calls_and_recovers(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    database = api.storage.database
    [pages] = await database.fetch_all("PRAGMA page_count")
    await limit_pages(api, pages["page_count"])
    served = await fill_until_a_settlement_waits(api, key)
    refused, took = await timed(chat(api, key, "refused"))
    health, health_took = await timed(api.client.get("/health"))
    await assert_database_unavailable(refused, took)
    await assert_database_unavailable(health, health_took)
    await limit_pages(api, 1073741823)  # room again
    assert (await chat(api, key, "after")).status == 200  # writes the kept one first
    await kept(api, 0)
    rows = await database.fetch_all("SELECT request_id, cost FROM calls ORDER BY id")
    assert [row["request_id"] for row in rows] == [
        *(f"call-{n}" for n in range(served + 1)),
        "after",
    ]
    balance, reserved, strikes = await account_state(api)
    assert balance == CREDIT - sum(row["cost"] for row in rows) == await ledger_sum(api)
    assert (reserved, strikes) == (0, 0)


async def limit_pages(api: ApiHarness, pages: int) -> None:
    """The page limit on both of the service's connections (the request path's statements
    have one of their own), as a full disk would limit every writer."""
    database = api.storage.database
    for connection in {id(database): database, id(database.hot): database.hot}.values():
        await connection.execute(f"PRAGMA max_page_count = {pages}")


async def ledger_sum(api: ApiHarness) -> int:
    row = await api.storage.database.fetch_one("SELECT SUM(amount) AS total FROM ledger")
    assert row is not None
    return int(row["total"])
