"""The official `openai` package, pointed at the service, works unchanged."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import ApiHarness


def sdk(api: ApiHarness, key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=key, base_url=str(api.client.make_url("/v1")), max_retries=0)


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
