"""What the outage tests share: short timeouts, a timed request, the 503 they expect, a
stream held mid-answer at the fake provider (so the database can fail while a call runs),
and an SQLite file locked by another connection."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import ClientResponse

from storage import DatabaseTimeouts
from storage.database import sqlite_path
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape

TIMEOUTS = DatabaseTimeouts(connect=0.5, command=0.5)


@contextmanager
def sqlite_locked(database_url: str) -> Iterator[None]:
    """Another connection holds the file's write lock: to storage the database is away
    (each statement waits out its busy timeout, then is an outage)."""
    other = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


#: "Within a second or two": the longest an answer may take while the database is away.
ANSWER_BOUND = 2.0
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def timed(request: Awaitable[ClientResponse]) -> tuple[ClientResponse, float]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await request
    await response.read()
    return response, loop.time() - started


async def assert_database_unavailable(response: ClientResponse, elapsed: float) -> None:
    assert response.status == 503
    assert elapsed < ANSWER_BOUND
    assert response.headers["Retry-After"] == "5"
    body = await response.json()
    assert_openai_shape(body)
    assert body["error"]["code"] == "database_unavailable"
    assert "database" in body["error"]["message"]


async def chat(api: ApiHarness, key: str, request_id: str, **extra: Any) -> ClientResponse:
    headers = {"Authorization": f"Bearer {key}", "X-Request-Id": request_id}
    return await api.client.post("/v1/chat/completions", json={**BODY, **extra}, headers=headers)


async def kept(api: ApiHarness, count: int = 1) -> None:
    """Until `count` settlements wait (a stream settles after its last byte is sent)."""
    for _ in range(500):
        if api.context.settlements.waiting == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{api.context.settlements.waiting} settlements wait, not {count}")


async def stream_held_upstream(api: ApiHarness, key: str) -> asyncio.Task[bytes]:
    """A stream that has passed the gate and waits, mid-answer, on the fake provider."""
    api.upstream.pause_stream = asyncio.Event()
    seen = len(api.upstream.requests)

    async def read() -> bytes:
        response = await chat(api, key, "cut-off", stream=True)
        assert response.status == 200
        return await response.read()

    task = asyncio.create_task(read())
    for _ in range(500):
        if len(api.upstream.requests) > seen:
            return task
        await asyncio.sleep(0.01)
    raise AssertionError("the stream never reached the provider")
