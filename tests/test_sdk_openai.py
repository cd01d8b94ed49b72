"""The official `openai` package, pointed at the service, works unchanged."""

from __future__ import annotations

import openai
import pytest
from openai.types.chat import ChatCompletionContentPartParam

from tests.conftest import ApiHarness
from tests.sdk_clients import sdk


async def test_chat_completion_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert completion.choices[0].message.content == api.upstream.reply
    assert await api.balance() < 10**6


async def test_streaming_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
    assert text.strip() == api.upstream.reply


async def test_sdk_raises_its_own_exceptions_for_our_errors(api: ApiHarness) -> None:
    await api.register()
    async with sdk(api, "myapi-wrong") as client:
        with pytest.raises(openai.AuthenticationError) as raised:
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
    assert raised.value.code == "invalid_api_key"


async def test_unknown_model_is_not_found_for_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        with pytest.raises(openai.NotFoundError):
            await client.chat.completions.create(
                model="nope", messages=[{"role": "user", "content": "hi"}]
            )


async def test_vision_parts_reach_the_provider_untouched_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    parts: list[ChatCompletionContentPartParam] = [
        {"type": "text", "text": "What is in these images?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    async with sdk(api, key) as client:
        await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": parts}]
        )
    assert api.upstream.requests[0].body["messages"][0]["content"] == parts


async def test_streaming_with_include_usage_through_the_sdk_is_billed_exactly(
    api: ApiHarness,
) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 1000, 2000
    key = await api.register()
    async with sdk(api, key) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    usage = chunks[-1].usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens) == (1000, 2000)
    assert await api.balance() == 10**6 - 1350
