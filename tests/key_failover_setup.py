"""The set-up the key failover tests share (tests/test_key_failover*.py): OpenAI with keys
a and b (and c), Anthropic with keys a and b, and the call they make.

The fixtures here are imported by name into each test module that uses them, which is how
pytest lets two modules share a fixture that overrides the harness's own
(`provider_configs`).
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.registry import ProviderConfig
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.keyed import keyed

MODEL = load_catalog().get("gpt-4o-mini")
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
STREAM: dict[str, Any] = {**BODY, "stream": True}
PATH = "/v1/chat/completions"
COST = MODEL.cost_of(TokenUsage(12, 5))  # the fake's usage


@pytest.fixture
def key_options() -> dict[str, dict[str, Any]]:
    """Per-key fields of the openai keys (a test parametrizes it)."""
    return {}


@pytest.fixture
def key_count() -> int:
    return 2


@pytest.fixture
def provider_configs(
    provider_configs: dict[str, ProviderConfig],
    provider_urls: dict[str, str],
    key_options: dict[str, dict[str, Any]],
    key_count: int,
) -> dict[str, ProviderConfig]:
    """OpenAI with keys a and b (and c), all at the fake unless `key_options` says else;
    Anthropic with keys a and b at its own fake."""
    return {
        **provider_configs,
        "openai": keyed("openai", provider_urls["openai"], key_count, **key_options),
        "anthropic": keyed("anthropic", provider_urls["anthropic"]),
    }


async def alice(api: ApiHarness) -> str:
    return await api.register()


async def post(api: ApiHarness, key: str, body: dict[str, Any] = BODY) -> Any:
    return await api.client.post(PATH, json={**body, "key": key})
