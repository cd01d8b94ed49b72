"""The pure rules of `providers.unpriced`: which options are refused, and which pass."""

from __future__ import annotations

from typing import Any

import pytest

from providers import unpriced
from providers.catalog import load_catalog

USER = [{"role": "user", "content": "hi"}]
CLAUDE = load_catalog().get("claude-3-5-haiku-latest")


def test_an_openrouter_online_variant_is_refused_by_its_model() -> None:
    found = unpriced.openai_chat({"messages": USER}, "openai/gpt-4o-mini:online")
    assert found is not None
    assert found.param == "model"
    assert "without `:online`" in found.message


@pytest.mark.parametrize(
    "body",
    [
        {"messages": USER},
        {"messages": USER, "service_tier": None, "web_search_options": None},
        {"messages": USER, "plugins": [], "models": None},
        {"messages": USER, "tools": [{"type": "custom", "custom": {"name": "g"}}]},
        {"messages": USER, "tools": "not a list: the provider answers that"},
    ],
)
def test_a_chat_without_extra_costs_passes(body: dict[str, Any]) -> None:
    assert unpriced.openai_chat(body, "gpt-4o-mini") is None


def test_the_first_unpriced_chat_option_is_the_one_named() -> None:
    body = {"messages": USER, "service_tier": "flex", "plugins": [{"id": "web"}]}
    found = unpriced.openai_chat(body, "gpt-4o-mini")
    assert found is not None
    assert found.param == "service_tier"
    assert found.message.startswith("`service_tier` 'flex' (priced by the provider")


def test_an_anthropic_memory_tool_is_a_client_tool() -> None:
    body = {"tools": [{"type": "memory_20250818", "name": "memory"}], "mcp_servers": []}
    assert unpriced.anthropic_messages(body, CLAUDE) is None


@pytest.mark.parametrize("kind", ["web_search_20260101", "tool_search_tool_regex_20251119"])
def test_an_anthropic_server_tool_not_known_today_is_refused(kind: str) -> None:
    found = unpriced.anthropic_messages({"tools": [{"type": kind, "name": "x"}]}, CLAUDE)
    assert found is not None
    assert found.param == "tools[0].type"


def test_a_gemini_tool_run_on_googles_side_is_refused_even_when_unknown() -> None:
    found = unpriced.gemini_generation({"tools": [{"enterpriseWebSearch": {}}]})
    assert found is not None
    assert found.param == "tools[0].enterpriseWebSearch"
    assert "Google's side" in found.message


def test_gemini_search_grounding_is_named_as_such() -> None:
    found = unpriced.gemini_generation({"tools": [{"googleSearch": {}}]})
    assert found is not None
    assert "Google Search" in found.message


@pytest.mark.parametrize(
    ("body", "param"),
    [({"stream": True}, "stream"), ({"partial_images": 2}, "partial_images")],
)
def test_a_streamed_image_is_refused(body: dict[str, Any], param: str) -> None:
    found = unpriced.openai_image({"prompt": "a cat", **body})
    assert found is not None
    assert found.param == param


def test_an_image_in_one_answer_passes() -> None:
    assert unpriced.openai_image({"prompt": "a cat", "stream": False, "partial_images": 0}) is None
