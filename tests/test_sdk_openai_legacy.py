"""The official `openai` package's legacy completions, moderations and token-billed speech
work unchanged, billed exactly (moderations at nothing)."""

from __future__ import annotations

from openai.types import ModerationMultiModalInputParam

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.fakes.openai_completions import FLAGGED_WORD
from tests.media_files import wav_bytes
from tests.sdk_clients import sdk
from tests.source_prices import source_units

CATALOG = load_catalog()
#: What the fake reports (FakeUpstream's defaults).
USAGE = TokenUsage(input_tokens=12, output_tokens=5)


async def test_a_completion_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        completion = await client.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=8
        )
    assert completion.choices[0].text == api.upstream.reply
    assert completion.usage is not None
    assert completion.usage.completion_tokens == USAGE.output_tokens
    spent = source_units(CATALOG.get("gpt-3.5-turbo-instruct"), USAGE)
    assert await api.balance() == 10**6 - spent


async def test_a_streamed_completion_through_the_sdk(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        stream = await client.completions.create(
            model="davinci-002",
            prompt=[[1, 2, 3]],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(chunk.choices[0].text for chunk in chunks if chunk.choices)
    assert text == api.upstream.reply
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == USAGE.input_tokens
    [call] = await api.settled_calls()
    assert call["cost"] == source_units(CATALOG.get("davinci-002"), USAGE)
    assert await api.balance() == 10**6 - call["cost"]


async def test_a_moderation_through_the_sdk_is_free(api: ApiHarness) -> None:
    key = await api.register()
    async with sdk(api, key) as client:
        parts: list[ModerationMultiModalInputParam] = [
            {"type": "text", "text": f"I will {FLAGGED_WORD} them"},
            {"type": "image_url", "image_url": {"url": "https://example.test/cat.png"}},
        ]
        moderation = await client.moderations.create(
            model="omni-moderation-2024-09-26", input=parts
        )
        default = await client.moderations.create(input="hello")
    assert [result.flagged for result in moderation.results] == [True, False]
    assert moderation.results[0].categories.violence is True
    assert default.model == "omni-moderation-latest"
    assert await api.balance() == 10**6
    assert [call["cost"] for call in await api.settled_calls(2)] == [0, 0]


async def test_token_billed_speech_through_the_sdk(api: ApiHarness) -> None:
    """gpt-4o-mini-tts: the audio as sent; billed from its measured 2 s (42 audio tokens)."""
    api.upstream.media.audio = wav_bytes(2, rate=24_000)
    key = await api.register()
    async with sdk(api, key) as client:
        speech = await client.audio.speech.create(
            model="gpt-4o-mini-tts",
            voice="coral",
            input="Hello",
            instructions="Cheerful",
            response_format="wav",
        )
    assert speech.content == api.upstream.media.audio
    [call] = await api.settled_calls()
    usage = TokenUsage(len("Hello") + len("Cheerful"), 42, output_audio_tokens=42)
    assert call["cost"] == source_units(CATALOG.get("gpt-4o-mini-tts"), usage)
    assert await api.balance() == 10**6 - call["cost"]
