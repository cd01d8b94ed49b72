"""Background responses: the hold stays until the response reaches a final state, and the
response is settled exactly once, from the usage of that state, by whoever learns it first
(the owner's retrieve or cancel, or the periodic poll), on both databases."""

from __future__ import annotations

import asyncio

import openai
import pytest

from api.background import BackgroundPoll, settlement_record
from providers.catalog import load_catalog
from providers.responses_holds import hold_for_response
from providers.usage import TokenUsage
from storage.responses import OwnedResponse
from tests.clock import START
from tests.conftest import ApiHarness
from tests.ledger import account_state
from tests.sdk_clients import sdk

pytestmark = pytest.mark.both_databases

CREDIT = 10**7
MODEL = load_catalog().get("gpt-5")
BODY = {"model": "gpt-5", "input": "Research this", "max_output_tokens": 5000, "background": True}
HOLD = hold_for_response(BODY, MODEL)
USAGE = TokenUsage(1200, 3000, cache_read_tokens=200, reasoning_tokens=2500)
COST = MODEL.cost_of(USAGE)
MAX_AGE = 24 * 3600


@pytest.fixture(autouse=True)
def reported_usage(api: ApiHarness) -> None:
    fake = api.upstream
    fake.prompt_tokens, fake.completion_tokens = USAGE.input_tokens, USAGE.output_tokens
    fake.responses.cached_tokens = USAGE.cache_read_tokens
    fake.responses.reasoning_tokens = USAGE.reasoning_tokens


async def started(api: ApiHarness, key: str) -> str:
    async with sdk(api, key) as client:
        raw = await client.responses.with_raw_response.create(
            model="gpt-5", input="Research this", max_output_tokens=5000, background=True
        )
    response = raw.parse()
    assert response.status == "queued"
    assert (raw.headers["X-Myapi-Held-Units"], raw.headers["X-Myapi-Cost-Units"]) == (
        str(HOLD),
        "0",
    )
    return response.id


async def settlements(api: ApiHarness) -> list[dict[str, object]]:
    """The usage records that charged a background response (the free calls aside)."""
    rows = await api.storage.database.fetch_all(
        "SELECT request_id, status, cost, held, input_units, output_units FROM calls "
        "WHERE held > 0 ORDER BY id"
    )
    return [dict(row) for row in rows]


async def test_the_hold_stays_while_the_response_runs(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    async with sdk(api, key) as client:
        running = await client.responses.retrieve(response_id)
    assert running.status == "queued"
    assert await account_state(api) == (CREDIT, HOLD, 0)
    assert await settlements(api) == []


async def test_a_retrieve_of_the_finished_response_settles_it_exactly(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    api.upstream.responses.finish(response_id)
    async with sdk(api, key) as client:
        done = await client.responses.retrieve(response_id)
        again = await client.responses.retrieve(response_id)
    assert (done.status, again.status) == ("completed", "completed")
    assert await account_state(api) == (CREDIT - COST, 0, 0)
    [settled] = await settlements(api)
    created = await api.storage.database.fetch_one(
        "SELECT request_id FROM calls WHERE endpoint = '/v1/responses' ORDER BY id LIMIT 1"
    )
    assert created is not None
    assert settled == {
        "request_id": created["request_id"],  # the gate's hold is released under its id
        "status": 200,
        "cost": COST,
        "held": HOLD,
        "input_units": 1200,
        "output_units": 3000,
    }


async def test_a_cancel_settles_what_was_used_and_releases_the_rest(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    async with sdk(api, key) as client:
        cancelled = await client.responses.cancel(response_id)
    assert cancelled.status == "cancelled"
    assert await account_state(api) == (CREDIT - COST, 0, 0)
    [settled] = await settlements(api)
    assert (settled["status"], settled["cost"]) == (499, COST)


async def test_a_cancel_reporting_no_usage_costs_the_hold(api: ApiHarness) -> None:
    api.upstream.responses.cancel_usage = False
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    async with sdk(api, key) as client:
        await client.responses.cancel(response_id)
    assert await account_state(api) == (CREDIT - HOLD, 0, 0)


async def test_the_poll_settles_a_finished_response_nobody_retrieves(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    poll = BackgroundPoll(api.context, MAX_AGE)
    assert await poll.run_once() == 0  # still running: nothing to settle
    api.upstream.responses.finish(response_id)
    assert await poll.run_once() == 1
    assert await poll.run_once() == 0
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_the_poll_cancels_a_response_past_its_bound_and_settles_it(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    api.clock.advance(MAX_AGE)
    assert await BackgroundPoll(api.context, MAX_AGE).run_once() == 1
    assert api.upstream.requests[-1].path == f"/v1/responses/{response_id}/cancel"
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_a_response_the_provider_lost_costs_its_hold(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    del api.upstream.responses.stored[response_id]
    assert await BackgroundPoll(api.context, MAX_AGE).run_once() == 1
    assert await account_state(api) == (CREDIT - HOLD, 0, 0)


async def test_the_poll_asks_about_the_least_recently_polled_first(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    first, second = await started(api, key), await started(api, key)
    poll = BackgroundPoll(api.context, MAX_AGE, batch=1)
    await poll.run_once()
    await poll.run_once()
    asked = [sent.path for sent in api.upstream.requests if sent.path.count("/") == 3]
    assert asked == [f"/v1/responses/{first}", f"/v1/responses/{second}"]


async def test_settlers_racing_each_other_charge_once(api: ApiHarness) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    api.upstream.responses.finish(response_id)
    async with sdk(api, key) as client:
        await asyncio.gather(
            client.responses.retrieve(response_id),
            BackgroundPoll(api.context, MAX_AGE).run_once(),
            client.responses.retrieve(response_id),
            BackgroundPoll(api.context, MAX_AGE).run_once(),
        )
    assert len(await settlements(api)) == 1
    assert await account_state(api) == (CREDIT - COST, 0, 0)


async def test_a_restart_keeps_the_hold_of_a_running_response(api: ApiHarness) -> None:
    """Start-up recovery (past the stale bound, on PostgreSQL too) releases crashed calls'
    holds, never a running background response's; settling it later releases it once."""
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    [after] = await api.after_restart()
    assert (after.balance, after.reserved) == (CREDIT, HOLD)
    api.upstream.responses.finish(response_id)
    assert await BackgroundPoll(api.context, MAX_AGE).run_once() == 1
    [settled] = await api.after_restart()
    assert (settled.balance, settled.reserved) == (CREDIT - COST, 0)


async def test_a_running_response_cannot_be_deleted_before_it_is_settled(
    api: ApiHarness,
) -> None:
    key = await api.register(credit=CREDIT)
    response_id = await started(api, key)
    async with sdk(api, key) as client:
        with pytest.raises(openai.ConflictError):
            await client.responses.delete(response_id)
        assert response_id in api.upstream.responses.stored
        api.upstream.responses.finish(response_id)
        await client.responses.retrieve(response_id)
        await client.responses.delete(response_id)
    assert response_id not in api.upstream.responses.stored


async def test_another_user_cannot_settle_or_cancel_it(api: ApiHarness) -> None:
    alice = await api.register(credit=CREDIT)
    bob = await api.register(telegram_id=2, name="bob", credit=CREDIT)
    response_id = await started(api, alice)
    api.upstream.responses.finish(response_id)
    async with sdk(api, bob) as client:
        for attempt in (client.responses.retrieve, client.responses.cancel):
            with pytest.raises(openai.NotFoundError):
                await attempt(response_id)
    assert await account_state(api) == (CREDIT, HOLD, 0)


@pytest.mark.parametrize(
    ("extra", "param"), [({"stream": True}, "stream"), ({"store": False}, "store")]
)
async def test_a_background_response_is_stored_and_polled_not_streamed(
    api: ApiHarness, extra: dict[str, bool], param: str
) -> None:
    key = await api.register(credit=CREDIT)
    body = {**BODY, **extra}
    response = await api.client.post(
        "/v1/responses", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["param"] == param
    assert api.upstream.requests == []


async def test_a_response_whose_model_lost_its_price_costs_its_hold(api: ApiHarness) -> None:
    answer = {"status": "completed", "usage": {"input_tokens": 10, "output_tokens": 20}}
    for model in ("claude-mythos-5", "no-longer-sold"):  # unpriced, and gone from the catalog
        owned = OwnedResponse("resp_1", 1, model, START, 700, "req-1", None)
        record = settlement_record(api.context, owned, answer)
        assert (record.cost, record.held, record.output_units) == (700, 700, 20)
