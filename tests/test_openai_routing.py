"""`provider:model` chat reaches each provider's OpenAI-compatible endpoint, body intact.

Each provider's base URL here mirrors its real convention (Groq's `/openai/v1`, Qwen's
`/compatible-mode/v1`, OpenRouter's `/api/v1`; Gemini and Anthropic are configured by host,
the gateway adds `/v1beta/openai` and `/v1`), all served by the one fake upstream, which
records the path each call arrived at.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.registry import PROVIDER_NAMES
from tests.conftest import OPERATOR_KEY, ApiHarness

BASE_PATHS = {
    "groq": "/openai/v1",
    "qwen": "/compatible-mode/v1",
    "openrouter": "/api/v1",
    "gemini": "",
    "anthropic": "",
}


@pytest.fixture
def provider_urls(upstream_url: str) -> dict[str, str]:
    root = upstream_url.removesuffix("/v1")
    return {name: root + BASE_PATHS.get(name, "/v1") for name in PROVIDER_NAMES}


def chat(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}


@pytest.mark.parametrize(
    ("model", "path", "upstream_model", "provider"),
    [
        (
            "groq:llama-3.1-8b-instant",
            "/openai/v1/chat/completions",
            "llama-3.1-8b-instant",
            "groq",
        ),
        ("qwen:qwen-flash", "/compatible-mode/v1/chat/completions", "qwen-flash", "qwen"),
        (
            "openrouter:meta-llama/llama-3.1-8b-instruct",
            "/api/v1/chat/completions",
            "meta-llama/llama-3.1-8b-instruct",
            "openrouter",
        ),
        (
            "gemini:gemini-1.5-flash",
            "/v1beta/openai/chat/completions",
            "gemini-1.5-flash",
            "gemini",
        ),
        ("gemini-1.5-flash", "/v1beta/openai/chat/completions", "gemini-1.5-flash", "gemini"),
        (
            "anthropic:claude-3-5-haiku-latest",
            "/v1/chat/completions",
            "claude-3-5-haiku-latest",
            "anthropic",
        ),
    ],
)
async def test_a_provider_model_reaches_its_providers_path_by_its_upstream_name(
    api: ApiHarness, model: str, path: str, upstream_model: str, provider: str
) -> None:
    key = await api.register()
    response = await api.client.post(
        "/v1/chat/completions", json=chat(model), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 200
    [received] = api.upstream.requests
    assert (received.path, received.body["model"]) == (path, upstream_model)
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    row = await api.storage.database.fetch_one("SELECT provider, model, cost FROM calls")
    assert row is not None
    assert (row["provider"], row["cost"] > 0) == (provider, True)


async def test_a_streamed_provider_model_goes_the_same_way(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(
        "/openai/v1/chat/completions",
        json=chat("groq:llama-3.1-8b-instant", stream=True, key=key),
    )
    assert (await response.text()).endswith("data: [DONE]\n\n")
    [received] = api.upstream.requests
    assert (received.path, received.body["stream"]) == ("/openai/v1/chat/completions", True)


VISION_MESSAGES: list[dict[str, Any]] = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in these pictures?"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {
                "type": "image_url",
                "image_url": {
                    "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==",
                    "detail": "low",
                },
            },
        ],
    }
]


@pytest.mark.parametrize("model", ["gpt-4o", "qwen:qwen3-vl-plus", "gemini-2.5-flash"])
async def test_vision_content_parts_pass_through_untouched(api: ApiHarness, model: str) -> None:
    key = await api.register()
    body = {"model": model, "messages": VISION_MESSAGES, "max_tokens": 100}
    response = await api.client.post("/v1/chat/completions", json={**body, "key": key})
    assert response.status == 200
    [received] = api.upstream.requests
    assert received.body["messages"] == VISION_MESSAGES
    assert received.body["max_tokens"] == 100


async def test_tools_and_tool_turns_pass_through_untouched(api: ApiHarness) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "The weather in a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
                "strict": True,
            },
        }
    ]
    messages = [
        {"role": "user", "content": "Weather in Tehran?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Tehran"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 31}'},
    ]
    body = {
        "model": "groq:llama-3.3-70b-versatile",
        "messages": messages,
        "tools": tools,
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": False,
    }
    key = await api.register()
    await api.client.post("/v1/chat/completions", json={**body, "key": key})
    [received] = api.upstream.requests
    assert received.body == {**body, "model": "llama-3.3-70b-versatile"}
