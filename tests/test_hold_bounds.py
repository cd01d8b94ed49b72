"""Each hold bounds what the provider can bill (issue 11, finding 3), through the real app.

A hold below the provider's bill is charged down to a zero balance and the rest is the
operator's loss (the call's shortfall), so each test sends one of the requests that used to
be held too low and checks the recorded hold against the most the provider's own rules let
it bill; a request that cannot be bounded is a 400 that writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.gemini_holds import max_prompt_tokens
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls

pytestmark = pytest.mark.fake_providers("anthropic", "gemini")

CATALOG = load_catalog()
MINI = CATALOG.get("gpt-4o-mini")
HAIKU = CATALOG.get("claude-3-5-haiku-latest")
FLASH = CATALOG.get("gemini-2.0-flash")
CREDIT = 10**8
USER = {"role": "user", "content": "hi"}
GEMINI_URL = "/google/v1beta/models/gemini-2.0-flash:generateContent"


async def held_for(api: ApiHarness, path: str, body: dict[str, Any]) -> int:
    """Send `body` as a fresh user and return the hold its call recorded."""
    key = await api.register(credit=CREDIT)
    response = await api.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status == 200, await response.text()
    [call] = await calls(api)
    return int(call["held"])


def chat(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [USER], **fields}


async def test_every_choice_of_n_is_held(api: ApiHarness) -> None:
    held = await held_for(api, "/v1/chat/completions", chat(n=64, max_tokens=900))
    assert held >= MINI.cost(0, 64 * 900)


@pytest.mark.parametrize("field", ["tools", "functions", "response_format", "tool_choice"])
async def test_every_prompt_field_counts_a_token_per_byte(api: ApiHarness, field: str) -> None:
    description = "a " * 20_000
    value: Any = {"type": "json_schema", "description": description}
    if field in ("tools", "functions"):
        value = [{"type": "function", "function": {"name": "f", "description": description}}]
    held = await held_for(api, "/v1/chat/completions", chat(max_tokens=1, **{field: value}))
    assert held >= MINI.cost(40_000, 1)


async def test_the_larger_of_both_output_limits_is_held(api: ApiHarness) -> None:
    body = chat(max_completion_tokens=1, max_tokens=16384)
    assert await held_for(api, "/v1/chat/completions", body) >= MINI.cost(0, 16384)


async def test_an_image_is_held_at_the_most_a_high_detail_image_costs(api: ApiHarness) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x.test/a.png", "detail": "high"}}
    body = chat(max_tokens=1, messages=[{"role": "user", "content": [image]}])
    assert await held_for(api, "/v1/chat/completions", body) >= MINI.cost(48_169, 1)


async def test_a_file_by_id_is_held_at_the_context_window(api: ApiHarness) -> None:
    file = {"type": "file", "file": {"file_id": "file-abc"}}
    body = chat(max_tokens=1, messages=[{"role": "user", "content": [file]}])
    held = await held_for(api, "/v1/chat/completions", body)
    assert held == MINI.cost(128_000, 1)  # the window caps the whole prompt


async def test_a_limit_that_is_not_a_whole_number_is_400_and_writes_nothing(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    for bad in ({"n": 0}, {"n": "64"}, {"n": 2.5}):
        response = await api.client.post(
            "/v1/chat/completions", json={**chat(), **bad, "key": key}
        )
        assert response.status == 400
        assert (await response.json())["error"]["param"] == "n"
    assert await account_state(api) == (CREDIT, 0, 0)
    assert await calls(api) == []


def messages(content: Any, **fields: Any) -> dict[str, Any]:
    body = {
        "model": HAIKU.name,
        "max_tokens": 1,
        "messages": [{"role": "user", "content": content}],
    }
    return {**body, **fields}


async def test_anthropic_text_is_held_at_a_token_per_byte(api: ApiHarness) -> None:
    held = await held_for(api, "/anthropic/v1/messages", messages("a " * 20_000))
    assert held >= HAIKU.cost(40_000, 1)


async def test_an_anthropic_image_by_url_is_held_at_an_images_maximum(api: ApiHarness) -> None:
    image = {"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}}
    held = await held_for(api, "/anthropic/v1/messages", messages([image]))
    assert held >= HAIKU.cost(4_784, 1)


async def test_an_anthropic_pdf_by_url_is_held_at_the_context_window(api: ApiHarness) -> None:
    pdf = {"type": "document", "source": {"type": "url", "url": "https://x.test/a.pdf"}}
    held = await held_for(api, "/anthropic/v1/messages", messages([pdf]))
    assert held == HAIKU.cost(200_000, 1)


async def test_the_long_context_beta_widens_the_window(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    pdf = {"type": "document", "source": {"type": "file", "file_id": "file_1"}}
    headers = {"x-api-key": key, "anthropic-beta": "context-1m-2025-08-07"}
    response = await api.client.post(
        "/anthropic/v1/messages", json=messages([pdf]), headers=headers
    )
    assert response.status == 200
    [call] = await calls(api)
    assert call["held"] == HAIKU.cost(1_000_000, 1)


def generate(**fields: Any) -> dict[str, Any]:
    return {"contents": [{"parts": [{"text": "hi"}]}], **fields}


async def test_gemini_reads_both_spellings_of_the_config(api: ApiHarness) -> None:
    off = {"thinkingBudget": 0}
    body = generate(
        generationConfig={"maxOutputTokens": 1, "thinkingConfig": off},
        generation_config={"max_output_tokens": 8192, "candidate_count": 4},
    )
    assert await held_for(api, GEMINI_URL, body) >= FLASH.cost(0, 4 * 8192)


async def test_gemini_max_output_tokens_bounds_thinking_too(api: ApiHarness) -> None:
    """Google stops thoughts and answer together at maxOutputTokens: no budget is added."""
    body = generate(generationConfig={"maxOutputTokens": 10, "thinkingConfig": {}})
    assert await held_for(api, GEMINI_URL, body) == FLASH.cost(max_prompt_tokens(body, FLASH), 10)


@pytest.mark.parametrize(
    "extra",
    [
        {"cachedContent": "cachedContents/abc"},
        {"contents": [{"parts": [{"inlineData": {"mimeType": "application/pdf", "data": "AA"}}]}]},
        {"contents": [{"parts": [{"fileData": {"fileUri": "https://x.test/v.mp4"}}]}]},
    ],
)
async def test_gemini_parts_of_unknown_size_are_held_at_the_window(
    api: ApiHarness, extra: dict[str, Any]
) -> None:
    body = generate(generationConfig={"maxOutputTokens": 1, "thinkingConfig": {}}, **extra)
    held = await held_for(api, GEMINI_URL, body)
    assert held >= FLASH.cost(1_048_576, 0)


async def test_a_gemini_config_value_of_the_wrong_type_is_400_and_writes_nothing(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    body = generate(generationConfig={}, generation_config={"candidate_count": "4"})
    response = await api.client.post(GEMINI_URL, json=body, headers={"x-goog-api-key": key})
    assert response.status == 400
    assert (await response.json())["error"]["param"] == "candidate_count"
    assert await account_state(api) == (CREDIT, 0, 0)
    assert await calls(api) == []


async def test_a_model_without_a_documented_output_limit_holds_its_whole_window(
    api: ApiHarness,
) -> None:
    """gpt-6-astra's catalog entry states no maximum output: the whole window is held."""
    astra = CATALOG.get("gpt-6-astra")
    assert not astra.max_output_documented
    held = await held_for(api, "/v1/chat/completions", {**chat(), "model": "gpt-6-astra"})
    assert held >= astra.cost(0, astra.context_window)
