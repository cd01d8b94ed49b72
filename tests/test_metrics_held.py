"""Holds open and money held, read from storage when scraped, on each database."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient

from tests.conftest import ApiHarness
from tests.metrics_harness import Measured, open_measured

pytestmark = pytest.mark.both_databases  # PostgreSQL reads hold rows, SQLite account totals

STREAM: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}


@pytest.fixture
async def measured(
    api: ApiHarness, provider_urls: dict[str, str], aiohttp_client: AiohttpClient
) -> Measured:
    return await open_measured(api, provider_urls, aiohttp_client)


async def test_calls_in_flight_show_as_holds_and_money_held(measured: Measured) -> None:
    api = measured.api
    api.upstream.pause_stream = asyncio.Event()
    key = await api.register()
    async with AsyncExitStack() as stack:
        responses = [
            await stack.enter_async_context(
                measured.client.post("/v1/chat/completions", json={**STREAM, "key": key})
            )
            for _ in range(2)  # two calls of one account, both paused mid-stream
        ]
        for response in responses:
            assert b'"content"' in await response.content.readany()
        during = await measured.scrape()
        api.upstream.pause_stream.set()
        for response in responses:
            await response.read()
    held = sum(int(response.headers["X-Myapi-Held-Units"]) for response in responses)
    await api.settled_calls(2)
    after = await measured.scrape()
    per_hold = 1 if api.database_url.startswith("sqlite") else 2  # see HeldMoney
    assert during.value("myapi_held_units") == held > 0
    assert during.value("myapi_holds_open") == per_hold
    assert (after.value("myapi_held_units"), after.value("myapi_holds_open")) == (0, 0)
