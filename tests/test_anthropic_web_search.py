"""Anthropic's web search server tool through the service, with the official `anthropic`
package: each search billed at its price beside the tokens (genai-prices' own figure),
recorded with the call, and the searches bounded by a `max_uses` the service sends when the
client sent none."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from anthropic.types import MessageParam

from providers.anthropic_holds import max_input_tokens
from providers.catalog import DEFAULT_MAX_TOOL_CALLS, load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.ledger import account_state
from tests.source_prices import source_units

pytestmark = pytest.mark.fake_providers("anthropic")

MODEL = "claude-sonnet-4-5"
CLAUDE = load_catalog().get(MODEL)
ASK: list[MessageParam] = [{"role": "user", "content": "What is the weather in Tbilisi?"}]
SEARCH: Any = {"type": "web_search_20250305", "name": "web_search"}
CREDIT = 10**7
#: The fake's tokens, and its two searches: genai-prices' price, $10 per 1000 searches.
USAGE = TokenUsage(25, 9, web_search_calls=2)
COST = source_units(CLAUDE, USAGE)


@pytest.fixture(autouse=True)
def searching(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.web_searches = 2


def sdk(api: ApiHarness, key: str) -> anthropic.AsyncAnthropic:
    base_url = str(api.client.make_url("/anthropic"))
    return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=0)


async def the_call(api: ApiHarness) -> tuple[int, int, int]:
    [row] = await api.settled_calls()
    return row["web_search_calls"], row["cost"], row["held"]


async def test_searches_are_billed_beside_the_tokens(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        message = await client.messages.create(
            model=MODEL, max_tokens=500, messages=ASK, tools=[SEARCH]
        )
    assert [block.type for block in message.content][:2] == [
        "server_tool_use",
        "web_search_tool_result",
    ]
    assert source_units(CLAUDE, TokenUsage(25, 9)) + 2 * 10_000 == COST
    searches, cost, _ = await the_call(api)
    assert (searches, cost) == (2, COST)
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_a_stream_is_billed_the_searches_its_last_usage_counts(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with (
        sdk(api, key) as client,
        client.messages.stream(
            model=MODEL, max_tokens=500, messages=ASK, tools=[SEARCH]
        ) as stream,
    ):
        final = await stream.get_final_message()
    assert final.usage.server_tool_use is not None
    assert final.usage.server_tool_use.web_search_requests == 2
    searches, cost, _ = await the_call(api)
    assert (searches, cost) == (2, COST)


async def test_the_service_bounds_the_searches_and_holds_for_each(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.messages.create(model=MODEL, max_tokens=500, messages=ASK, tools=[SEARCH])
    [sent] = fake_anthropic.requests
    assert sent.body["tools"] == [{**SEARCH, "max_uses": DEFAULT_MAX_TOOL_CALLS}]
    uses, window = DEFAULT_MAX_TOOL_CALLS, CLAUDE.context_window
    tokens = CLAUDE.cost(max_input_tokens(sent.body, CLAUDE, window) + uses * window, 500)
    search = source_units(CLAUDE, TokenUsage(0, 0, web_search_calls=1))
    _, _, held = await the_call(api)
    assert held == tokens + uses * search


async def test_the_clients_own_max_uses_is_sent_as_it_is(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    bounded: Any = {**SEARCH, "max_uses": 1}
    async with sdk(api, key) as client:
        await client.messages.create(model=MODEL, max_tokens=500, messages=ASK, tools=[bounded])
    [sent] = fake_anthropic.requests
    assert sent.body["tools"][0]["max_uses"] == 1
