"""The official `google-genai` package, pointed at the service, works unchanged but for its
base URL and key."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.gemini import FakeGemini
from tests.ledger import account_state, calls

MODEL = load_catalog().get("gemini-1.5-flash")
CREDIT = 10**6

# google-genai subclasses aiohttp's ClientSession for its own transport, which aiohttp
# discourages with a DeprecationWarning; the suite turns warnings into errors. Not ours to fix.
pytestmark = [
    pytest.mark.fake_providers("gemini"),
    pytest.mark.filterwarnings(
        "ignore:Inheritance class AiohttpClientSession from ClientSession is discouraged"
        ":DeprecationWarning"
    ),
]


def sdk(api: ApiHarness, key: str) -> genai.client.AsyncClient:
    """Exactly what a user writes: their key and our base URL, nothing else."""
    options = types.HttpOptions(base_url=str(api.client.make_url("/google")), api_version="v1beta")
    return genai.Client(api_key=key, http_options=options).aio


async def test_generate_content_through_the_sdk(api: ApiHarness, fake_gemini: FakeGemini) -> None:
    fake_gemini.prompt_tokens, fake_gemini.candidates_tokens = 1000, 2000
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        reply = await client.models.generate_content(
            model="gemini-1.5-flash",
            contents="Say hello",
            config=types.GenerateContentConfig(max_output_tokens=100, temperature=0.2),
        )
    assert reply.text == fake_gemini.reply
    assert reply.usage_metadata is not None
    assert reply.usage_metadata.candidates_token_count == 2000
    [received] = fake_gemini.requests
    assert received.path == "/v1beta/models/gemini-1.5-flash:generateContent"
    assert received.headers["x-goog-api-key"] == OPERATOR_KEY
    assert received.body["generationConfig"] == {"maxOutputTokens": 100, "temperature": 0.2}
    assert key not in str(received)
    assert await account_state(api) == (CREDIT - MODEL.cost_of(TokenUsage(1000, 2000)), 0, 0)


async def test_streaming_through_the_sdk(api: ApiHarness, fake_gemini: FakeGemini) -> None:
    fake_gemini.prompt_tokens, fake_gemini.candidates_tokens = 1000, 2000
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.models.generate_content_stream(
            model="gemini-1.5-flash", contents="Say hello"
        )
        texts = [chunk.text async for chunk in stream]
    assert texts == list(fake_gemini.pieces)
    assert fake_gemini.requests[0].query == {"alt": "sse"}
    assert await account_state(api) == (CREDIT - MODEL.cost_of(TokenUsage(1000, 2000)), 0, 0)


async def test_count_tokens_through_the_sdk_is_free(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        counted = await client.models.count_tokens(model="gemini-1.5-flash", contents="Hi")
    assert counted.total_tokens == fake_gemini.counted_tokens
    assert await account_state(api) == (CREDIT, 0, 0)
    [call] = await calls(api)
    assert call["cost"] == 0


async def test_a_broken_stream_raises_the_sdks_own_error(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.cut_stream_after = 1
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.models.generate_content_stream(
            model="gemini-1.5-flash", contents="Say hello"
        )
        with pytest.raises(errors.ServerError) as raised:
            async for _ in stream:
                pass
    assert raised.value.code == 502
    [call] = await calls(api)
    assert call["cost"] > 0  # the first chunk was produced, and is paid for


async def test_the_providers_400_reaches_the_sdk_with_its_message(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.fail_status = 400
    fake_gemini.fail_message = "* GenerateContentRequest.contents: contents is not specified"
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        with pytest.raises(errors.ClientError) as raised:
            await client.models.generate_content(model="gemini-1.5-flash", contents="Hi")
    assert raised.value.code == 400
    assert "contents is not specified" in str(raised.value.message)
    assert await account_state(api) == (CREDIT, 0, 0)


@pytest.mark.parametrize(
    ("key", "model", "code"), [("wrong", "gemini-1.5-flash", 401), (None, "gemini-9-ultra", 404)]
)
async def test_our_own_errors_are_the_sdks_client_errors(
    api: ApiHarness, key: str | None, model: str, code: int
) -> None:
    real_key = await api.register(credit=CREDIT)
    async with sdk(api, key or real_key) as client:
        with pytest.raises(errors.ClientError) as raised:
            await client.models.generate_content(model=model, contents="Hi")
    assert raised.value.code == code
    assert (await account_state(api))[:2] == (CREDIT, 0)


async def test_the_sdks_default_api_version_needs_only_the_base_url(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register(credit=CREDIT)
    options = types.HttpOptions(base_url=str(api.client.make_url("/google")))
    async with genai.Client(api_key=key, http_options=options).aio as client:
        reply = await client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert reply.text == fake_gemini.reply
    # whichever version the SDK defaults to (v1 in google-genai 3.x, v1beta before) is served
    assert fake_gemini.requests[0].path.endswith("/models/gemini-2.5-flash:generateContent")
