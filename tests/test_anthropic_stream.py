"""Streamed `POST /anthropic/v1/messages`: bytes relayed as they come, billed for what was
produced, also when the upstream or the client breaks off.

Billing is written after the response ends, so tests that check the ledger wait for the
call's settlement (a spy on `finish_call`), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp.client import ClientResponse

from providers.anthropic_holds import hold_for_messages
from providers.catalog import load_catalog
from providers.usage import TokenUsage
from storage.models import CallRecord, Settlement
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.source_prices import source_units

PATH = "/anthropic/v1/messages"
BODY: dict[str, Any] = {
    "model": "claude-3-5-haiku-latest",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Say hi"}],
    "stream": True,
}
CREDIT = 10**6
# claude-3-5-haiku-latest at 0.80 and 4.00 USD per 1M tokens: the fake's 25 input tokens
# and two output events cost (25 * 0.80 + 2 * 4.00) / 1M USD = 28 units.
TWO_EVENTS_COST = 28
# The fake's whole usage, 25 input and 9 output tokens: (25 * 0.80 + 9 * 4.00) / 1M USD.
NINE_OUT_COST = 56

pytestmark = pytest.mark.fake_providers("anthropic")


@pytest.fixture
def settled(api: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once the call's usage record is written (hold released, cost charged)."""
    done = asyncio.Event()
    finish_call = api.storage.accounts.finish_call

    async def spy(record: CallRecord) -> Settlement:
        try:
            return await finish_call(record)
        finally:
            done.set()

    monkeypatch.setattr(api.storage.accounts, "finish_call", spy)
    return done


async def read_deltas(response: ClientResponse, count: int) -> None:
    """Read the stream until `count` text deltas have arrived (a relay that held them back
    fails here rather than hanging)."""
    seen = 0
    async with asyncio.timeout(5):
        while seen < count:
            line = await response.content.readline()
            assert line, "the stream ended early"
            seen += line == b"event: content_block_delta\n"


async def the_call(api: ApiHarness, settled: asyncio.Event) -> dict[str, Any]:
    """The one usage record, once written; and no hold may be left behind."""
    await asyncio.wait_for(settled.wait(), timeout=5)
    row = await api.storage.database.fetch_one(
        "SELECT status, input_units, output_units, cost FROM calls"
    )
    assert row is not None
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.reserved == 0
    return dict(row)


async def test_the_client_gets_the_upstreams_bytes_unchanged(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register()
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    haiku = load_catalog().get("claude-3-5-haiku-latest")
    assert response.headers["X-Myapi-Held-Units"] == str(hold_for_messages(BODY, haiku, 256))
    assert await response.read() == bytes(fake_anthropic.sent)
    assert fake_anthropic.requests[0].body["stream"] is True


async def test_a_stream_is_billed_from_message_start_and_the_last_message_delta(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event
) -> None:
    fake_anthropic.input_tokens, fake_anthropic.output_tokens = 500, 2000
    fake_anthropic.cache_read_input_tokens = 500
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    await response.read()
    call = await the_call(api, settled)
    usage = TokenUsage(1000, 2000, cache_read_tokens=500)
    cost = source_units(load_catalog().get(BODY["model"]), usage)  # reads at their own price
    assert call == {"status": 200, "input_units": 1000, "output_units": 2000, "cost": cost}
    assert await api.balance() == CREDIT - cost


async def test_events_reach_the_client_before_the_upstream_finishes(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.pause_after = 2
    key = await api.register()
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    await read_deltas(response, 2)  # the upstream is still waiting for `resume`
    assert not fake_anthropic.resume.is_set()
    fake_anthropic.resume.set()
    rest = await response.read()
    assert rest.endswith(b'event: message_stop\ndata: {"type": "message_stop"}\n\n')


async def test_a_stream_cut_by_the_upstream_is_billed_for_what_it_produced(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event
) -> None:
    fake_anthropic.pause_after = fake_anthropic.cut_after = 2
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    await read_deltas(response, 2)
    fake_anthropic.resume.set()
    *_, last = (await response.text()).strip().split("\n\n")
    name, data = last.split("\n")
    assert name == "event: error"
    assert json.loads(data.removeprefix("data: "))["error"]["type"] == "api_error"
    call = await the_call(api, settled)
    assert call == {"status": 502, "input_units": 25, "output_units": 2, "cost": TWO_EVENTS_COST}
    assert await api.balance() == CREDIT - TWO_EVENTS_COST


async def test_a_stream_cut_before_any_output_costs_nothing(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event
) -> None:
    fake_anthropic.cut_after = 0
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    assert b"event: error" in await response.read()
    call = await the_call(api, settled)
    assert call == {"status": 502, "input_units": 0, "output_units": 0, "cost": 0}
    assert await api.balance() == CREDIT


async def test_a_client_leaving_mid_stream_is_billed_from_the_usage_that_follows(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event
) -> None:
    fake_anthropic.pause_after = 2
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    await read_deltas(response, 2)
    response.close()
    fake_anthropic.resume.set()  # the gateway reads on to the final usage
    call = await the_call(api, settled)
    assert call == {"status": 499, "input_units": 25, "output_units": 9, "cost": NINE_OUT_COST}
    assert await api.balance() == CREDIT - NINE_OUT_COST


async def test_a_refused_stream_is_an_ordinary_error_and_free(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event
) -> None:
    fake_anthropic.fail_status = 500
    key = await api.register(credit=CREDIT)
    response = await api.client.post(PATH, json=BODY, headers={"x-api-key": key})
    assert response.status == 502
    body = await response.json()
    assert (body["type"], body["error"]["type"], body["error"]["code"]) == (
        "error",
        "api_error",
        "upstream_error",
    )
    call = await the_call(api, settled)
    assert call == {"status": 502, "input_units": 0, "output_units": 0, "cost": 0}
    assert await api.balance() == CREDIT


async def test_a_relay_whose_client_left_notices_at_its_next_write_and_reads_on(
    api: ApiHarness, fake_anthropic: FakeAnthropic, settled: asyncio.Event, production_url: str
) -> None:
    fake_anthropic.pause_after = 2
    key = await api.register(credit=CREDIT)
    async with aiohttp.ClientSession(production_url) as session:
        response = await session.post(PATH, json=BODY, headers={"x-api-key": key})
        await read_deltas(response, 2)
        response.close()
        async with session.get("/health") as health:  # the server has seen the close by now
            assert health.status == 200
        fake_anthropic.resume.set()  # the rest, and the usage, after the client left
        call = await the_call(api, settled)
    assert call == {"status": 499, "input_units": 25, "output_units": 9, "cost": NINE_OUT_COST}
    assert await api.balance() == CREDIT - NINE_OUT_COST
