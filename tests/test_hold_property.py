"""Property: for every request, the charge is the provider's bill and never exceeds the hold.

Generated requests (n, tools, images, files, both token limits, long prompts, Gemini's
configs, Responses inputs and built-in tools) go through the real API app to
`MaximalProvider`, which bills each as high as its provider's rules allow. The charge must
equal that usage priced by the catalog (no shortfall: the user paid it all) and stay within
the call's hold.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from providers.catalog import load_catalog
from providers.registry import PROVIDER_NAMES
from tests.conftest import ApiHarness
from tests.fakes.maximal import MaximalProvider
from tests.fakes.server import serve_app

CATALOG = load_catalog()
CREDIT = 10**9
PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_users = itertools.count(1000)
#: A failing example's repr is large (long prompts); that is no reason to fail differently.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
#: A failing example's repr is large (long prompts); that is no reason to fail differently.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


@pytest.fixture
def maximal() -> MaximalProvider:
    return MaximalProvider(CATALOG)


@pytest.fixture
async def provider_urls(maximal: MaximalProvider) -> AsyncIterator[dict[str, str]]:
    """Every provider of the API harness is the maximal fake."""
    async with serve_app(maximal.app()) as root:
        urls = dict.fromkeys(PROVIDER_NAMES, f"{root}/v1")  # OpenAI-compatible bases
        urls["anthropic"] = urls["gemini"] = root
        yield urls


texts = st.text(max_size=200) | st.builds(lambda n: "a " * n, st.integers(0, 12_000))
limits = st.none() | st.integers(1, 200_000)


async def check(api: ApiHarness, maximal: MaximalProvider, path: str, body: Any) -> None:
    """Send `body` as a fresh user; the charge must be the fake's bill, within the hold."""
    user = next(_users)
    key = await api.register(telegram_id=user, name=f"u{user}", credit=CREDIT)
    before = len(maximal.billed)
    response = await api.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    rows = await api.storage.database.fetch_all(
        "SELECT model, cost, held, shortfall FROM calls ORDER BY id DESC LIMIT 1"
    )
    if response.status in (400, 413) and len(maximal.billed) == before:
        return  # refused: by the gateway (a body over its limit too) or, too long, the provider
    assert response.status == 200, await response.text()
    [(_, usage)] = maximal.billed[before:]
    call = dict(rows[0])
    expected = CATALOG.get(call["model"]).cost_of(usage)
    assert (call["cost"], call["shortfall"]) == (expected, 0)
    assert call["cost"] <= call["held"]


def openai_part(text: str, image: bool) -> dict[str, Any]:
    if image:
        return {"type": "image_url", "image_url": {"url": "https://x.test/i.png"}}
    return {"type": "text", "text": text}


openai_bodies = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["gpt-4o-mini", "gpt-4", "o3-mini", "qwen:qwen3-vl-plus"]),
        "messages": st.lists(
            st.builds(
                lambda parts: {"role": "user", "content": parts},
                st.lists(st.builds(openai_part, texts, st.booleans()), min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "n": st.integers(1, 8),
        "max_tokens": st.integers(1, 200_000),
        "max_completion_tokens": st.integers(1, 200_000),
        "tools": st.lists(
            st.builds(
                lambda d: {"type": "function", "function": {"name": "f", "description": d}}, texts
            ),
            max_size=2,
        ),
        "response_format": st.builds(lambda d: {"type": "json_schema", "description": d}, texts),
    },
)


@PROPERTY
@given(body=openai_bodies)
async def test_openai_chat_never_charges_more_than_it_held(
    api: ApiHarness, maximal: MaximalProvider, body: dict[str, Any]
) -> None:
    await check(api, maximal, "/v1/chat/completions", body)


prompts = (
    texts
    | st.lists(texts, min_size=1, max_size=3)
    | st.lists(st.integers(0, 50_000), min_size=1, max_size=50)
    | st.lists(st.lists(st.integers(0, 50_000), min_size=1, max_size=20), min_size=1, max_size=3)
)
completion_bodies = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["gpt-3.5-turbo-instruct", "davinci-002", "babbage-002"]),
        "prompt": prompts,
    },
    optional={
        "n": st.integers(1, 4),
        "best_of": st.integers(1, 6),
        "max_tokens": st.integers(0, 20_000),
        "echo": st.booleans(),
        "suffix": texts,
    },
)


def responses_part(text: str, kind: int) -> dict[str, Any]:
    if kind == 1:
        return {"type": "input_image", "image_url": "https://x.test/i.png", "detail": "high"}
    if kind == 2:
        return {"type": "input_file", "file_id": "file-1"}
    return {"type": "input_text", "text": text}


responses_bodies = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["gpt-4o-mini", "gpt-4", "o3-mini", "o1-pro", "gpt-5"]),
        "input": texts
        | st.lists(
            st.builds(
                lambda parts: {"role": "user", "content": parts},
                st.lists(
                    st.builds(responses_part, texts, st.integers(0, 2)), min_size=1, max_size=3
                ),
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "instructions": texts,
        "max_output_tokens": st.integers(1, 200_000),
        "tools": st.lists(
            st.builds(lambda d: {"type": "function", "name": "f", "description": d}, texts)
            | st.sampled_from(["web_search", "web_search_2025_08_26", "file_search"]).map(
                lambda kind: {"type": kind}
            ),
            max_size=3,
        ),
        "max_tool_calls": st.integers(0, 6),
    },
)


@PROPERTY
@given(body=completion_bodies)
async def test_openai_completions_never_charge_more_than_they_held(
    api: ApiHarness, maximal: MaximalProvider, body: dict[str, Any]
) -> None:
    await check(api, maximal, "/v1/completions", body)


@PROPERTY
@given(body=responses_bodies)
async def test_openai_responses_never_charge_more_than_they_held(
    api: ApiHarness, maximal: MaximalProvider, body: dict[str, Any]
) -> None:
    await check(api, maximal, "/v1/responses", body)


def anthropic_block(text: str, image: bool) -> dict[str, Any]:
    if image:
        return {"type": "image", "source": {"type": "url", "url": "https://x.test/i.png"}}
    return {"type": "text", "text": text}


anthropic_bodies = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["claude-3-5-haiku-latest", "claude-3-haiku-20240307"]),
        "max_tokens": st.integers(1, 100_000),
        "messages": st.lists(
            st.builds(
                lambda blocks: {"role": "user", "content": blocks},
                st.lists(st.builds(anthropic_block, texts, st.booleans()), min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "system": texts,
        "tools": st.lists(
            st.builds(lambda d: {"name": "f", "description": d, "input_schema": {}}, texts),
            max_size=2,
        ),
    },
)


@PROPERTY
@given(body=anthropic_bodies)
async def test_anthropic_messages_never_charge_more_than_they_held(
    api: ApiHarness, maximal: MaximalProvider, body: dict[str, Any]
) -> None:
    await check(api, maximal, "/anthropic/v1/messages", body)


def gemini_part(text: str, image: bool) -> dict[str, Any]:
    if image:
        return {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
    return {"text": text}


gemini_configs = st.fixed_dictionaries(
    {},
    optional={
        "maxOutputTokens": st.integers(1, 100_000),
        "candidateCount": st.integers(1, 4),
        "thinkingConfig": st.fixed_dictionaries(
            {}, optional={"thinkingBudget": st.integers(-1, 30_000)}
        ),
    },
)
gemini_bodies = st.fixed_dictionaries(
    {
        "contents": st.lists(
            st.builds(
                lambda parts: {"role": "user", "parts": parts},
                st.lists(st.builds(gemini_part, texts, st.booleans()), min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={"generationConfig": gemini_configs},
)


@PROPERTY
@given(
    body=gemini_bodies,
    model=st.sampled_from(["gemini-2.0-flash", "gemini-2.5-flash", "gemini-1.5-pro"]),
)
async def test_gemini_generation_never_charges_more_than_it_held(
    api: ApiHarness, maximal: MaximalProvider, body: dict[str, Any], model: str
) -> None:
    await check(api, maximal, f"/google/v1beta/models/{model}:generateContent", body)
