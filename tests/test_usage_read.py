"""Reading each provider's usage breakdown: the parts stay parts of their totals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.anthropic import EventScanner, usage_from_message
from providers.errors import UpstreamError
from providers.gemini import GeminiStreamScanner
from providers.openai_compat import UsageScanner, usage_from
from providers.usage import TokenUsage


def openai(prompt: Any = None, completion: Any = None) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": 100, "completion_tokens": 50}
    usage["prompt_tokens_details"], usage["completion_tokens_details"] = prompt, completion
    return {"usage": usage}


def test_openai_cache_write_details_are_read() -> None:
    usage = usage_from(openai({"cached_tokens": 10, "cache_write_tokens": 20}))
    assert usage == TokenUsage(100, 50, cache_read_tokens=10, cache_write_tokens=20)


def test_openai_every_detail_lands_in_its_own_field() -> None:
    asked = {"cached_tokens": 1, "cache_write_tokens": 2, "audio_tokens": 3, "image_tokens": 4}
    made = {"reasoning_tokens": 5, "audio_tokens": 6, "image_tokens": 7}
    assert usage_from(openai(asked, made)) == TokenUsage(
        100,
        50,
        cache_read_tokens=1,
        cache_write_tokens=2,
        input_audio_tokens=3,
        input_image_tokens=4,
        reasoning_tokens=5,
        output_audio_tokens=6,
        output_image_tokens=7,
    )


def test_openai_a_detail_above_its_total_is_capped_at_it() -> None:
    usage = usage_from(openai({"cached_tokens": 500}, {"reasoning_tokens": 80}))
    assert (usage.cache_read_tokens, usage.reasoning_tokens) == (100, 50)


@pytest.mark.parametrize("figure", ["ten", 1.5, True, -1])
def test_openai_a_detail_that_is_not_a_count_is_a_502(figure: object) -> None:
    with pytest.raises(UpstreamError) as raised:
        usage_from(openai({"cached_tokens": figure}))
    assert raised.value.status == 502


def test_openai_the_streams_usage_only_chunk_carries_the_breakdown() -> None:
    scanner = UsageScanner(forward_usage_chunk=False)
    chunk = {"choices": [], **openai(None, {"reasoning_tokens": 30})}
    assert scanner.feed(f"data: {json.dumps(chunk)}\n\n".encode()) == b""
    assert scanner.reported() == TokenUsage(100, 50, reasoning_tokens=30)


def anthropic_event(name: str, **data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()


START_USAGE = {
    "input_tokens": 5,
    "cache_creation_input_tokens": 30,
    "cache_read_input_tokens": 40,
    "cache_creation": {"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 20},
    "output_tokens": 1,
}
CACHED = TokenUsage(75, 1, cache_read_tokens=40, cache_write_tokens=30, cache_write_1h_tokens=20)


def test_anthropic_the_hour_is_a_part_of_the_writes_and_capped_at_them() -> None:
    split = {"ephemeral_1h_input_tokens": 99}
    usage = usage_from_message({"usage": {**START_USAGE, "cache_creation": split}})
    assert usage.cache_write_1h_tokens == 30


def test_anthropic_a_stream_broken_after_message_start_keeps_its_cache_breakdown() -> None:
    scanner = EventScanner()
    scanner.feed(anthropic_event("message_start", message={"usage": START_USAGE}))
    scanner.feed(anthropic_event("content_block_delta", index=0, delta={"text": "a"}))
    assert scanner.reported() is None
    assert scanner.produced(prompt_estimate=999) == CACHED


def test_anthropic_a_later_message_delta_restates_the_cache_figures() -> None:
    scanner = EventScanner()
    scanner.feed(anthropic_event("message_start", message={"usage": START_USAGE}))
    later = {**START_USAGE, "cache_read_input_tokens": 45, "output_tokens": 9}
    scanner.feed(anthropic_event("message_delta", usage=later))
    assert scanner.reported() == CACHED._replace(
        input_tokens=80, output_tokens=9, cache_read_tokens=45
    )


def gemini_event(usage: dict[str, Any], text: str = "") -> bytes:
    parts = {"candidates": [{"content": {"parts": [{"text": text}]}}]} if text else {}
    return b"data: " + json.dumps({**parts, "usageMetadata": usage}).encode() + b"\r\n\r\n"


def test_gemini_a_broken_stream_keeps_the_running_usages_breakdown() -> None:
    scanner = GeminiStreamScanner()
    running = {"promptTokenCount": 10, "cachedContentTokenCount": 6}
    scanner.feed(gemini_event(running, text="x" * 40))
    assert scanner.reported() is None
    assert scanner.produced(prompt_estimate=999) == TokenUsage(10, 10, cache_read_tokens=6)


def test_gemini_malformed_modality_entries_are_skipped() -> None:
    scanner = GeminiStreamScanner()
    details = [{"modality": "AUDIO"}, "x", {"modality": "AUDIO", "tokenCount": 3}]
    scanner.feed(gemini_event({"promptTokenCount": 10, "promptTokensDetails": details}))
    scanner.finish()
    assert scanner.reported() == TokenUsage(10, 0, input_audio_tokens=3)
