"""A 402 tells how to need less in the words of the route's own API, and how to top up."""

from __future__ import annotations

from typing import Any

import pytest

from api.gate import how_to_need_less
from tests.conftest import ApiHarness

HELLO = [{"role": "user", "content": "hi"}]
CALLS: list[tuple[str, dict[str, Any], str]] = [
    (
        "/v1/chat/completions",
        {"model": "gpt-4o-mini", "messages": HELLO},
        "max_completion_tokens (or max_tokens)",
    ),
    (
        "/anthropic/v1/messages",
        {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": HELLO},
        "a lower max_tokens",
    ),
    (
        "/google/v1beta/models/gemini-2.5-flash:generateContent",
        {"contents": [{"parts": [{"text": "hi"}]}]},
        "generationConfig.maxOutputTokens",
    ),
]


@pytest.mark.parametrize(("path", "body", "advice"), CALLS)
async def test_a_402_names_the_routes_own_limit(
    api: ApiHarness, path: str, body: dict[str, Any], advice: str
) -> None:
    key = await api.register(credit=0)
    response = await api.client.post(path, json={**body, "username": "alice", "key": key})
    message = (await response.json())["error"]["message"]
    assert response.status == 402
    assert advice in message
    assert "/topup" in message
    assert "4 more failed requests" in message


def test_routes_without_a_token_limit_advise_a_smaller_request() -> None:
    assert how_to_need_less("/v1/images/generations") == "ask for fewer or smaller images"
    assert how_to_need_less("/v1/embeddings") == "send a shorter input"
    assert how_to_need_less("/openai/v1/responses") == (
        "send a lower max_output_tokens (with built-in tools, a lower max_tool_calls)"
    )
