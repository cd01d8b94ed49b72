"""Streaming chat: events relayed as they come, usage billed after the stream ends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.openai_holds import hold_for_chat
from tests.conftest import ApiHarness

pytestmark = pytest.mark.both_databases  # the money rules, over HTTP, on each database

BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}


def events(text: str) -> list[str]:
    return [part.removeprefix("data: ") for part in text.split("\n\n") if part]


async def test_stream_is_relayed_and_billed_from_the_final_usage(api: ApiHarness) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 1000, 2000
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    received = events(await response.text())
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert received[-1] == "[DONE]"
    words = [json.loads(e)["choices"][0]["delta"].get("content", "") for e in received[:-1]]
    assert "".join(words).strip() == api.upstream.reply
    [call] = await api.settled_calls()
    assert call["cost"] == 1350 == 10**6 - await api.balance()


async def test_the_usage_chunk_is_hidden_unless_the_client_asked(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert '"usage"' not in await response.text()
    assert api.upstream.requests[0].body["stream_options"] == {"include_usage": True}


async def test_the_usage_chunk_is_relayed_when_the_client_asked(api: ApiHarness) -> None:
    key = await api.register()
    asked = {**BODY, "key": key, "stream_options": {"include_usage": True}}
    response = await api.client.post("/v1/chat/completions", json=asked)
    final = json.loads(events(await response.text())[-2])
    assert final["usage"]["total_tokens"] == api.upstream.prompt_tokens + 5


async def test_a_stream_refused_upstream_is_an_ordinary_error_and_free(api: ApiHarness) -> None:
    api.upstream.fail_status = 500
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 502
    assert (await response.json())["error"]["type"] == "upstream_error"
    assert await api.balance() == 10**6


async def test_a_stream_announces_what_it_holds(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    await response.read()
    hold = hold_for_chat(BODY, load_catalog().get("gpt-4o-mini"))
    assert response.headers["X-Myapi-Held-Units"] == str(hold)
    [call] = await api.settled_calls()
    assert call["held"] == hold
