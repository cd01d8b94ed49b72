"""Built-in tools the operator prices in the catalog (`<tool>_per_1k`): a tool the list
prices do not price is served, a listed price is overridden, both are billed at the
operator's price, shown in /v1/models, and the catalog's `default_max_tool_calls` bounds
the response; a background response's calls are billed when it is settled."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import Catalog, parse_catalog
from providers.responses_holds import max_input_tokens
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import account_state
from tests.sdk_clients import sdk
from tests.source_prices import source_units

CATALOG_TEXT = """
default_max_tool_calls = 2

[models."gpt-5"]
provider = "openai"
max_output_tokens = 128000
context_window = 400000
web_search_per_1k = "25"
code_interpreter_per_1k = "30"
"""
CREDIT = 10**7
TOOLS: list[Any] = [{"type": "web_search"}, {"type": "code_interpreter", "container": "cntr_1"}]
TOKENS = TokenUsage(900, 300)
#: The operator's prices, per call: $25 and $30 per 1000.
WEB_SEARCH, CODE_INTERPRETER = 25_000, 30_000


@pytest.fixture
def catalog() -> Catalog:
    return parse_catalog(CATALOG_TEXT)


@pytest.fixture(autouse=True)
def calling_fake(api: ApiHarness) -> None:
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = TOKENS.input_tokens, TOKENS.output_tokens
    fake.responses.tool_calls = ["code_interpreter", "web_search", "web_search"]


def tokens_cost(api: ApiHarness) -> int:
    """The tokens at genai-prices' own list price (the catalog overrides tools only)."""
    return source_units(api.context.registry.catalog.get("gpt-5"), TOKENS)


async def test_the_operators_tools_are_billed_at_the_operators_prices(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        response = await client.responses.create(model="gpt-5", input="Plot it", tools=TOOLS)
    assert [item.type for item in response.output][:3] == [
        "code_interpreter_call",
        "web_search_call",
        "web_search_call",
    ]
    cost = tokens_cost(api) + CODE_INTERPRETER + 2 * WEB_SEARCH
    [row] = await api.settled_calls()
    assert (row["code_interpreter_calls"], row["web_search_calls"], row["cost"]) == (1, 2, cost)
    assert await account_state(api) == (CREDIT - cost, 0, 0)


async def test_the_catalogs_default_bound_is_sent_and_held(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.responses.create(model="gpt-5", input="Plot it", tools=TOOLS)
    [sent] = api.upstream.requests
    assert sent.body["max_tool_calls"] == 2
    [row] = await api.settled_calls()
    # Two more passes over the window, the output bound, two calls at the dearest price.
    model = api.context.registry.catalog.get("gpt-5")
    first = max_input_tokens(sent.body, model)
    tokens = model.cost(first + 2 * model.context_window, model.max_output_tokens)
    assert row["held"] == tokens + 2 * CODE_INTERPRETER


async def test_the_models_list_shows_the_tool_prices(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response = await api.client.get("/v1/models/gpt-5", headers={"Authorization": f"Bearer {key}"})
    pricing = (await response.json())["pricing"]
    assert (pricing["web_search_per_1k"], pricing["code_interpreter_per_1k"]) == ("25", "30")
    assert pricing["file_search_per_1k"] == "2.5"
    assert "catalog: code_interpreter_per_1k, web_search_per_1k" in pricing["source"]


async def test_a_background_responses_calls_are_billed_when_it_is_settled(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        started = await client.responses.create(
            model="gpt-5", input="Plot it", tools=TOOLS, background=True
        )
        api.upstream.responses.finish(started.id)
        done = await client.responses.retrieve(started.id)
    assert done.status == "completed"
    cost = tokens_cost(api) + CODE_INTERPRETER + 2 * WEB_SEARCH
    settled = await api.storage.database.fetch_one(
        "SELECT code_interpreter_calls, web_search_calls, cost FROM calls WHERE held > 0"
    )
    assert settled is not None
    assert tuple(settled.values()) == (1, 2, cost)
    assert await account_state(api) == (CREDIT - cost, 0, 0)
