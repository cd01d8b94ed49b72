"""The built-in `echo` model: offline, billed like any model, through the same gate."""

from __future__ import annotations

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from providers.catalog import load_catalog
from providers.echo import echo_events, echo_usage, last_user_text
from providers.usage import TokenUsage
from tests.conftest import ApiHarness

ECHO = load_catalog().get("echo")
MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "first"},
    {"role": "assistant", "content": "ok"},
    {"role": "user", "content": "echo these words back"},
]


def test_the_reply_is_the_last_user_message_and_text_parts_join() -> None:
    assert last_user_text({"messages": MESSAGES}) == "echo these words back"
    parts = [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}]
    assert last_user_text({"messages": [{"role": "user", "content": parts}]}) == "a"


def test_the_stream_ends_with_usage_and_done() -> None:
    events = echo_events({"messages": MESSAGES}, created=1)
    assert events[-1] == b"data: [DONE]\n\n"
    assert b'"usage"' in events[-2]


def sdk(api: ApiHarness, key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=key, base_url=str(api.client.make_url("/v1")), max_retries=0)


async def test_echo_answers_through_the_sdk_and_debits_exactly(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        reply = await client.chat.completions.create(model="echo", messages=MESSAGES)
    assert reply.choices[0].message.content == "echo these words back"
    assert reply.usage is not None
    expected = ECHO.cost_of(TokenUsage(reply.usage.prompt_tokens, reply.usage.completion_tokens))
    assert expected > 0
    assert await api.balance() == 10**6 - expected
    assert api.upstream.requests == []


async def test_echo_streams_through_the_sdk_with_usage(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        stream = await client.chat.completions.create(
            model="echo",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo these words back"
    usage = chunks[-1].usage
    assert usage is not None
    expected = echo_usage({"messages": MESSAGES}, text)
    assert (usage.prompt_tokens, usage.completion_tokens) == (
        expected.input_tokens,
        expected.output_tokens,
    )
    assert await api.balance() == 10**6 - ECHO.cost_of(
        TokenUsage(expected.input_tokens, expected.output_tokens)
    )


async def test_echo_goes_through_the_gate(api: ApiHarness) -> None:
    await api.register()
    async with sdk(api, "myapi-wrong") as client:
        with pytest.raises(openai.AuthenticationError):
            await client.chat.completions.create(model="echo", messages=MESSAGES)


async def test_switched_off_echo_is_503_and_free(api: ApiHarness) -> None:
    key = await api.register()
    del api.context.registry.providers["echo"]
    response = await api.client.post(
        "/v1/chat/completions", json={"model": "echo", "messages": MESSAGES, "key": key}
    )
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "provider_unavailable"
    assert await api.balance() == 10**6
