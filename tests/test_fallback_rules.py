"""Model fallbacks as the catalog declares them and the registry resolves them (pure)."""

from __future__ import annotations

import json

import pytest

from providers.anthropic import ANTHROPIC_MESSAGES, AnthropicCall
from providers.catalog import parse_catalog
from providers.errors import CatalogError
from providers.gemini import GEMINI_GENERATION, GeminiCall, GeminiMethod
from providers.openai_compat import OPENAI_CHAT
from providers.registry import ProviderConfig, Registry

CHAIN = """
[models.first]
provider = "openai"
upstream = "gpt-4o-mini"
max_output_tokens = 100
context_window = 1000
fallbacks = ["claude", "unpriced", "offline", "echo", "groq:llama-3.1-8b-instant"]

[models.claude]
provider = "anthropic"
upstream = "claude-3-5-haiku-latest"
max_output_tokens = 100
context_window = 1000

[models.unpriced]
provider = "openai"
upstream = "a-model-nobody-prices"
max_output_tokens = 100
context_window = 1000

[models.offline]
provider = "qwen"
upstream = "qwen-plus"
max_output_tokens = 100
context_window = 1000

[models.echo]
provider = "echo"
input_per_1m = "0.10"
output_per_1m = "0.10"
max_output_tokens = 100
context_window = 1000

[models."groq:llama-3.1-8b-instant"]
provider = "groq"
max_output_tokens = 300
context_window = 1000
"""


def registry() -> Registry:
    providers = {
        name: ProviderConfig.with_key(name, f"https://{name}.test", f"sk-{name}-key")
        for name in ("openai", "anthropic", "groq")
    }
    providers["qwen"] = ProviderConfig("qwen", "https://qwen.test")  # no key
    providers["echo"] = ProviderConfig("echo", "builtin:", builtin=True)
    return Registry(parse_catalog(CHAIN), providers)


def test_the_route_carries_the_callable_fallbacks_in_order() -> None:
    route = registry().route("first")
    assert [r.model.name for r in route.chain] == [
        "first",
        "claude",
        "groq:llama-3.1-8b-instant",
    ]


def test_a_native_protocol_keeps_only_its_own_providers_fallbacks() -> None:
    route = registry().route("first").same_provider()
    assert [r.model.name for r in route.chain] == ["first"]


def test_the_chain_hold_is_its_dearest_models() -> None:
    route = registry().route("first")
    holds = {"first": 5, "claude": 9, "groq:llama-3.1-8b-instant": 7}
    assert route.chain_hold(lambda model: holds[model.name]) == 9


@pytest.mark.parametrize(
    ("fallbacks", "message"),
    [
        ('["nope"]', "'nope' is not a model of this catalog"),
        ('["m"]', "must be another chat model"),
        ('["speech"]', "must be another chat model"),
        ('"other"', "a list of model names"),
    ],
)
def test_fallbacks_must_be_other_chat_models_of_the_catalog(fallbacks: str, message: str) -> None:
    text = f"""
[models.m]
provider = "openai"
input_per_1m = "1"
output_per_1m = "1"
max_output_tokens = 10
context_window = 10
fallbacks = {fallbacks}

[models.speech]
provider = "openai"
kind = "speech"
input_per_1m = "15"
"""
    with pytest.raises(CatalogError, match=message):
        parse_catalog(text)


def test_only_chat_models_have_fallbacks() -> None:
    text = """
[models.tts]
provider = "openai"
kind = "speech"
input_per_1m = "15"
fallbacks = ["other"]
"""
    with pytest.raises(CatalogError, match="only chat models have fallbacks"):
        parse_catalog(text)


def test_each_dialect_retargets_a_call_to_the_fallbacks_upstream_name() -> None:
    other = parse_catalog(CHAIN).get("claude")
    openai = OPENAI_CHAT.retarget({"model": "gpt-4o-mini", "stream": True}, other)
    assert openai == {
        "model": "claude-3-5-haiku-latest",
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    anthropic = AnthropicCall({"model": "x", "max_tokens": 5}, {"anthropic-beta": "b"})
    moved = ANTHROPIC_MESSAGES.retarget(anthropic, other)
    assert (moved.payload["model"], moved.client_headers) == (
        "claude-3-5-haiku-latest",
        {"anthropic-beta": "b"},
    )
    count = GeminiCall(
        "v1beta",
        GeminiMethod.COUNT_TOKENS,
        {},
        json.dumps({"generateContentRequest": {"model": "models/x", "contents": []}}).encode(),
    )
    body = json.loads(GEMINI_GENERATION.retarget(count, other).body)
    assert body["generateContentRequest"]["model"] == "models/claude-3-5-haiku-latest"
    generate = GeminiCall("v1beta", GeminiMethod.GENERATE, {}, b'{"contents": []}')
    assert GEMINI_GENERATION.retarget(generate, other) is generate  # the model is in the URL
