"""OpenAI's built-in tools on the Responses API, through the service with the official
`openai` package: each call billed at its price beside the tokens (genai-prices' own
figure, compared, not recomputed), recorded with the call, the response bounded by a
`max_tool_calls` the service sends when the client sent none, and a tool without a price
refused before anything is held or sent."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from providers.catalog import DEFAULT_MAX_TOOL_CALLS, load_catalog
from providers.responses_holds import max_input_tokens, max_output_tokens
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import account_state, table_snapshot
from tests.sdk_clients import sdk
from tests.source_prices import source_units

pytestmark = pytest.mark.both_databases

CREDIT = 10**7
GPT_5 = load_catalog().get("gpt-5")
TOOLS: list[Any] = [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}]
#: What the fake reports: its tokens, and two web searches and a file search before its text.
CALLS = ["web_search", "file_search", "web_search"]
USAGE = TokenUsage(
    1500, 700, cache_read_tokens=300, reasoning_tokens=400, web_search_calls=2, file_search_calls=1
)
#: genai-prices' own price of that usage: tokens, 2 x $10/1k and 1 x $2.5/1k.
COST = source_units(GPT_5, USAGE)
COUNTS = "SELECT web_search_calls, file_search_calls, code_interpreter_calls, cost FROM calls"


@pytest.fixture(autouse=True)
def searching_fake(api: ApiHarness) -> None:
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = USAGE.input_tokens, USAGE.output_tokens
    fake.responses.cached_tokens = USAGE.cache_read_tokens
    fake.responses.reasoning_tokens = USAGE.reasoning_tokens
    fake.responses.tool_calls = list(CALLS)


async def recorded(api: ApiHarness) -> tuple[int, ...]:
    [row] = await api.settled_calls()
    assert row["status"] == 200
    found = await api.storage.database.fetch_one(COUNTS)
    assert found is not None
    return tuple(found.values())


async def test_a_response_that_searched_is_billed_each_call_beside_its_tokens(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        response = await client.responses.create(model="gpt-5", input="Weather?", tools=TOOLS)
    kinds = [item.type for item in response.output]
    assert kinds == ["web_search_call", "file_search_call", "web_search_call", "message"]
    tokens_only = USAGE._replace(web_search_calls=0, file_search_calls=0)
    assert source_units(GPT_5, tokens_only) + 2 * 10_000 + 2_500 == COST
    assert await recorded(api) == (2, 1, 0, COST)
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_a_streamed_response_is_billed_the_calls_its_final_event_shows(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.responses.create(
            model="gpt-5", input="Weather?", tools=TOOLS, stream=True
        )
        kinds = [event.type async for event in stream]
    assert "response.web_search_call.searching" in kinds
    assert "response.file_search_call.completed" in kinds
    assert kinds[-1] == "response.completed"
    assert await recorded(api) == (2, 1, 0, COST)
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_a_stream_cut_after_its_searches_is_billed_for_them(api: ApiHarness) -> None:
    api.upstream.cut_stream_after = 1
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.responses.create(
            model="gpt-5", input="Weather?", tools=TOOLS, stream=True
        )
        with pytest.raises(openai.APIError):
            async for _ in stream:
                pass
    [row] = await api.settled_calls()
    assert (row["status"], row["web_search_calls"], row["file_search_calls"]) == (502, 2, 1)
    searches = TokenUsage(0, 0, web_search_calls=2, file_search_calls=1)
    assert source_units(GPT_5, searches) < row["cost"] <= row["held"]


async def test_the_service_bounds_the_tool_calls_the_client_left_unbounded(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        raw = await client.responses.with_raw_response.create(
            model="gpt-5", input="Weather?", tools=TOOLS, max_output_tokens=2000
        )
    [sent] = api.upstream.requests
    assert sent.body["max_tool_calls"] == DEFAULT_MAX_TOOL_CALLS
    assert sent.body["tools"] == TOOLS
    # The hold: the first pass, then one pass over the whole window per call, the output,
    # and every call at the dearest tool's price (a web search: $10 per 1000).
    calls = DEFAULT_MAX_TOOL_CALLS
    first = max_input_tokens(sent.body, GPT_5)
    tokens = GPT_5.cost(first + calls * GPT_5.context_window, 2000)
    search = source_units(GPT_5, TokenUsage(0, 0, web_search_calls=1))
    [row] = await api.settled_calls()
    assert row["held"] == tokens + calls * search
    assert raw.headers["X-Myapi-Cost-Units"] == str(COST)


async def test_the_clients_own_bound_is_sent_as_it_is(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.responses.create(
            model="gpt-5", input="Weather?", tools=TOOLS[:1], max_tool_calls=1
        )
    [sent] = api.upstream.requests
    assert sent.body["max_tool_calls"] == 1
    [row] = await api.settled_calls()
    first, output = max_input_tokens(sent.body, GPT_5), max_output_tokens(sent.body, GPT_5)
    search = source_units(GPT_5, TokenUsage(0, 0, web_search_calls=1))
    assert row["held"] == GPT_5.cost(first + GPT_5.context_window, output) + search


async def test_a_response_without_built_in_tools_is_sent_without_a_bound(api: ApiHarness) -> None:
    api.upstream.responses.tool_calls = []
    function: Any = {"type": "function", "name": "f", "parameters": {}, "strict": False}
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.responses.create(model="gpt-5", input="Hi", tools=[function])
    [sent] = api.upstream.requests
    assert "max_tool_calls" not in sent.body


async def test_a_tool_without_a_price_is_refused_before_anything_is_held(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    before = await table_snapshot(api.storage)
    async with sdk(api, key) as client:
        with pytest.raises(openai.BadRequestError) as refused:
            await client.responses.create(
                model="gpt-5",
                input="Plot this",
                tools=[*TOOLS, {"type": "code_interpreter", "container": {"type": "auto"}}],
            )
    error = refused.value.body
    assert isinstance(error, dict)
    assert (error["param"], error["code"]) == ("tools[2].type", "option_not_priced")
    assert "the operator has not priced it for gpt-5" in error["message"]
    assert "code_interpreter_per_1k" in error["message"]
    assert await table_snapshot(api.storage) == before
    assert api.upstream.requests == []


async def test_a_hold_beyond_the_balance_names_max_tool_calls(api: ApiHarness) -> None:
    """One currency unit pays a short answer, not four more passes over gpt-5's window."""
    key = await api.register(credit=10**6)
    async with sdk(api, key) as client:
        await client.responses.create(model="gpt-5", input="Weather?", max_output_tokens=1000)
        with pytest.raises(openai.APIStatusError) as refused:
            await client.responses.create(
                model="gpt-5", input="Weather?", max_output_tokens=1000, tools=TOOLS
            )
    assert refused.value.status_code == 402
    assert "a lower max_tool_calls" in refused.value.message
    assert len(api.upstream.requests) == 1
