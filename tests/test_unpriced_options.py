"""Options whose cost the catalog cannot price are refused before the gate, over the real app.

Each refused option is a 400 in OpenAI's shape naming the field, before anything is held:
the balance is whole, nothing is recorded and no fake provider received anything. Each
neighbour that is billed as tokens (a function tool, `service_tier: "auto"`, Anthropic's
client tools, Gemini's code execution) still reaches the provider.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.ledger import account_state, calls

pytestmark = pytest.mark.fake_providers("anthropic", "gemini")

CREDIT = 10**6
CHAT = "/v1/chat/completions"
MESSAGES = "/anthropic/v1/messages"
GEMINI = "/google/v1beta/models/gemini-2.5-flash:generateContent"
USER = [{"role": "user", "content": "Say hi"}]
CHAT_BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": USER}
OPENROUTER_BODY: dict[str, Any] = {"model": "openrouter:openai/gpt-4o-mini", "messages": USER}
MESSAGES_BODY: dict[str, Any] = {
    "model": "claude-3-5-haiku-latest",
    "max_tokens": 64,
    "messages": USER,
}
GEMINI_BODY: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": "Say hi"}]}]}
FUNCTION = {"type": "function", "function": {"name": "f", "parameters": {}}}


async def refused(
    api: ApiHarness, path: str, body: dict[str, Any], param: str, *fakes: Any
) -> str:
    """Send with a fresh account; check the 400 and that nothing moved; the message."""
    key = await api.register()
    response = await api.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    error = (await response.json())["error"]
    assert (response.status, error["type"], error["param"]) == (
        400,
        "invalid_request_error",
        param,
    )
    assert "not priced by this service" in error["message"]
    assert error["code"] == "option_not_priced"
    assert await account_state(api) == (CREDIT, 0, 0)
    assert await calls(api) == []
    assert api.upstream.requests == []
    for fake in fakes:
        assert fake.requests == []
    return str(error["message"])


async def passes(api: ApiHarness, path: str, body: dict[str, Any]) -> None:
    key = await api.register()
    response = await api.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, await response.text()
    assert await api.balance() < CREDIT


# --- OpenAI-style chat ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "param", "instead"),
    [
        ({"service_tier": "priority"}, "service_tier", '"default"'),
        ({"service_tier": "flex"}, "service_tier", '"default"'),
        ({"service_tier": "scale"}, "service_tier", '"auto"'),
        ({"web_search_options": {}}, "web_search_options", "leave `web_search_options` out"),
        ({"tools": [FUNCTION, {"type": "web_search"}]}, "tools[1].type", "function"),
    ],
)
async def test_an_unpriced_chat_option_is_refused_before_the_gate(
    api: ApiHarness, change: dict[str, Any], param: str, instead: str
) -> None:
    message = await refused(api, CHAT, {**CHAT_BODY, **change}, param)
    assert instead in message


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"plugins": [{"id": "web"}]}, "plugins"),
        ({"models": ["anthropic/claude-3.5-sonnet"]}, "models"),
        ({"web_search_options": {"search_context_size": "low"}}, "web_search_options"),
    ],
)
async def test_an_openrouter_routing_or_search_option_is_refused(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    await refused(api, CHAT, {**OPENROUTER_BODY, **change}, param)


async def test_a_streamed_chat_with_an_unpriced_option_is_refused_too(api: ApiHarness) -> None:
    body = {**CHAT_BODY, "stream": True, "service_tier": "priority"}
    await refused(api, CHAT, body, "service_tier")


@pytest.mark.parametrize(
    "change",
    [
        {"service_tier": "auto"},
        {"service_tier": "default"},
        {"tools": [FUNCTION], "tool_choice": "auto"},
        {"plugins": [], "models": []},
    ],
)
async def test_a_priced_chat_neighbour_still_passes(
    api: ApiHarness, change: dict[str, Any]
) -> None:
    await passes(api, CHAT, {**CHAT_BODY, **change})
    [received] = api.upstream.requests
    assert {name: received.body[name] for name in change} == change


# --- Anthropic messages --------------------------------------------------------------------

WEB_SEARCH = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
#: A model genai-prices has no search price for: its web search is not priced.
UNSEARCHED = "claude-3-haiku-20240307"


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"model": UNSEARCHED, "tools": [WEB_SEARCH]}, "tools[0].type"),
        ({"tools": [{"type": "web_search_20260209", "name": "web_search"}]}, "tools[0].type"),
        ({"tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}]}, "tools[0].type"),
        (
            {"tools": [{"name": "f", "input_schema": {}}, {"type": "code_execution_20250825"}]},
            "tools[1].type",
        ),
        (
            {"mcp_servers": [{"type": "url", "url": "https://mcp.example", "name": "x"}]},
            "mcp_servers",
        ),
    ],
)
async def test_an_anthropic_server_tool_is_refused_before_the_gate(
    api: ApiHarness, fake_anthropic: FakeAnthropic, change: dict[str, Any], param: str
) -> None:
    await refused(api, MESSAGES, {**MESSAGES_BODY, **change}, param, fake_anthropic)


@pytest.mark.parametrize(
    "tool",
    [
        {"name": "get_weather", "input_schema": {"type": "object"}},
        {"type": "custom", "name": "f", "input_schema": {"type": "object"}},
        {"type": "computer_20250124", "name": "computer", "display_width_px": 1024},
        {"type": "bash_20250124", "name": "bash"},
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
    ],
)
async def test_an_anthropic_client_tool_still_passes(
    api: ApiHarness, fake_anthropic: FakeAnthropic, tool: dict[str, Any]
) -> None:
    await passes(api, MESSAGES, {**MESSAGES_BODY, "tools": [tool]})
    [received] = fake_anthropic.requests
    assert received.body["tools"] == [tool]


# --- Gemini --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tools", "param"),
    [
        ([{"googleSearch": {}}], "tools[0].googleSearch"),
        ([{"google_search": {}}], "tools[0].google_search"),
        ([{"googleSearchRetrieval": {}}], "tools[0].googleSearchRetrieval"),
        (
            [{"codeExecution": {}}, {"google_search_retrieval": {}}],
            "tools[1].google_search_retrieval",
        ),
        ([{"googleMaps": {}}], "tools[0].googleMaps"),
        ([{"google_maps": {"enable_widget": True}}], "tools[0].google_maps"),
    ],
)
async def test_gemini_grounding_is_refused_before_the_gate(
    api: ApiHarness, fake_gemini: FakeGemini, tools: list[dict[str, Any]], param: str
) -> None:
    message = await refused(api, GEMINI, {**GEMINI_BODY, "tools": tools}, param, fake_gemini)
    assert "functionDeclarations" in message


@pytest.mark.parametrize(
    "tools",
    [
        [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT"}}]}],
        [{"function_declarations": [{"name": "f"}]}],
        [{"codeExecution": {}}],
        [{"code_execution": {}}, {"urlContext": {}}],
    ],
)
async def test_gemini_tools_billed_as_tokens_still_pass(
    api: ApiHarness, fake_gemini: FakeGemini, tools: list[dict[str, Any]]
) -> None:
    await passes(api, GEMINI, {**GEMINI_BODY, "tools": tools})
    [received] = fake_gemini.requests
    assert received.body["tools"] == tools


async def test_gemini_streaming_with_search_grounding_is_refused_too(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    path = GEMINI.replace(":generateContent", ":streamGenerateContent") + "?alt=sse"
    body = {**GEMINI_BODY, "tools": [{"googleSearch": {}}]}
    await refused(api, path, body, "tools[0].googleSearch", fake_gemini)
