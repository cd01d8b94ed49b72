"""The usage breakdown each provider reports is recorded with the call, streamed or not, on
each database, and the bill prices each category at its own price: what the price source
itself (genai-prices' calculator) charges for the same usage."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from storage.schema_usage import BREAKDOWN_COLUMNS
from tests.conftest import ApiHarness
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.source_prices import source_units

pytestmark = [pytest.mark.both_databases, pytest.mark.fake_providers("anthropic", "gemini")]

CHAT = "/v1/chat/completions"
CHAT_BODY: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Say hi"}],
}
MESSAGES = "/anthropic/v1/messages"
MESSAGES_BODY: dict[str, Any] = {
    "model": "anthropic:claude-3-5-haiku-latest",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Say hi"}],
}
GEMINI = "/google/v1beta/models/gemini-1.5-flash"
GEMINI_BODY: dict[str, Any] = {
    "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
    "generationConfig": {"maxOutputTokens": 100, "thinkingConfig": {"thinkingBudget": 0}},
}


async def recorded(api: ApiHarness) -> tuple[dict[str, int], int, int, int]:
    """The settled call's non-zero breakdown, its input and output units and its cost."""
    [call] = await api.settled_calls()
    breakdown = {column: call[column] for column in BREAKDOWN_COLUMNS if call[column]}
    return breakdown, call["input_units"], call["output_units"], call["cost"]


def openai_details(api: ApiHarness) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 1000, 2000
    api.upstream.prompt_details = {"cached_tokens": 600, "audio_tokens": 40, "image_tokens": 30}
    api.upstream.completion_details = {"reasoning_tokens": 700, "audio_tokens": 20}


CATALOG = load_catalog()


def priced(model: str, breakdown: dict[str, int], inputs: int, outputs: int) -> tuple[Any, ...]:
    """The record expected: the breakdown, the totals, and the source's price of them all."""
    usage = TokenUsage(inputs, outputs, **breakdown)
    return breakdown, inputs, outputs, source_units(CATALOG.get(model), usage)


OPENAI_RECORD = priced(
    "gpt-4o-mini",
    {
        "cache_read_tokens": 600,
        "input_audio_tokens": 40,
        "input_image_tokens": 30,
        "reasoning_tokens": 700,
        "output_audio_tokens": 20,
    },
    1000,
    2000,
)


@pytest.mark.parametrize("stream", [False, True])
async def test_openai_details_are_recorded(api: ApiHarness, stream: bool) -> None:
    openai_details(api)
    key = await api.register()
    response = await api.client.post(CHAT, json={**CHAT_BODY, "key": key, "stream": stream})
    await response.read()
    assert await recorded(api) == OPENAI_RECORD


async def test_openai_null_details_record_nothing(api: ApiHarness) -> None:
    api.upstream.prompt_details = {"cached_tokens": None, "audio_tokens": None}
    key = await api.register()
    await api.client.post(CHAT, json={**CHAT_BODY, "key": key})
    assert (await recorded(api))[0] == {}


def anthropic_cache(fake: FakeAnthropic) -> None:
    fake.input_tokens, fake.output_tokens = 500, 2000
    fake.cache_read_input_tokens, fake.cache_creation_input_tokens = 200, 300
    fake.cache_creation = {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200}


ANTHROPIC_RECORD = priced(
    "anthropic:claude-3-5-haiku-latest",
    {"cache_read_tokens": 200, "cache_write_tokens": 300, "cache_write_1h_tokens": 200},
    1000,
    2000,
)


@pytest.mark.parametrize("stream", [False, True])
async def test_anthropic_cache_reads_writes_and_the_hour_are_recorded(
    api: ApiHarness, fake_anthropic: FakeAnthropic, stream: bool
) -> None:
    anthropic_cache(fake_anthropic)
    key = await api.register()
    response = await api.client.post(
        MESSAGES, json={**MESSAGES_BODY, "key": key, "stream": stream}
    )
    await response.read()
    assert await recorded(api) == ANTHROPIC_RECORD


async def test_anthropic_cumulative_message_delta_usage_is_recorded(
    api: ApiHarness, fake_anthropic: FakeAnthropic
) -> None:
    anthropic_cache(fake_anthropic)
    fake_anthropic.cumulative_delta = True
    key = await api.register()
    response = await api.client.post(MESSAGES, json={**MESSAGES_BODY, "key": key, "stream": True})
    await response.read()
    assert await recorded(api) == ANTHROPIC_RECORD


def gemini_details(fake: FakeGemini) -> None:
    fake.prompt_tokens, fake.tool_use_prompt_tokens = 900, 100
    fake.candidates_tokens, fake.thoughts_tokens = 1500, 500
    fake.cached_tokens = 400
    fake.prompt_details = (("TEXT", 600), ("IMAGE", 258), ("AUDIO", 42))
    fake.candidates_details = (("TEXT", 1400), ("IMAGE", 100))


GEMINI_RECORD = priced(
    "gemini-1.5-flash",
    {
        "cache_read_tokens": 400,
        "reasoning_tokens": 500,
        "input_image_tokens": 258,
        "input_audio_tokens": 42,
        "output_image_tokens": 100,
    },
    1000,
    2000,
)


@pytest.mark.parametrize(
    "method", [":generateContent", ":streamGenerateContent?alt=sse"], ids=["whole", "stream"]
)
async def test_gemini_cache_thoughts_tools_and_modalities_are_recorded(
    api: ApiHarness, fake_gemini: FakeGemini, method: str
) -> None:
    gemini_details(fake_gemini)
    key = await api.register()
    response = await api.client.post(
        GEMINI + method, json=GEMINI_BODY, headers={"x-goog-api-key": key}
    )
    await response.read()
    assert await recorded(api) == GEMINI_RECORD


async def test_a_call_without_a_breakdown_records_zeros(api: ApiHarness) -> None:
    key = await api.register()
    await api.client.post(CHAT, json={**CHAT_BODY, "key": key})
    [call] = await api.settled_calls()
    assert [call[column] for column in BREAKDOWN_COLUMNS] == [0] * len(BREAKDOWN_COLUMNS)
