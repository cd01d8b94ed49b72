"""The official SDKs pointed at the API harness, shared by the SDK and models tests."""

from __future__ import annotations

import openai

from tests.conftest import ApiHarness


def sdk(api: ApiHarness, key: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=key, base_url=str(api.client.make_url("/v1")), max_retries=0)
