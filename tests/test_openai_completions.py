"""`POST /v1/completions` over the real app and the fake: held for every candidate, billed
exactly from the provider's usage (genai-prices' own price of it), plain and streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import OPERATOR_KEY, ApiHarness
from tests.ledger import account_state, calls
from tests.source_prices import source_units

CATALOG = load_catalog()
INSTRUCT = CATALOG.get("gpt-3.5-turbo-instruct")
BODY: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}
#: What the fake reports (FakeUpstream's defaults).
USAGE = TokenUsage(input_tokens=12, output_tokens=5)


async def post(api: ApiHarness, body: dict[str, Any], path: str = "/v1/completions") -> Any:
    key = await api.register(credit=10**8)
    return await api.client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})


def events(text: str) -> list[str]:
    return [part.removeprefix("data: ") for part in text.split("\n\n") if part]


async def test_a_completion_is_relayed_and_billed_exactly_from_its_usage(
    api: ApiHarness,
) -> None:
    response = await post(api, BODY, "/openai/v1/completions")
    answer = await response.json()
    assert (answer["object"], answer["choices"][0]["text"]) == (
        "text_completion",
        api.upstream.reply,
    )
    [received] = api.upstream.requests
    assert (received.path, received.body) == ("/v1/completions", BODY)
    assert received.headers["Authorization"] == f"Bearer {OPERATOR_KEY}"
    cost = source_units(INSTRUCT, USAGE)
    assert response.headers["X-Myapi-Cost-Units"] == str(cost)
    [call] = await calls(api)
    assert (call["model"], call["input_units"], call["output_units"]) == (INSTRUCT.name, 12, 5)
    assert call["cost"] == cost <= call["held"]
    assert (await account_state(api))[:2] == (10**8 - cost, 0)


@pytest.mark.parametrize("model", ["davinci-002", "babbage-002"])
async def test_the_base_models_are_billed_at_their_list_prices(
    api: ApiHarness, model: str
) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 300_000, 200_000
    response = await post(api, {**BODY, "model": model, "max_tokens": 16_384})
    assert response.status == 200
    usage = TokenUsage(300_000, 200_000)
    assert response.headers["X-Myapi-Cost-Units"] == str(source_units(CATALOG.get(model), usage))


async def test_without_max_tokens_openais_default_of_16_is_held(api: ApiHarness) -> None:
    await (await post(api, {**BODY, "prompt": "hi"})).read()
    [call] = await calls(api)
    assert call["held"] == INSTRUCT.cost(2, 16)


async def test_every_prompt_every_best_of_candidate_and_the_echo_are_held(
    api: ApiHarness,
) -> None:
    body = {**BODY, "prompt": ["ab", "cde"], "n": 2, "best_of": 3, "max_tokens": 10, "echo": True}
    response = await post(api, body)
    assert len((await response.json())["choices"]) == 4
    [call] = await calls(api)
    # 5 prompt tokens; 3 candidates of each prompt: 10 generated plus the echoed prompt
    assert call["held"] == INSTRUCT.cost(5, 3 * (10 + 2) + 3 * (10 + 3))


async def test_token_arrays_are_held_by_their_ids_and_a_suffix_by_its_bytes(
    api: ApiHarness,
) -> None:
    body = {**BODY, "prompt": [[1, 2, 3], [4, 5]], "suffix": "end", "max_tokens": 1}
    await (await post(api, body)).read()
    [call] = await calls(api)
    assert call["held"] == INSTRUCT.cost(3 + 3 + 2 + 3, 2)


async def test_a_max_tokens_above_the_models_limit_holds_the_limit(api: ApiHarness) -> None:
    await (await post(api, {**BODY, "prompt": "hi", "max_tokens": 10**6})).read()
    [call] = await calls(api)
    assert call["held"] == INSTRUCT.cost(2, INSTRUCT.max_output_tokens)


async def test_a_stream_is_relayed_and_billed_from_its_usage_chunk(api: ApiHarness) -> None:
    response = await post(api, {**BODY, "stream": True})
    received = events(await response.text())
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert received[-1] == "[DONE]"
    text = "".join(json.loads(event)["choices"][0]["text"] for event in received[:-1])
    assert text == api.upstream.reply
    assert all(json.loads(event).get("usage") is None for event in received[:-1])  # not asked
    assert api.upstream.requests[0].body["stream_options"] == {"include_usage": True}
    [call] = await api.settled_calls()
    assert call["cost"] == source_units(INSTRUCT, USAGE) == 10**8 - await api.balance()


async def test_a_stream_passes_the_usage_chunk_on_when_asked(api: ApiHarness) -> None:
    body = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
    received = events(await (await post(api, body)).text())
    assert json.loads(received[-2])["usage"]["completion_tokens"] == 5


async def test_a_broken_stream_is_billed_what_it_produced_within_the_hold(
    api: ApiHarness,
) -> None:
    api.upstream.cut_stream_after = 2
    await (await post(api, {**BODY, "stream": True})).read()
    [call] = await api.settled_calls()
    assert call["status"] == 502
    assert call["output_units"] == 2  # two text events arrived
    assert 0 < call["cost"] <= call["held"]


async def test_a_failed_call_costs_nothing(api: ApiHarness) -> None:
    api.upstream.fail_status = 500
    response = await post(api, BODY)
    assert response.status == 502
    assert (await account_state(api))[:2] == (10**8, 0)


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"prompt": []}, "prompt"),
        ({"prompt": [1, "a"]}, "prompt"),
        ({"prompt": [[1], []]}, "prompt"),
        ({"prompt": {"text": "hi"}}, "prompt"),
        ({"max_tokens": -1}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"best_of": "3"}, "best_of"),
        ({"echo": "yes"}, "echo"),
        ({"model": "gpt-4o-mini"}, "model"),
    ],
)
async def test_bad_completions_are_400_and_change_nothing(
    api: ApiHarness, change: dict[str, Any], param: str
) -> None:
    response = await post(api, {**BODY, **change})
    assert response.status == 400
    assert (await response.json())["error"]["param"] == param
    assert api.upstream.requests == []
    assert await calls(api) == []
    assert (await account_state(api))[:2] == (10**8, 0)


async def test_a_completion_without_a_prompt_is_400(api: ApiHarness) -> None:
    response = await post(api, {"model": "davinci-002"})
    assert (response.status, (await response.json())["error"]["param"]) == (400, "prompt")


@pytest.mark.parametrize("prompt", [None, "", [""]])
async def test_an_empty_prompt_is_one_end_of_text_token_before_the_suffix(
    api: ApiHarness, prompt: object
) -> None:
    """Found by the hold property: an empty prompt with a suffix is more than the suffix."""
    await (await post(api, {**BODY, "prompt": prompt, "suffix": "ab"})).read()
    [call] = await calls(api)
    assert call["held"] == INSTRUCT.cost(1 + 2, 16)


async def test_chat_refuses_a_completion_model_before_anything_is_held(api: ApiHarness) -> None:
    body = {"model": "gpt-3.5-turbo-instruct", "messages": [{"role": "user", "content": "hi"}]}
    response = await post(api, body, "/v1/chat/completions")
    assert response.status == 400
    assert "completion model" in (await response.json())["error"]["message"]
    assert await calls(api) == []
