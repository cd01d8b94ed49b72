"""Pure rules of the Gemini and Stability pass-throughs: paths, bodies, holds, usage, streams."""

from __future__ import annotations

import json

import pytest

from providers.catalog import parse_catalog
from providers.errors import UpstreamError
from providers.gemini import (
    GeminiMethod,
    GeminiStreamScanner,
    GeminiTarget,
    forwarded_body,
    forwarded_params,
    parse_target,
    upstream_url,
    usage_of,
)
from providers.gemini_holds import hold_for_generation, max_prompt_tokens
from providers.prompt_bound import json_bytes
from providers.stability import delivered_images, text_to_image_url
from providers.usage import TokenUsage

MODEL = parse_catalog(
    '[models.m]\nprovider = "gemini"\nupstream = "up-m"\ninput_per_1m = "1"\n'
    'output_per_1m = "2"\nmax_output_tokens = 1000\ncontext_window = 50000\n'
).get("m")


def event(data: dict[str, object]) -> bytes:
    return f"data: {json.dumps(data)}\r\n\r\n".encode()


def text_chunk(text: str, usage: dict[str, int] | None = None) -> bytes:
    chunk: dict[str, object] = {"candidates": [{"content": {"parts": [{"text": text}]}}]}
    if usage is not None:
        chunk["usageMetadata"] = usage
    return event(chunk)


def test_the_method_is_split_off_at_the_last_colon() -> None:
    assert parse_target("v1beta", "gemini:gemini-2.0-flash:streamGenerateContent") == (
        GeminiTarget("v1beta", "gemini:gemini-2.0-flash", GeminiMethod.STREAM)
    )
    assert parse_target("v1", "m:countTokens") == GeminiTarget(
        "v1", "m", GeminiMethod.COUNT_TOKENS
    )


@pytest.mark.parametrize(
    ("version", "segment"),
    [("v2", "m:generateContent"), ("v1", "m:embedContent"), ("v1", "m"), ("v1", ":countTokens")],
)
def test_other_versions_methods_and_shapes_are_refused(version: str, segment: str) -> None:
    assert parse_target(version, segment) is None


def test_the_upstream_address_and_query() -> None:
    assert (
        upstream_url("https://g.example/", "v1beta", "up-m", "generateContent")
        == "https://g.example/v1beta/models/up-m:generateContent"
    )
    assert forwarded_params({"alt": "sse", "key": "myapi-secret"}) == {"alt": "sse"}


def test_an_unchanged_body_is_forwarded_as_the_clients_own_bytes() -> None:
    raw = b'{"contents": [ {"parts": [{"text": "hi"}]} ]}'
    assert forwarded_body(json.loads(raw), raw, "up-m", stripped=False) is raw
    rebuilt = forwarded_body(json.loads(raw), raw, "up-m", stripped=True)
    assert json.loads(rebuilt) == json.loads(raw)


def test_a_model_named_inside_count_tokens_becomes_the_upstream_one() -> None:
    body = {"generateContentRequest": {"model": "models/m", "contents": []}}
    forwarded = json.loads(forwarded_body(body, b"{}", "up-m", stripped=False))
    assert forwarded["generateContentRequest"]["model"] == "models/up-m"
    assert body["generateContentRequest"]["model"] == "models/m"  # the input is not changed


def test_an_inline_image_counts_its_maximum_not_its_base64_size() -> None:
    def with_image(data: str) -> dict[str, object]:
        image = {"inlineData": {"mimeType": "image/jpeg", "data": data}}
        return {"contents": [{"parts": [image]}]}

    small, large = with_image("A" * 10), with_image("A" * 10**6)
    assert max_prompt_tokens(small, MODEL) == max_prompt_tokens(large, MODEL)
    bare: dict[str, object] = {"contents": [{"parts": [{}]}]}
    key = len('"inlineData":')  # the key stays text; its value counts as an image
    assert max_prompt_tokens(small, MODEL) == max_prompt_tokens(bare, MODEL) + key + 8192


def test_inline_audio_counts_its_base64_bytes_and_a_pdf_the_whole_window() -> None:
    def with_media(mime: str) -> dict[str, object]:
        return {"contents": [{"parts": [{"inlineData": {"mimeType": mime, "data": "A" * 1000}}]}]}

    assert max_prompt_tokens(with_media("audio/ogg"), MODEL) > 1000
    assert max_prompt_tokens(with_media("application/pdf"), MODEL) == 50_000
    assert max_prompt_tokens(with_media("video/mp4"), MODEL) == 50_000


def test_a_file_named_by_uri_is_held_at_the_context_window() -> None:
    """A YouTube video or an uploaded file can cost up to a whole context window."""
    video = {"fileUri": "https://www.youtube.com/watch?v=x", "mimeType": "video/mp4"}
    body = {"contents": [{"parts": [{"text": "sum it up"}, {"fileData": video}]}]}
    assert max_prompt_tokens(body, MODEL) == 50_000
    snake = {"contents": [{"parts": [{"file_data": video}, {"file_data": video}]}]}
    assert max_prompt_tokens(snake, MODEL) == 50_000


def test_text_counts_a_token_per_byte_of_the_whole_body_and_framing() -> None:
    body = {"contents": [{"parts": [{"text": "привет " * 100}]}]}
    assert max_prompt_tokens(body, MODEL) == json_bytes(body) + 16 + 8


def test_the_hold_covers_every_candidates_bounded_output() -> None:
    def hold(config: dict[str, object]) -> int:
        return hold_for_generation({"contents": [], "generationConfig": config}, MODEL)

    def prompt(config: dict[str, object]) -> int:
        return max_prompt_tokens({"contents": [], "generationConfig": config}, MODEL)

    off = {"thinkingConfig": {"thinkingBudget": 0}}
    config: dict[str, object] = {"maxOutputTokens": 100, **off}
    assert hold(config) == MODEL.cost(prompt(config), 100)
    config = {"maxOutputTokens": 100, "candidateCount": 3, **off}
    assert hold(config) == MODEL.cost(prompt(config), 300)
    config = {"maxOutputTokens": 100, "thinkingConfig": {"thinkingBudget": 50}}
    assert hold(config) == MODEL.cost(prompt(config), 100)  # thoughts count inside the limit
    unbounded_configs: list[dict[str, object]] = [{"maxOutputTokens": 10**6, **off}, {}]
    for unbounded in unbounded_configs:
        assert hold(unbounded) == MODEL.cost(prompt(unbounded), 1000)


def test_usage_bills_thinking_as_output_and_tool_prompts_as_input() -> None:
    usage = {
        "promptTokenCount": 10,
        "toolUsePromptTokenCount": 5,
        "candidatesTokenCount": 7,
        "thoughtsTokenCount": 3,
        "totalTokenCount": 25,
    }
    assert usage_of({"usageMetadata": usage}) == TokenUsage(15, 10, reasoning_tokens=3)
    assert usage_of({"candidates": []}) is None
    with pytest.raises(UpstreamError) as raised:
        usage_of({"usageMetadata": {"promptTokenCount": "10"}})
    assert raised.value.status == 502


def test_events_are_forwarded_whole_even_when_split_anywhere() -> None:
    stream = text_chunk("Hel") + text_chunk(
        "lo", {"promptTokenCount": 4, "candidatesTokenCount": 2}
    )
    for cut in range(1, len(stream)):
        scanner = GeminiStreamScanner()
        first, second = scanner.feed(stream[:cut]), scanner.feed(stream[cut:])
        assert first + second + scanner.finish() == stream
        assert first in (b"", stream[: len(text_chunk("Hel"))], stream)
        assert scanner.usage == TokenUsage(4, 2)


def test_lf_delimited_events_are_understood_too() -> None:
    scanner = GeminiStreamScanner()
    data = b'data: {"usageMetadata": {"promptTokenCount": 3}}\n\n'
    assert scanner.feed(data) == data
    assert scanner.usage == TokenUsage(3, 0)


def test_a_normal_end_bills_the_final_usage() -> None:
    scanner = GeminiStreamScanner()
    scanner.feed(text_chunk("Hello there", {"promptTokenCount": 4, "candidatesTokenCount": 1}))
    assert scanner.reported() is None  # running usage, until the stream has ended
    scanner.finish()
    assert scanner.reported() == TokenUsage(4, 1)


def test_a_broken_stream_bills_the_larger_of_running_usage_and_counted_output() -> None:
    scanner = GeminiStreamScanner()
    scanner.feed(text_chunk("Hello there", {"promptTokenCount": 4}))
    assert scanner.produced(prompt_estimate=99) == TokenUsage(4, 3)  # 11 bytes -> 3 tokens
    scanner.feed(text_chunk("!", {"promptTokenCount": 4, "candidatesTokenCount": 9}))
    assert scanner.produced(prompt_estimate=99) == TokenUsage(4, 9)


def test_a_broken_stream_without_output_bills_nothing() -> None:
    scanner = GeminiStreamScanner()
    scanner.feed(event({"usageMetadata": {"promptTokenCount": 4}}))
    assert scanner.produced(prompt_estimate=99) is None
    assert GeminiStreamScanner().produced(prompt_estimate=99) is None


def test_stability_bills_only_delivered_artifacts() -> None:
    artifacts = [{"finishReason": r} for r in ("SUCCESS", "CONTENT_FILTERED", "ERROR", "SUCCESS")]
    assert delivered_images({"artifacts": artifacts}) == 2
    with pytest.raises(UpstreamError):
        delivered_images({"message": "no artifacts"})
    assert (
        text_to_image_url("https://api.stability.ai", "sd")
        == "https://api.stability.ai/v1/generation/sd/text-to-image"
    )
