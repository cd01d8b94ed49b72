"""The request path's statements on PostgreSQL run to their end, whoever is cancelled.

A server that cancels a handler when its client leaves (aiohttp's test server does; a
shutdown past its grace period would, were it not kept out of settlements) may cancel it
while its gate or settlement statement is in flight. Cut there, asyncpg abandons the
statement: a settlement would be neither charged nor released, a gate's hold might be
written with nobody left to settle it. So each such statement runs as a task of its own
that the caller waits for to the end, cancelled or not; the cancellation is raised after,
with the statement's effect in the database. (SQLite's statements already run to their
end: see `storage.sqlite_group`.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from storage.database import Executor, Params, Row

T = TypeVar("T")


async def to_the_end(statement: Coroutine[Any, Any, T]) -> T:
    """Await `statement` to its end; a cancellation meanwhile is raised once it ended."""
    running = asyncio.ensure_future(statement)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await asyncio.wait({running})
        raise


class RunToTheEnd:
    """An `Executor` whose statements, once sent, are never cut short by a cancellation."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        return await to_the_end(self._executor.fetch_one(sql, params))

    async def fetch_all(self, sql: str, params: Params | None = None) -> list[Row]:
        return await to_the_end(self._executor.fetch_all(sql, params))

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await to_the_end(self._executor.execute(sql, params))
