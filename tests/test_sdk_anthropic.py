"""The official `anthropic` package, pointed at the service, works unchanged."""

from __future__ import annotations

import anthropic
import pytest
from anthropic.types import MessageParam

from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.anthropic import FakeAnthropic

MODEL = "claude-opus-4-1"  # one the SDK does not warn about as deprecated
HI: list[MessageParam] = [{"role": "user", "content": "hi"}]
CREDIT = 10**6
# the fake's 25 input and 9 output tokens at 15.00 and 75.00 USD per 1M tokens
COST = 1050

pytestmark = pytest.mark.fake_providers("anthropic")


def sdk(api: ApiHarness, key: str) -> anthropic.AsyncAnthropic:
    base_url = str(api.client.make_url("/anthropic"))
    return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=0)


async def test_messages_create_through_the_sdk(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        message = await client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert message.content[0].type == "text"
    assert message.content[0].text == fake_anthropic.reply
    assert (message.usage.input_tokens, message.usage.output_tokens) == (25, 9)
    assert fake_anthropic.requests[0].headers["x-api-key"] == OPERATOR_KEY
    assert await api.balance() == CREDIT - COST


async def test_messages_stream_through_the_sdk(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with (
        sdk(api, key) as client,
        client.messages.stream(model=MODEL, max_tokens=64, messages=HI) as stream,
    ):
        text = "".join([piece async for piece in stream.text_stream])
        final = await stream.get_final_message()
    assert text == fake_anthropic.reply
    assert final.content[0].type == "text"
    assert final.content[0].text == fake_anthropic.reply
    assert final.usage.output_tokens == 9


async def test_create_with_stream_true_through_the_sdk(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.messages.create(model=MODEL, max_tokens=64, messages=HI, stream=True)
        kinds, pieces = [], []
        async for event in stream:
            kinds.append(event.type)
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                pieces.append(event.delta.text)
    assert "".join(pieces) == fake_anthropic.reply
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]


async def test_a_wrong_key_raises_the_sdks_authentication_error(api: ApiHarness) -> None:
    await api.register(credit=CREDIT)
    async with sdk(api, "myapi-wrong") as client:
        with pytest.raises(anthropic.AuthenticationError):
            await client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert await api.balance() == CREDIT


async def test_an_unknown_model_raises_the_sdks_not_found_error(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.create(model="claude-9", max_tokens=64, messages=HI)
    assert await api.balance() == CREDIT


async def test_a_provider_400_raises_the_sdks_bad_request_with_its_message(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fail_status = 400
    fake_anthropic.fail_message = "messages.0.content: field required"
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        with pytest.raises(anthropic.BadRequestError) as raised:
            await client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert "messages.0.content: field required" in str(raised.value)
    assert await api.balance() == CREDIT


async def test_a_provider_failure_raises_the_sdks_server_error(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fail_status = 500
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        with pytest.raises(anthropic.InternalServerError) as raised:
            await client.messages.create(model=MODEL, max_tokens=64, messages=HI)
    assert raised.value.status_code == 502
    assert await api.balance() == CREDIT


async def test_a_stream_cut_mid_way_raises_in_the_sdk(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.cut_after = 2
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        with pytest.raises(anthropic.APIStatusError) as raised:
            async with client.messages.stream(model=MODEL, max_tokens=64, messages=HI) as stream:
                await stream.get_final_message()
    assert "broke off" in str(raised.value)
