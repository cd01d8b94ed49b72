"""OpenAI's built-in tools, the pure rules: which request tools they are, how a response's
calls are counted, what each call costs (genai-prices', or the operator's price), which are
refused, and the hold that bounds a response that calls them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.builtin_tools import (
    FILE_SEARCH,
    SHELL,
    WEB_SEARCH,
    builtin_tool,
    requested_tools,
    tool_calls,
)
from providers.catalog import DEFAULT_MAX_TOOL_CALLS, load_catalog, parse_catalog
from providers.errors import CatalogError, UnboundedRequestError
from providers.responses_holds import (
    hold_for_response,
    max_input_tokens,
    max_output_tokens,
    with_tool_call_bound,
)
from providers.unpriced_responses import openai_responses
from providers.usage import TokenUsage
from tests.source_prices import source_units

CATALOG = load_catalog()
GPT_5 = CATALOG.get("gpt-5")
HELLO: dict[str, Any] = {"model": "gpt-5", "input": "What is the weather?"}
#: genai-prices' price of one web search on OpenAI's models ($10 per 1000), in minor units.
WEB_SEARCH_UNITS = source_units(GPT_5, TokenUsage(0, 0, web_search_calls=1))

OPERATOR_CATALOG = """
default_max_tool_calls = 2

[models."gpt-5"]
provider = "openai"
max_output_tokens = 128000
context_window = 400000
web_search_per_1k = "25"
code_interpreter_per_1k = "30.5"
"""


# --- which tools, and their calls --------------------------------------------------------


@pytest.mark.parametrize("kind", ["web_search", "web_search_2025_08_26"])
def test_each_dated_web_search_is_the_one_web_search(kind: str) -> None:
    assert builtin_tool({"type": kind}) is WEB_SEARCH


@pytest.mark.parametrize("kind", ["web_search_preview", "web_search_preview_2025_03_11"])
def test_the_preview_search_is_refused_not_priced_as_web_search(kind: str) -> None:
    """OpenAI bills the preview at $25 per 1000 calls on non-reasoning models, a price the
    source does not list: priced as `web_search` it would be sold below cost."""
    assert builtin_tool({"type": kind}) is not WEB_SEARCH
    body = {"tools": [{"type": "function", "name": "f"}, {"type": kind}]}
    refused = openai_responses(body, GPT_5)
    assert refused is not None
    assert refused.param == "tools[1].type"
    assert '"web_search"' in refused.message


@pytest.mark.parametrize(
    ("tool", "built_in"),
    [
        ({"type": "shell"}, False),
        ({"type": "shell", "environment": {"type": "local"}}, False),
        ({"type": "shell", "environment": {"type": "container_auto"}}, True),
        ({"type": "function", "name": "f"}, False),
        ({"type": "web_search_pro"}, False),
    ],
)
def test_only_a_hosted_shell_is_a_built_in_tool(tool: dict[str, Any], built_in: bool) -> None:
    assert (builtin_tool(tool) is not None) is built_in


def test_a_tool_given_twice_is_requested_once() -> None:
    body = {"tools": [{"type": "web_search"}, {"type": "web_search_2025_08_26"}, "junk"]}
    assert requested_tools(body) == (WEB_SEARCH,)


def test_calls_are_counted_from_the_output_items_whatever_their_status() -> None:
    response = {
        "output": [
            {"type": "web_search_call", "status": "completed"},
            {"type": "web_search_call", "status": "failed"},
            {"type": "file_search_call", "status": "completed"},
            {"type": "shell_call", "environment": {"type": "container_reference"}},
            {"type": "shell_call", "environment": {"type": "local"}},
            {"type": "shell_call"},
            {"type": "mcp_list_tools"},
            {"type": "function_call", "name": "f"},
            {"type": "message", "content": []},
        ]
    }
    assert tool_calls(response) == {
        "web_search_calls": 2,
        "file_search_calls": 1,
        "shell_calls": 2,  # a call that does not say it ran locally is counted
    }
    assert tool_calls({"output": None}) == tool_calls("not a response") == {}


# --- prices ------------------------------------------------------------------------------


def test_searches_have_genai_prices_list_price_per_call() -> None:
    assert WEB_SEARCH_UNITS == 10_000
    assert source_units(GPT_5, TokenUsage(0, 0, file_search_calls=4)) == 10_000
    assert GPT_5.cost_of(TokenUsage(0, 0, web_search_calls=3, file_search_calls=4)) == 40_000
    prices = GPT_5.prices()
    assert (prices["web_search_per_1k"], prices["file_search_per_1k"]) == ("10", "2.5")
    assert "code_interpreter_per_1k" not in prices


def test_the_operators_price_wins_and_prices_a_tool_the_list_does_not() -> None:
    catalog = parse_catalog(OPERATOR_CATALOG)
    model = catalog.get("gpt-5")
    usage = TokenUsage(0, 0, web_search_calls=2, code_interpreter_calls=1)
    assert model.cost_of(usage) == 2 * 25_000 + 30_500
    prices = model.prices()
    assert (prices["web_search_per_1k"], prices["code_interpreter_per_1k"]) == ("25", "30.5")
    assert prices["file_search_per_1k"] == "2.5"  # still the list's
    assert "catalog: code_interpreter_per_1k, web_search_per_1k" in model.price_source()
    assert catalog.default_max_tool_calls == 2
    assert CATALOG.default_max_tool_calls == DEFAULT_MAX_TOOL_CALLS


def test_the_markup_multiplies_tool_prices_too() -> None:
    model = parse_catalog(OPERATOR_CATALOG.replace("default_max", 'markup = "1.5"\ndefault_max'))
    assert model.get("gpt-5").cost_of(TokenUsage(0, 0, web_search_calls=1)) == 37_500


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("default_max_tool_calls = 0", "default_max_tool_calls"),
        ('default_max_tool_calls = "4"', "default_max_tool_calls"),
        ('[models.m]\nprovider = "openai"\ncontext_window = 8\nweb_search_per_1k = 10', "m."),
    ],
)
def test_a_broken_tool_setting_stops_the_load(text: str, fragment: str) -> None:
    models = '\n[models.x]\nprovider = "openai"\ncontext_window = 8\ninput_per_1m = "1"\n'
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(text + (models if "[models" not in text else ""))


# --- refusals ----------------------------------------------------------------------------


def test_a_tool_the_model_has_no_price_for_is_refused_naming_the_catalog_field() -> None:
    body = {**HELLO, "tools": [{"type": "web_search"}, {"type": "code_interpreter"}]}
    found = openai_responses(body, GPT_5)
    assert found is not None
    assert found.param == "tools[1].type"
    assert "the operator has not priced it for gpt-5" in found.message
    assert "code_interpreter_per_1k" in found.message
    assert "web_search, file_search" in found.message  # what gpt-5 does price


def test_an_operator_priced_tool_passes() -> None:
    model = parse_catalog(OPERATOR_CATALOG).get("gpt-5")
    body = {**HELLO, "tools": [{"type": "code_interpreter", "container": {"type": "auto"}}]}
    assert openai_responses(body, model) is None


@pytest.mark.parametrize(
    ("tool", "param"),
    [
        ({"type": "image_generation", "partial_images": 2}, "tools[0].partial_images"),
        ({"type": "image_generation", "output_format": "svg"}, "tools[0].output_format"),
        ({"type": "image_generation", "svg": {"model": "gpt-5"}}, "tools[0].svg"),
        ({"type": "programmatic_tool_calling"}, "tools[0].type"),
    ],
)
def test_what_one_image_price_cannot_cover_is_refused(tool: dict[str, Any], param: str) -> None:
    model = parse_catalog(
        OPERATOR_CATALOG.replace("code_interpreter_per_1k", "image_generation_per_1k")
    ).get("gpt-5")
    found = openai_responses({**HELLO, "tools": [tool]}, model)
    assert found is not None
    assert found.param == param
    assert openai_responses({**HELLO, "tools": [{"type": "image_generation"}]}, model) is None


# --- the hold ----------------------------------------------------------------------------


def test_the_bound_is_sent_only_with_a_built_in_tool_and_none_of_the_clients() -> None:
    searching = {**HELLO, "tools": [{"type": "web_search"}]}
    assert with_tool_call_bound(searching, 4)["max_tool_calls"] == 4
    assert with_tool_call_bound({**searching, "max_tool_calls": 9}, 4)["max_tool_calls"] == 9
    functions = {**HELLO, "tools": [{"type": "function", "name": "f"}]}
    assert with_tool_call_bound(functions, 4) is functions


def test_the_hold_covers_every_pass_and_every_call_at_the_dearest_price() -> None:
    body = {
        **HELLO,
        "tools": [{"type": "file_search"}, {"type": "web_search"}],
        "max_tool_calls": 3,
        "max_output_tokens": 1000,
    }
    first = max_input_tokens(body, GPT_5)
    tokens = GPT_5.cost(first + 3 * GPT_5.context_window, 1000)
    assert hold_for_response(body, GPT_5) == tokens + 3 * WEB_SEARCH_UNITS
    without = {**HELLO, "max_output_tokens": 1000}
    assert hold_for_response(without, GPT_5) == GPT_5.cost(max_input_tokens(without, GPT_5), 1000)


def test_a_built_in_tool_without_a_bound_cannot_be_held() -> None:
    with pytest.raises(UnboundedRequestError) as raised:
        hold_for_response({**HELLO, "tools": [{"type": "web_search"}]}, GPT_5)
    assert raised.value.param == "max_tool_calls"


def test_a_remote_mcp_servers_tools_are_held_as_the_whole_first_window() -> None:
    model = parse_catalog(OPERATOR_CATALOG.replace("code_interpreter", "mcp")).get("gpt-5")
    mcp = {"type": "mcp", "server_label": "x", "server_url": "https://mcp.example"}
    assert max_input_tokens({**HELLO, "tools": [mcp]}, model) == model.context_window


@settings(max_examples=80, deadline=None)
@given(
    calls=st.lists(st.sampled_from(["web_search", "file_search"]), max_size=6),
    bound=st.integers(0, 6),
    prompt=st.integers(1, 30_000),
    output=st.integers(1, 128_000),
    cached=st.integers(0, 30_000),
)
def test_no_usage_within_the_bounds_costs_more_than_the_hold(
    calls: list[str], bound: int, prompt: int, output: int, cached: int
) -> None:
    """At most `max_tool_calls` calls, the first pass within its bound, each further pass
    within the window, the output within `max_output_tokens`: never above the hold."""
    calls = calls[:bound]
    body = {
        **HELLO,
        "input": "x" * prompt,
        "tools": [{"type": "web_search"}, {"type": "file_search"}],
        "max_tool_calls": bound,
        "max_output_tokens": output,
    }
    first = min(max_input_tokens(body, GPT_5), GPT_5.context_window)
    input_tokens = first + len(calls) * GPT_5.context_window
    usage = TokenUsage(
        input_tokens,
        max_output_tokens(body, GPT_5),
        cache_read_tokens=min(cached, input_tokens),
        reasoning_tokens=output // 2,
        web_search_calls=calls.count("web_search"),
        file_search_calls=calls.count(FILE_SEARCH.name),
    )
    assert GPT_5.cost_of(usage) <= hold_for_response(body, GPT_5)


def test_the_shell_tool_is_named_as_the_catalog_names_it() -> None:
    assert (SHELL.catalog_field, WEB_SEARCH.catalog_field) == ("shell_per_1k", "web_search_per_1k")
