"""The chat dialect protocol: each dialect's request and answer rules, without I/O."""

from __future__ import annotations

import json

import pytest

from providers.anthropic import ANTHROPIC_MESSAGES, AnthropicCall
from providers.anthropic_holds import hold_for_messages
from providers.catalog import Model
from providers.errors import UpstreamError
from providers.gemini import GEMINI_GENERATION, GeminiCall, GeminiMethod
from providers.openai_compat import OPENAI_CHAT
from providers.registry import ProviderConfig, Route
from providers.usage import TokenUsage

MODEL = Model(
    name="m",
    provider="anthropic",
    upstream="up-m",
    input_per_1m=1_000_000,
    output_per_1m=2_000_000,
    max_output_tokens=1000,
    context_window=100_000,
)
BODY = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


def route_to(name: str, base_url: str) -> Route:
    provider = ProviderConfig.with_key(name, base_url, "op-key")
    return Route(model=MODEL, provider=provider, key=provider.keys[0])


def test_the_anthropic_hold_reads_max_tokens_from_the_body_and_beta_from_the_headers() -> None:
    headers = {"anthropic-beta": "context-1m-2025-08-07"}
    expected = hold_for_messages(BODY, MODEL, 10, "context-1m-2025-08-07")
    assert ANTHROPIC_MESSAGES.hold(BODY, MODEL, headers) == expected


def test_only_the_protocol_headers_of_an_anthropic_client_travel_with_the_operators_key() -> None:
    call = AnthropicCall(BODY, {"x-api-key": "client-key", "anthropic-beta": "b"})
    headers = ANTHROPIC_MESSAGES.headers(route_to("anthropic", "https://a.test"), call)
    assert headers == {
        "anthropic-version": "2023-06-01",
        "anthropic-beta": "b",
        "x-api-key": "op-key",
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
    }


def test_an_openai_compatible_call_goes_to_the_providers_chat_completions() -> None:
    route = route_to("groq", "https://g.test/v1")
    assert OPENAI_CHAT.url(route, BODY) == "https://g.test/v1/chat/completions"
    assert OPENAI_CHAT.headers(route, BODY)["Authorization"] == "Bearer op-key"
    assert json.loads(OPENAI_CHAT.payload(BODY)) == BODY


def test_a_gemini_payload_is_the_clients_bytes_and_its_query_goes_along() -> None:
    call = GeminiCall("v1beta", GeminiMethod.STREAM, {"alt": "sse"}, b'{"contents":[]}')
    route = route_to("gemini", "https://gm.test/")
    assert GEMINI_GENERATION.url(route, call) == (
        "https://gm.test/v1beta/models/up-m:streamGenerateContent"
    )
    assert GEMINI_GENERATION.payload(call) is call.body
    assert GEMINI_GENERATION.params(call) == {"alt": "sse"}


def test_a_gemini_token_count_is_the_usages_input() -> None:
    call = GeminiCall("v1beta", GeminiMethod.COUNT_TOKENS, {}, b"{}")
    assert GEMINI_GENERATION.usage(call, {"totalTokens": 7}) == TokenUsage(7, 0)


def test_an_answer_without_usage_is_the_providers_failure_in_every_dialect() -> None:
    gemini = GeminiCall("v1beta", GeminiMethod.GENERATE, {}, b"{}")
    with pytest.raises(UpstreamError):
        OPENAI_CHAT.usage(BODY, {})
    with pytest.raises(UpstreamError):
        ANTHROPIC_MESSAGES.usage(AnthropicCall(BODY, {}), {})
    with pytest.raises(UpstreamError):
        GEMINI_GENERATION.usage(gemini, {})


def test_a_usage_breakdown_is_zero_unless_reported() -> None:
    usage = TokenUsage(10, 4)
    assert usage.cache_read_tokens == usage.reasoning_tokens == usage.output_image_tokens == 0
    assert TokenUsage(10, 4, reasoning_tokens=3) != usage
