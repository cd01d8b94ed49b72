"""OpenAI's Responses API through the service, with the official `openai` package as client:
created, streamed and counted, each billed exactly from the final response's usage."""

from __future__ import annotations

import openai
import pytest

from providers.catalog import load_catalog
from providers.usage import TokenUsage
from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.sdk_clients import sdk

CREDIT = 10**7
CATALOG = load_catalog()
#: What the fake reports: 1 200 input tokens (800 of them cached, 100 written to the
#: cache), 900 output tokens (600 of them reasoning).
USAGE = TokenUsage(
    input_tokens=1200,
    output_tokens=900,
    cache_read_tokens=800,
    cache_write_tokens=100,
    reasoning_tokens=600,
)


@pytest.fixture(autouse=True)
def reported_usage(api: ApiHarness) -> None:
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = USAGE.input_tokens, USAGE.output_tokens
    fake.responses.cached_tokens = USAGE.cache_read_tokens
    fake.responses.cache_write_tokens = USAGE.cache_write_tokens
    fake.responses.reasoning_tokens = USAGE.reasoning_tokens


def cost(model: str) -> int:
    return CATALOG.get(model).cost_of(USAGE)


async def test_a_response_is_billed_each_usage_category_at_its_price(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        response = await client.responses.create(model="gpt-5", input="Say hello")
    assert response.output_text == api.upstream.reply
    assert response.usage is not None
    assert response.usage.input_tokens == 1200
    # Cached input is cheaper than the rest, and reasoning is output: neither is the flat
    # price of the totals.
    assert cost("gpt-5") != CATALOG.get("gpt-5").cost(1200, 900)
    assert await account_state(api) == (CREDIT - cost("gpt-5"), 0, 0)
    [call] = await calls(api)
    assert (call["status"], call["input_units"], call["output_units"]) == (200, 1200, 900)
    assert call["cost"] == cost("gpt-5") <= call["held"]


async def test_the_breakdown_is_recorded_with_the_call(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.responses.create(model="gpt-5", input="Say hello")
    row = await api.storage.database.fetch_one(
        "SELECT cache_read_tokens, cache_write_tokens, reasoning_tokens FROM calls"
    )
    assert row is not None
    assert tuple(row.values()) == (800, 100, 600)


async def test_the_provider_gets_the_upstream_model_and_the_body_untouched(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        await client.responses.create(
            model="gpt-5",
            input=[{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
            instructions="Be brief.",
            max_output_tokens=500,
            metadata={"topic": "greeting"},
        )
    [sent] = api.upstream.requests
    assert sent.path == "/v1/responses"
    assert sent.headers["Authorization"] == "Bearer sk-operator-secret-0123456789"
    assert sent.body["instructions"] == "Be brief."
    assert sent.body["metadata"] == {"topic": "greeting"}
    assert sent.body["max_output_tokens"] == 500


async def test_a_stream_through_the_sdk_helper_is_billed_from_response_completed(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    async with (
        sdk(api, key) as client,
        client.responses.stream(model="gpt-5", input="Say hello") as stream,
    ):
        deltas = [
            event.delta async for event in stream if event.type == "response.output_text.delta"
        ]
        final = await stream.get_final_response()
    assert "".join(deltas).strip() == api.upstream.reply
    assert final.usage is not None
    assert final.usage.output_tokens == 900
    await api.settled_calls()
    assert await account_state(api) == (CREDIT - cost("gpt-5"), 0, 0)


async def test_every_event_of_a_raw_stream_reaches_the_client_in_order(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.responses.create(model="gpt-5", input="Say hello", stream=True)
        events = [event async for event in stream]
    kinds = [event.type for event in events]
    words = len(api.upstream.reply.split(" "))
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * words,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    await api.settled_calls()
    assert await account_state(api) == (CREDIT - cost("gpt-5"), 0, 0)


@pytest.mark.parametrize("ending", ["incomplete", "failed"])
async def test_a_response_ending_short_is_billed_from_the_usage_it_carries(
    api: ApiHarness, ending: str
) -> None:
    api.upstream.responses.status = ending
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.responses.create(model="gpt-5", input="Say hello", stream=True)
        kinds = [event.type async for event in stream]
    assert kinds[-1] == f"response.{ending}"
    [call] = await api.settled_calls()
    assert call["status"] == (200 if ending == "incomplete" else 502)
    assert await account_state(api) == (CREDIT - cost("gpt-5"), 0, 0)


async def test_a_stream_the_provider_breaks_off_raises_in_the_sdk(api: ApiHarness) -> None:
    api.upstream.cut_stream_after = 2
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        stream = await client.responses.create(model="gpt-5", input="Say hello", stream=True)
        with pytest.raises(openai.APIError, match="broke off"):
            async for _ in stream:
                pass
    [call] = await api.settled_calls()
    assert call["status"] == 502
    assert 0 < call["cost"] <= call["held"]
    assert await account_state(api) == (CREDIT - call["cost"], 0, 0)


async def test_counting_input_tokens_is_free_but_goes_through_the_gate(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        counted = await client.responses.input_tokens.count(model="gpt-5", input="Say hello")
    assert counted.input_tokens == api.upstream.responses.counted_tokens
    [sent] = api.upstream.requests
    assert sent.path == "/v1/responses/input_tokens"
    [call] = await calls(api)
    assert (call["status"], call["input_units"], call["cost"], call["held"]) == (200, 11, 0, 0)
    assert await account_state(api) == (CREDIT, 0, 0)


async def test_counting_works_at_a_zero_balance_and_refuses_a_wrong_key(api: ApiHarness) -> None:
    key = await api.register(credit=0)
    async with sdk(api, key) as client:
        counted = await client.responses.input_tokens.count(model="gpt-5", input="hi")
    assert counted.input_tokens == 11
    async with sdk(api, "myapi-wrong") as client:
        with pytest.raises(openai.AuthenticationError):
            await client.responses.input_tokens.count(model="gpt-5", input="hi")


async def test_the_owner_retrieves_lists_and_deletes_a_stored_response(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        created = await client.responses.create(model="gpt-5", input="Say hello")
        retrieved = await client.responses.retrieve(created.id)
        items = await client.responses.input_items.list(created.id)
        await client.responses.delete(created.id)
        with pytest.raises(openai.NotFoundError):
            await client.responses.retrieve(created.id)
    assert retrieved.id == created.id
    assert retrieved.output_text == api.upstream.reply
    assert [item.type for item in items.data] == ["message"]
    management = [call for call in await calls(api) if call["model"] == "responses"]
    assert [(call["status"], call["cost"]) for call in management] == [
        (200, 0),
        (200, 0),
        (200, 0),
        (404, 0),
    ]
    assert await account_state(api) == (CREDIT - cost("gpt-5"), 0, 0)


async def test_a_chat_model_name_works_on_the_responses_api(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    async with sdk(api, key) as client:
        response = await client.responses.create(model="gpt-4o-mini", input="hi")
    assert response.output_text == api.upstream.reply
    assert await account_state(api) == (CREDIT - cost("gpt-4o-mini"), 0, 0)


async def test_a_responses_only_model_works_there_and_chat_refuses_it(api: ApiHarness) -> None:
    key = await api.register(credit=10**8)
    async with sdk(api, key) as client:
        await client.responses.create(model="o3-pro", input="hi", max_output_tokens=1000)
        with pytest.raises(openai.BadRequestError) as refused:
            await client.chat.completions.create(
                model="o3-pro", messages=[{"role": "user", "content": "hi"}]
            )
    assert refused.value.code == "model_not_supported"
    assert "/v1/responses" in refused.value.message
    assert [sent.path for sent in api.upstream.requests] == ["/v1/responses"]
    assert await account_state(api) == (10**8 - cost("o3-pro"), 0, 0)
