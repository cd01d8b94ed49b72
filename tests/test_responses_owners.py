"""A stored response belongs to the user who created it through the service.

Every user's call reaches OpenAI under the operator's one key, so OpenAI itself would serve
any response to whoever names its id. These tests show that another user cannot retrieve,
delete, cancel, list the input items of, count from, or continue a response they did not
create, that nothing of those attempts reaches the provider, and that the owner can. On
both databases: replicas share the record of who owns what.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.conftest import ApiHarness
from tests.ledger import account_state, calls
from tests.sdk_clients import sdk

pytestmark = pytest.mark.both_databases

CREDIT = 10**8


async def two_users(api: ApiHarness) -> tuple[str, str]:
    alice = await api.register(telegram_id=1, name="alice", credit=CREDIT)
    bob = await api.register(telegram_id=2, name="bob", credit=CREDIT)
    return alice, bob


async def alices_response(api: ApiHarness, key: str) -> str:
    async with sdk(api, key) as client:
        created = await client.responses.create(model="gpt-4o-mini", input="a secret")
    return created.id


def attempts(client: openai.AsyncOpenAI, response_id: str) -> dict[str, Any]:
    """Every way to name a response: each call, not yet awaited."""
    return {
        "retrieve": client.responses.retrieve(response_id),
        "delete": client.responses.delete(response_id),
        "cancel": client.responses.cancel(response_id),
        "input_items": client.responses.input_items.list(response_id),
        "continue": client.responses.create(
            model="gpt-4o-mini", input="and then?", previous_response_id=response_id
        ),
        "continue_stream": client.responses.create(
            model="gpt-4o-mini", input="and then?", previous_response_id=response_id, stream=True
        ),
        "compare_cache": client.responses.create(
            model="gpt-4o-mini",
            input="hi",
            prompt_cache_options={"comparison_response_id": response_id},
        ),
        "count": client.responses.input_tokens.count(
            model="gpt-4o-mini", input="and then?", previous_response_id=response_id
        ),
    }


async def test_another_user_cannot_reach_a_response_by_its_id(api: ApiHarness) -> None:
    alice, bob = await two_users(api)
    response_id = await alices_response(api, alice)
    forwarded = len(api.upstream.requests)
    async with sdk(api, bob) as client:
        for name, attempt in attempts(client, response_id).items():
            with pytest.raises(openai.NotFoundError) as refused:
                await attempt
            assert refused.value.code == "not_found", name
            assert response_id in refused.value.message, name
    assert len(api.upstream.requests) == forwarded
    assert await account_state(api, "bob") == (CREDIT, 0, 0)
    bobs = [call for call in await calls(api) if call["status"] == 404]
    assert len(bobs) == 8
    assert {call["cost"] for call in bobs} == {0}


async def test_an_id_of_another_user_answers_like_an_id_nobody_has(api: ApiHarness) -> None:
    alice, bob = await two_users(api)
    response_id = await alices_response(api, alice)
    answers = []
    for asked in (response_id, "resp_nobody"):
        response = await api.client.get(
            f"/v1/responses/{asked}", headers={"Authorization": f"Bearer {bob}"}
        )
        body = await response.json()
        answers.append((response.status, body["error"]["message"].replace(asked, "<id>")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404


async def test_the_owner_still_reaches_the_response_after_the_attempts(api: ApiHarness) -> None:
    alice, bob = await two_users(api)
    response_id = await alices_response(api, alice)
    async with sdk(api, bob) as client:
        for attempt in attempts(client, response_id).values():
            with pytest.raises(openai.NotFoundError):
                await attempt
    async with sdk(api, alice) as client:
        retrieved = await client.responses.retrieve(response_id)
        items = await client.responses.input_items.list(response_id)
        continued = await client.responses.create(
            model="gpt-4o-mini", input="and then?", previous_response_id=response_id
        )
    assert retrieved.id == response_id
    assert items.data[0].type == "message"
    assert continued.previous_response_id == response_id


async def test_a_streamed_response_can_be_continued_as_soon_as_it_ends(api: ApiHarness) -> None:
    """Its owner is recorded when `response.created` passes, not at the stream's settlement,
    so the next request (the SDK's usual next step) never races it."""
    alice, _ = await two_users(api)
    async with sdk(api, alice) as client:
        async with client.responses.stream(model="gpt-4o-mini", input="hi") as stream:
            final = await stream.get_final_response()
        continued = await client.responses.create(
            model="gpt-4o-mini", input="and then?", previous_response_id=final.id
        )
    assert continued.previous_response_id == final.id
    owned = await api.storage.database.fetch_all("SELECT id FROM responses ORDER BY id")
    assert [row["id"] for row in owned] == sorted([final.id, continued.id])


async def test_the_owner_cannot_cancel_a_response_that_was_not_in_the_background(
    api: ApiHarness,
) -> None:
    """Forwarded (it is theirs), and the provider's own refusal comes back, free."""
    alice, _ = await two_users(api)
    response_id = await alices_response(api, alice)
    async with sdk(api, alice) as client:
        with pytest.raises(openai.BadRequestError, match="background"):
            await client.responses.cancel(response_id)
    assert api.upstream.requests[-1].path == f"/v1/responses/{response_id}/cancel"


async def test_a_response_not_stored_is_owned_by_nobody(api: ApiHarness) -> None:
    alice, _ = await two_users(api)
    async with sdk(api, alice) as client:
        created = await client.responses.create(model="gpt-4o-mini", input="hi", store=False)
        with pytest.raises(openai.NotFoundError):
            await client.responses.retrieve(created.id)
    assert await api.storage.database.fetch_all("SELECT id FROM responses") == []


async def test_a_wrong_key_on_a_management_call_is_refused_before_anything_else(
    api: ApiHarness,
) -> None:
    alice, _ = await two_users(api)
    response_id = await alices_response(api, alice)
    forwarded = len(api.upstream.requests)
    async with sdk(api, "myapi-wrong") as client:
        with pytest.raises(openai.AuthenticationError):
            await client.responses.retrieve(response_id)
    assert len(api.upstream.requests) == forwarded


async def test_a_wrong_key_for_a_username_is_a_strike_on_a_free_count(api: ApiHarness) -> None:
    await two_users(api)
    body = {"username": "alice", "key": "myapi-wrong", "model": "gpt-4o-mini", "input": "hi"}
    response = await api.client.post("/v1/responses/input_tokens", json=body)
    assert response.status == 401
    assert await account_state(api) == (CREDIT, 0, 1)
    assert api.upstream.requests == []
