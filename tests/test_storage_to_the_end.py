"""On PostgreSQL a request-path statement, once sent, runs to its end even when its caller
is cancelled meanwhile (a server cancelling the handler of a client that left): the
cancellation is raised after, with the statement's effect in the database."""

from __future__ import annotations

import asyncio

import pytest

from storage.database import PostgresDatabase, open_database

SLOW_INSERT = (
    "WITH slept AS (SELECT pg_sleep(0.3)) "
    "INSERT INTO settled (v) SELECT :v FROM slept RETURNING id"
)


async def test_a_cancelled_caller_s_statement_still_commits(postgres_url: str) -> None:
    database = await open_database(postgres_url)
    try:
        assert isinstance(database, PostgresDatabase)
        await database.execute("CREATE TABLE settled (id SERIAL PRIMARY KEY, v TEXT)")
        settling = asyncio.create_task(database.hot.fetch_one(SLOW_INSERT, {"v": "charge"}))
        await asyncio.sleep(0.1)  # the statement is on the server, sleeping
        settling.cancel()
        with pytest.raises(asyncio.CancelledError):
            await settling
        rows = await database.fetch_all("SELECT v FROM settled")
        assert [row["v"] for row in rows] == ["charge"]
    finally:
        await database.close()
