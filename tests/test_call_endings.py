"""Every way a chat call can end, and what each costs (README: "How a call ends").

What is produced is billed; what is not produced is not; no ending leaves a hold behind.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import ClientSession

from providers.catalog import load_catalog
from providers.openai_holds import hold_for_chat
from providers.prompt_estimate import openai_prompt_tokens
from providers.usage import TokenUsage
from storage.database import Row
from tests.conftest import ApiHarness

pytestmark = pytest.mark.both_databases  # the money rules, over HTTP, on each database

MODEL = load_catalog().get("gpt-4o-mini")
MESSAGES = [{"role": "user", "content": "hi there"}]
BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES}
STREAM: dict[str, Any] = {**BODY, "stream": True}
CREDIT = 10**6
#: What today's estimate holds for STREAM: each ending below releases exactly this.
STREAM_HOLD = hold_for_chat(STREAM, MODEL)


async def the_call(api: ApiHarness) -> Row:
    """The one usage record, once the call has finished (polled, never slept on)."""
    for _ in range(500):
        rows = await api.storage.database.fetch_all("SELECT * FROM calls")
        if rows:
            [row] = rows
            return row
        await asyncio.sleep(0.01)
    raise AssertionError("the call was never finished")


async def assert_no_hold(api: ApiHarness) -> None:
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.reserved == 0
    assert await api.storage.accounts.ledger_total(account.id) == account.balance


async def test_success_is_billed_from_the_providers_usage(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 200
    assert (await the_call(api))["cost"] == MODEL.cost_of(TokenUsage(12, 5))
    assert await api.balance() == CREDIT - MODEL.cost_of(TokenUsage(12, 5))
    await assert_no_hold(api)


@pytest.mark.parametrize(
    ("fail_status", "client_status"), [(400, 400), (404, 404), (429, 503), (500, 502), (401, 503)]
)
async def test_an_upstream_error_is_free(
    api: ApiHarness, fail_status: int, client_status: int
) -> None:
    api.upstream.fail_status = fail_status
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == client_status
    call = await the_call(api)
    assert (call["status"], call["cost"]) == (client_status, 0)
    assert await api.balance() == CREDIT
    await assert_no_hold(api)


async def test_malformed_json_from_the_provider_is_502_and_free(api: ApiHarness) -> None:
    api.upstream.malformed_json = True
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 502
    assert await api.balance() == CREDIT
    await assert_no_hold(api)


async def test_an_answer_cut_mid_body_is_502_and_free(api: ApiHarness) -> None:
    api.upstream.cut_answer = True
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
    assert response.status == 502
    assert "the provider's answer broke off" in (await response.json())["error"]["message"]
    assert (await the_call(api))["status"] == 502
    assert await api.balance() == CREDIT
    await assert_no_hold(api)


async def test_a_stream_cut_mid_way_is_billed_for_what_was_produced(api: ApiHarness) -> None:
    api.upstream.cut_stream_after = 2
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**STREAM, "key": key})
    text = await response.text()
    assert text.count('"content"') == 2
    assert '"upstream_error"' in text  # the break travels as a last event
    call = await the_call(api)
    input_tokens = openai_prompt_tokens({"messages": MESSAGES, "model": MODEL.upstream})
    assert (call["status"], call["output_units"], call["held"]) == (502, 2, STREAM_HOLD)
    assert (
        call["cost"] == MODEL.cost_of(TokenUsage(input_tokens, 2)) == CREDIT - await api.balance()
    )
    await assert_no_hold(api)


async def test_a_stream_without_usage_is_billed_from_counted_output(api: ApiHarness) -> None:
    api.upstream.omit_usage = True
    key = await api.register(credit=CREDIT)
    response = await api.client.post("/v1/chat/completions", json={**STREAM, "key": key})
    await response.read()
    call = await the_call(api)
    words = len(api.upstream.reply.split(" "))
    input_tokens = openai_prompt_tokens(STREAM)
    assert (call["status"], call["input_units"], call["output_units"]) == (
        200,
        input_tokens,
        words,
    )
    # never free, never the whole hold
    assert (
        call["cost"]
        == MODEL.cost_of(TokenUsage(input_tokens, words))
        < call["held"]
        == STREAM_HOLD
    )
    assert await api.balance() == CREDIT - call["cost"]
    await assert_no_hold(api)


async def test_a_client_leaving_mid_stream_pays_the_usage_that_follows(api: ApiHarness) -> None:
    api.upstream.pause_stream = asyncio.Event()
    key = await api.register(credit=CREDIT)
    url = api.client.make_url("/v1/chat/completions")
    async with api.client.session.post(url, json={**STREAM, "key": key}) as response:
        first = await response.content.readany()
        assert b'"content"' in first
        response.close()  # the client goes away with the stream half done
    api.upstream.pause_stream.set()
    call = await the_call(api)  # the gateway read on to the provider's usage
    assert (call["status"], call["input_units"], call["output_units"]) == (499, 12, 5)
    assert call["cost"] == MODEL.cost_of(TokenUsage(12, 5)) == CREDIT - await api.balance()
    assert call["held"] == STREAM_HOLD
    await assert_no_hold(api)


async def test_many_simultaneous_calls_never_spend_more_than_the_balance(
    api: ApiHarness,
) -> None:
    api.upstream.prompt_tokens, api.upstream.completion_tokens = 5, 100
    per_call = MODEL.cost_of(TokenUsage(5, 100))
    key = await api.register(credit=3 * per_call + per_call // 2)
    body = {**BODY, "key": key, "max_tokens": 100}
    responses = await asyncio.gather(
        *(api.client.post("/v1/chat/completions", json=body) for _ in range(50))
    )
    statuses = [r.status for r in responses]
    assert set(statuses) <= {200, 402, 403}
    assert 1 <= statuses.count(200) <= 3
    balance = await api.balance()
    assert balance >= 0
    assert balance == 3 * per_call + per_call // 2 - statuses.count(200) * per_call
    await assert_no_hold(api)


async def test_with_production_settings_a_leaving_client_is_noticed_at_the_next_write(
    api: ApiHarness, production_url: str
) -> None:
    """`run_app` does not cancel handlers on disconnect: the relay stops at its next write."""
    api.upstream.pause_stream = asyncio.Event()
    key = await api.register(credit=CREDIT)
    async with (
        ClientSession() as session,
        session.post(
            f"{production_url}/v1/chat/completions", json={**STREAM, "key": key}
        ) as response,
    ):
        assert b'"content"' in await response.content.readany()
        response.close()
    api.upstream.pause_stream.set()
    call = await the_call(api)  # the failed write is noticed, then the relay reads on
    assert (call["status"], call["input_units"], call["output_units"]) == (499, 12, 5)
    assert call["cost"] == MODEL.cost_of(TokenUsage(12, 5)) == CREDIT - await api.balance()
    assert call["held"] == STREAM_HOLD
    await assert_no_hold(api)


async def test_usage_beyond_the_balance_charges_down_to_zero_and_records_the_rest(
    api: ApiHarness,
) -> None:
    api.upstream.prompt_tokens = 10_000_000  # the provider reports far more than was held
    key = await api.register(credit=50_000)
    response = await api.client.post(
        "/v1/chat/completions", json={**BODY, "key": key, "max_tokens": 10}
    )
    assert response.status == 200
    assert response.headers["X-Myapi-Cost-Units"] == "50000"
    assert response.headers["X-Myapi-Balance-Units"] == "0"
    call = await the_call(api)
    assert call["shortfall"] == MODEL.cost_of(TokenUsage(10_000_000, 5)) - 50_000
    assert await api.balance() == 0
    await assert_no_hold(api)
