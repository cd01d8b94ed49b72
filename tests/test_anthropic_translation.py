"""Anthropic's pure translation: headers, payload, hold, usage and the stream scanner."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.anthropic import (
    EventScanner,
    forwarded_headers,
    messages_payload,
    stream_error_event,
    usage_from_message,
)
from providers.anthropic_holds import hold_for_messages, max_input_tokens
from providers.catalog import Model
from providers.errors import UpstreamError
from providers.prompt_bound import json_bytes
from providers.prompt_estimate import anthropic_prompt_tokens
from providers.usage import TokenUsage

HAIKU = Model(
    name="claude-3-5-haiku-latest",
    provider="anthropic",
    upstream="claude-3-5-haiku-20241022",
    input_per_1m=800_000,
    output_per_1m=4_000_000,
    max_output_tokens=8192,
    context_window=200_000,
)
BODY: dict[str, Any] = {
    "model": "claude-3-5-haiku-latest",
    "max_tokens": 100,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "Say hi"}],
}


def event(name: str, **data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()


def text_delta(text: str) -> bytes:
    return event("content_block_delta", index=0, delta={"type": "text_delta", "text": text})


START = event("message_start", message={"usage": {"input_tokens": 40, "output_tokens": 1}})
STREAM = b"".join(
    [
        START,
        event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        event("ping"),
        text_delta("Hello"),
        text_delta(" there"),
        event("content_block_stop", index=0),
        event("message_delta", delta={"stop_reason": None}, usage={"output_tokens": 3}),
        event("message_delta", delta={"stop_reason": "end_turn"}, usage={"output_tokens": 7}),
        event("message_stop"),
    ]
)


def test_only_anthropics_protocol_headers_are_forwarded() -> None:
    headers = {"anthropic-beta": "b1", "x-api-key": "myapi-x", "x-stainless-os": "Linux"}
    assert forwarded_headers(headers) == {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "b1",
    }
    assert forwarded_headers({"anthropic-version": "2024-01-01"}) == {
        "anthropic-version": "2024-01-01"
    }


def test_the_payload_only_renames_the_model_and_leaves_the_body_alone() -> None:
    payload = messages_payload(BODY, HAIKU)
    assert payload == {**BODY, "model": "claude-3-5-haiku-20241022"}
    assert BODY["model"] == "claude-3-5-haiku-latest"


def test_the_prompt_estimate_counts_system_messages_and_tools() -> None:
    tools = [{"name": "lookup", "input_schema": {"type": "object"}, "description": "x" * 400}]
    assert anthropic_prompt_tokens({**BODY, "tools": tools}) > anthropic_prompt_tokens(BODY) + 100
    assert anthropic_prompt_tokens({**BODY, "system": ""}) < anthropic_prompt_tokens(BODY)


def test_the_hold_prices_max_tokens_capped_by_the_models_maximum() -> None:
    prompt = json_bytes(BODY) + 16 + 8 * len(BODY["messages"])  # every byte, and framing
    assert hold_for_messages(BODY, HAIKU, 100) == HAIKU.cost(prompt, 100)
    assert hold_for_messages(BODY, HAIKU, 10**9) == HAIKU.cost(prompt, 8192)


def test_tools_add_the_tool_use_system_prompt_and_each_tools_framing() -> None:
    tools = [{"name": "lookup", "input_schema": {"type": "object"}}]
    body = {**BODY, "tools": tools}
    prompt = json_bytes(body) + 16 + 8 * len(BODY["messages"]) + 512 + 1024
    assert max_input_tokens(body, HAIKU, 200_000) == prompt


def test_a_hold_is_at_least_one_unit() -> None:
    free = Model(
        name="m", provider="anthropic", upstream="m", max_output_tokens=10, context_window=10
    )
    assert hold_for_messages(BODY, free, 10) == 1


def test_message_usage_counts_cache_writes_and_reads_as_input() -> None:
    usage = {
        "input_tokens": 10,
        "cache_creation_input_tokens": 20,
        "cache_read_input_tokens": 30,
        "output_tokens": 4,
    }
    expected = TokenUsage(60, 4, cache_read_tokens=30, cache_write_tokens=20)
    assert usage_from_message({"usage": usage}) == expected
    assert usage_from_message({"usage": {"input_tokens": 10, "output_tokens": 4}}) == TokenUsage(
        10, 4
    )


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"usage": None},
        {"usage": {"input_tokens": 1}},
        {"usage": {"input_tokens": "1", "output_tokens": 2}},
    ],
)
def test_a_message_without_whole_usage_figures_is_the_providers_failure(message: object) -> None:
    with pytest.raises(UpstreamError) as raised:
        usage_from_message(message)
    assert raised.value.status == 502


def test_the_scanner_passes_every_byte_on_whatever_the_chunking() -> None:
    for size in (1, 7, 64, len(STREAM)):
        scanner = EventScanner()
        chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
        relayed = b"".join(scanner.feed(chunk) for chunk in chunks) + scanner.finish()
        assert relayed == STREAM
        assert scanner.reported() == TokenUsage(40, 7)


def test_an_event_is_passed_on_only_once_it_is_complete() -> None:
    scanner = EventScanner()
    first = text_delta("Hello")
    assert scanner.feed(START + first[:10]) == START
    assert scanner.feed(first[10:]) == first


def test_the_last_message_delta_counts_and_input_includes_the_cache() -> None:
    cached = {"input_tokens": 5, "cache_read_input_tokens": 35, "output_tokens": 1}
    scanner = EventScanner()
    scanner.feed(event("message_start", message={"usage": cached}))
    scanner.feed(event("message_delta", usage={"output_tokens": 2}))
    scanner.feed(event("message_delta", usage={"output_tokens": 9}))
    assert scanner.reported() == TokenUsage(40, 9, cache_read_tokens=35)


def test_a_broken_stream_is_billed_for_the_output_events_it_produced() -> None:
    scanner = EventScanner()
    scanner.feed(START + text_delta("a") + text_delta("b") + text_delta("c")[:20])
    assert scanner.reported() is None
    assert scanner.produced(prompt_estimate=999) == TokenUsage(40, 2)


def test_without_message_start_the_input_is_the_estimate() -> None:
    scanner = EventScanner()
    scanner.feed(text_delta("a"))
    assert scanner.produced(prompt_estimate=12) == TokenUsage(12, 1)


def test_a_stream_that_produced_nothing_bills_nothing() -> None:
    scanner = EventScanner()
    scanner.feed(START + event("ping"))
    assert scanner.produced(prompt_estimate=12) is None


def test_text_that_mentions_event_names_is_only_text() -> None:
    scanner = EventScanner()
    scanner.feed(
        START + text_delta('event: message_delta\ndata: {"usage": {"output_tokens": 99}}')
    )
    assert scanner.produced(prompt_estimate=12) == TokenUsage(40, 1)


def test_crlf_line_endings_are_understood_and_kept() -> None:
    crlf = STREAM.replace(b"\n", b"\r\n")
    scanner = EventScanner()
    assert scanner.feed(crlf[:100]) + scanner.feed(crlf[100:]) + scanner.finish() == crlf
    assert scanner.reported() == TokenUsage(40, 7)


def test_an_upstream_error_event_marks_the_stream_failed() -> None:
    scanner = EventScanner()
    error = {"type": "overloaded_error", "message": "Overloaded"}
    scanner.feed(START + text_delta("a") + event("error", error=error))
    assert scanner.failed
    assert scanner.produced(prompt_estimate=12) == TokenUsage(40, 1)


def test_the_gateways_own_error_event_has_anthropics_shape() -> None:
    name, data = stream_error_event("the provider's stream broke off").decode().split("\n")[:2]
    assert name == "event: error"
    assert json.loads(data.removeprefix("data: ")) == {
        "type": "error",
        "error": {"type": "api_error", "message": "the provider's stream broke off"},
    }
