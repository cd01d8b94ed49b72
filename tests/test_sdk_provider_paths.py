"""The paths the Anthropic and Gemini SDKs call besides generating: their model lists, and
Anthropic's free token count, each through the official package."""

from __future__ import annotations

import anthropic
import pytest
from google import genai
from google.genai import errors, types

from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.ledger import account_state, calls

CREDIT = 10**6
HI: list[anthropic.types.MessageParam] = [{"role": "user", "content": "hi"}]

pytestmark = pytest.mark.filterwarnings(  # google-genai's own transport; see test_sdk_gemini
    "ignore:Inheritance class AiohttpClientSession from ClientSession is discouraged"
    ":DeprecationWarning"
)


def claude(api: ApiHarness, key: str) -> anthropic.AsyncAnthropic:
    base_url = str(api.client.make_url("/anthropic"))
    return anthropic.AsyncAnthropic(api_key=key, base_url=base_url, max_retries=0)


def gemini(api: ApiHarness, key: str) -> genai.client.AsyncClient:
    options = types.HttpOptions(base_url=str(api.client.make_url("/google")), api_version="v1beta")
    return genai.Client(api_key=key, http_options=options).aio


async def test_anthropic_models_list_and_retrieve(api: ApiHarness) -> None:
    key = await api.register()
    async with claude(api, key) as client:
        listed = [model async for model in client.models.list()]
        one = await client.models.retrieve("claude-haiku-4-5")
        with pytest.raises(anthropic.NotFoundError):
            await client.models.retrieve("gpt-4o-mini")  # not Anthropic's
    names = {model.id for model in listed}
    assert "claude-haiku-4-5" in names
    assert not any(name.startswith(("gpt", "gemini")) for name in names)
    assert (one.id, one.max_tokens, one.max_input_tokens) == ("claude-haiku-4-5", 64000, 200000)


@pytest.mark.fake_providers("anthropic")
async def test_anthropic_count_tokens_is_free_and_recorded(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    key = await api.register(credit=0)  # free: it answers at zero balance
    async with claude(api, key) as client:
        counted = await client.messages.count_tokens(model="claude-haiku-4-5", messages=HI)
    assert counted.input_tokens == fake_anthropic.input_tokens
    [sent] = fake_anthropic.requests
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.headers["x-api-key"] == OPERATOR_KEY
    assert "key" not in sent.body
    [call] = await calls(api)
    assert (call["endpoint"], call["cost"], call["input_units"]) == (
        "/anthropic/v1/messages/count_tokens",
        0,
        fake_anthropic.input_tokens,
    )
    assert await account_state(api) == (0, 0, 0)


@pytest.mark.fake_providers("anthropic")
async def test_anthropic_count_tokens_still_checks_the_key(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    await api.register()
    async with claude(api, "wrong-key") as client:
        with pytest.raises(anthropic.AuthenticationError):
            await client.messages.count_tokens(model="claude-haiku-4-5", messages=HI)
    assert fake_anthropic.requests == []


async def test_gemini_models_list_and_get(api: ApiHarness) -> None:
    key = await api.register()
    async with gemini(api, key) as client:
        listed = [model async for model in await client.models.list()]
        one = await client.models.get(model="gemini-2.5-flash")
        with pytest.raises(errors.ClientError) as refused:
            await client.models.get(model="claude-haiku-4-5")
    names = {model.name for model in listed}
    assert "models/gemini-2.5-flash" in names
    assert all(name and name.startswith("models/gemini") for name in names)
    assert one.name == "models/gemini-2.5-flash"
    assert (one.input_token_limit, one.output_token_limit) == (1048576, 65536)
    assert refused.value.code == 404
    assert refused.value.status == "NOT_FOUND"
