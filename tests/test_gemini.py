"""`POST /google/{v1,v1beta}/models/{model}:generateContent|countTokens` over the real app
and a real fake Gemini: what Google receives, what the client gets, what is charged."""

from __future__ import annotations

from typing import Any

import pytest

from providers.catalog import Model, ModelKind, load_catalog
from providers.gemini_holds import hold_for_generation
from providers.registry import PROVIDER_NAMES
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.fakes.gemini import FakeGemini
from tests.ledger import account_state, calls

MODEL = load_catalog().get("gemini-1.5-flash")
URL = "/google/v1beta/models/gemini-1.5-flash:generateContent"
IMAGE = {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}}
BODY: dict[str, Any] = {
    "contents": [{"role": "user", "parts": [{"text": "What is this?"}, IMAGE]}],
    "generationConfig": {
        "temperature": 0.2,
        "maxOutputTokens": 100,
        "thinkingConfig": {"thinkingBudget": 0},  # else thinking is bounded by the model only
    },
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
}
CREDIT = 10**6

pytestmark = pytest.mark.fake_providers("gemini")


async def test_the_sdks_header_key_is_replaced_by_the_operators(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 200
    [received] = fake_gemini.requests
    assert received.path == "/v1beta/models/gemini-1.5-flash:generateContent"
    assert received.headers["x-goog-api-key"] == OPERATOR_KEY
    assert key not in str(received)
    assert received.body == BODY  # inline image and every other field untouched


async def test_a_query_key_is_stripped_before_forwarding(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register()
    response = await api.client.post(f"{URL}?key={key}&$fields=candidates", json=BODY)
    assert response.status == 200
    [received] = fake_gemini.requests
    assert received.query == {"$fields": "candidates"}
    assert key not in str(received)


@pytest.mark.parametrize("credentials", ["bearer", "body"])
async def test_bearer_and_body_credentials_work_and_stay_here(
    api: ApiHarness, fake_gemini: FakeGemini, credentials: str
) -> None:
    key = await api.register()
    if credentials == "bearer":
        bearer = {"Authorization": f"Bearer {key}"}
        response = await api.client.post(URL, json=BODY, headers=bearer)
    else:
        response = await api.client.post(URL, json={**BODY, "username": "Alice", "key": key})
    assert response.status == 200
    [received] = fake_gemini.requests
    assert received.body == BODY
    assert key not in str(received)


async def test_the_answer_is_googles_json(api: ApiHarness, fake_gemini: FakeGemini) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    data = await response.json()
    assert data["candidates"][0]["content"]["parts"][0]["text"] == fake_gemini.reply
    assert data["usageMetadata"]["promptTokenCount"] == fake_gemini.prompt_tokens


async def test_a_call_debits_exactly_its_usage_and_says_so(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.prompt_tokens, fake_gemini.candidates_tokens = 1000, 2000
    key = await api.register(credit=CREDIT)
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    # gemini-1.5-flash: 0.075 and 0.30 USD per 1M tokens -> 75 + 600 = 675 units
    assert response.headers["X-Myapi-Cost-Units"] == "675"
    assert response.headers["X-Myapi-Balance-Units"] == str(CREDIT - 675)
    assert await account_state(api) == (CREDIT - 675, 0, 0)
    held = hold_for_generation(BODY, MODEL)
    assert await calls(api) == [
        {
            "endpoint": URL,
            "provider": "gemini",
            "model": "gemini-1.5-flash",
            "status": 200,
            "input_units": 1000,
            "output_units": 2000,
            "cost": 675,
            "held": held,
        }
    ]


async def test_thinking_tokens_are_billed_as_output(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.prompt_tokens, fake_gemini.candidates_tokens = 1000, 2000
    fake_gemini.thoughts_tokens = 1000
    key = await api.register(credit=CREDIT)
    await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    [call] = await calls(api)
    assert (call["output_units"], call["cost"]) == (3000, 75 + 900)
    assert await api.balance() == CREDIT - 975


@pytest.mark.parametrize("version", ["v1", "v1beta"])
async def test_both_api_versions_are_forwarded_as_asked(
    api: ApiHarness, fake_gemini: FakeGemini, version: str
) -> None:
    key = await api.register()
    url = f"/google/{version}/models/gemini-2.0-flash:generateContent"
    response = await api.client.post(url, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 200
    assert fake_gemini.requests[0].path == f"/{version}/models/gemini-2.0-flash:generateContent"


async def test_a_catalog_name_is_rewritten_to_the_upstream_model(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    house = Model("house-flash", "gemini", "gemini-2.0-flash", ModelKind.CHAT, 100, 400, 8192)
    api.context.registry.catalog.models["house-flash"] = house
    key = await api.register()
    for name in ("house-flash", "gemini:gemini-2.0-flash"):
        url = f"/google/v1beta/models/{name}:generateContent"
        response = await api.client.post(url, json=BODY, headers={"x-goog-api-key": key})
        assert response.status == 200
    paths = [received.path for received in fake_gemini.requests]
    assert paths == ["/v1beta/models/gemini-2.0-flash:generateContent"] * 2
    assert [call["model"] for call in await calls(api)] == ["house-flash", "gemini-2.0-flash"]


async def test_max_output_tokens_bounds_the_hold(api: ApiHarness) -> None:
    # The image bounds the prompt at 8192 tokens (615 units at 0.075/1M); 8192 output
    # tokens at 0.30/1M are 2458 more, 100 only 30 more.
    key = await api.register(credit=1000)
    unbounded = {**BODY, "generationConfig": {}}
    refused = await api.client.post(URL, json=unbounded, headers={"x-goog-api-key": key})
    assert refused.status == 402
    bounded = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert bounded.status == 200


async def test_count_tokens_is_free_even_at_zero_balance(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    key = await api.register(credit=0)
    response = await api.client.post(
        "/google/v1/models/gemini-1.5-flash:countTokens",
        json={"contents": BODY["contents"]},
        headers={"x-goog-api-key": key},
    )
    assert response.status == 200
    assert await response.json() == {"totalTokens": fake_gemini.counted_tokens}
    assert fake_gemini.requests[0].path == "/v1/models/gemini-1.5-flash:countTokens"
    assert await account_state(api) == (0, 0, 0)
    [call] = await calls(api)
    assert (call["input_units"], call["cost"], call["held"]) == (fake_gemini.counted_tokens, 0, 0)


@pytest.mark.parametrize(
    ("model", "status"),
    [("gemini-9-ultra", 404), ("gemini:nope", 404), ("gpt-4o-mini", 404), ("house-embed", 400)],
)
async def test_models_that_are_not_gemini_chat_models_cost_nothing(
    api: ApiHarness, fake_gemini: FakeGemini, model: str, status: int
) -> None:
    embed = Model("house-embed", "gemini", "text-embedding-004", ModelKind.EMBEDDING, 10)
    api.context.registry.catalog.models["house-embed"] = embed
    key = await api.register()
    url = f"/google/v1beta/models/{model}:generateContent"
    response = await api.client.post(url, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == status
    assert fake_gemini.requests == []
    assert await account_state(api) == (10**6, 0, 0)
    assert await calls(api) == []


@pytest.mark.parametrize(
    "path",
    [
        "/google/v2/models/gemini-1.5-flash:generateContent",
        "/google/v1beta/models/gemini-1.5-flash:embedContent",
        "/google/v1beta/models/gemini-1.5-flash",
    ],
)
async def test_other_versions_and_methods_are_not_routes(api: ApiHarness, path: str) -> None:
    key = await api.register()
    response = await api.client.post(path, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"contents": []},
        {"contents": "hi"},
        {**BODY, "generationConfig": {"maxOutputTokens": "100"}},
        {"contents": BODY["contents"], "generation_config": {"max_output_tokens": 0}},
    ],
)
async def test_malformed_requests_are_400_and_never_forwarded(
    api: ApiHarness, fake_gemini: FakeGemini, body: dict[str, Any]
) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=body, headers={"x-goog-api-key": key})
    assert response.status == 400
    assert fake_gemini.requests == []


@pytest.mark.parametrize(
    ("upstream_status", "client_status"), [(400, 400), (401, 503), (403, 503), (500, 502)]
)
async def test_upstream_errors_cost_nothing_and_hold_nothing(
    api: ApiHarness, fake_gemini: FakeGemini, upstream_status: int, client_status: int
) -> None:
    fake_gemini.fail_status = upstream_status
    fake_gemini.fail_message = f"* GenerateContentRequest.contents: bad. key {OPERATOR_KEY}"
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == client_status
    message = (await response.json())["error"]["message"]
    assert OPERATOR_KEY not in message
    if upstream_status == 400:
        assert "GenerateContentRequest.contents: bad" in message
    assert await account_state(api) == (10**6, 0, 0)
    [call] = await calls(api)
    assert (call["status"], call["cost"]) == (client_status, 0)


@pytest.mark.parametrize("upstream_read_timeout", [0.2])
async def test_an_upstream_timeout_is_504_and_costs_nothing(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    fake_gemini.delay = 0.6
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 504
    assert await account_state(api) == (10**6, 0, 0)


@pytest.mark.parametrize("provider_urls", [dict.fromkeys(PROVIDER_NAMES, "http://127.0.0.1:9")])
async def test_an_unreachable_provider_is_502_and_costs_nothing(api: ApiHarness) -> None:
    key = await api.register()
    response = await api.client.post(URL, json=BODY, headers={"x-goog-api-key": key})
    assert response.status == 502
    assert await account_state(api) == (10**6, 0, 0)


async def test_a_file_named_by_uri_is_held_as_a_whole_context_before_google_is_called(
    api: ApiHarness, fake_gemini: FakeGemini
) -> None:
    """Its size is unknown here: gemini-2.5-pro would hold 2M input tokens (2.62 USD) on a
    1 USD balance, so it is refused with 402 and nothing reaches Google."""
    key = await api.register()
    video = {"fileData": {"fileUri": "https://www.youtube.com/watch?v=x", "mimeType": "video/mp4"}}
    body = {"contents": [{"role": "user", "parts": [{"text": "sum it up"}, video]}]}
    pro = "/google/v1beta/models/gemini-2.5-pro:generateContent"
    response = await api.client.post(pro, json=body, headers={"x-goog-api-key": key})
    assert response.status == 402
    assert fake_gemini.requests == []
    assert await account_state(api) == (CREDIT, 0, 1)
