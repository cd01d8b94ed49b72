"""Who owns a stored response (migration 15), on SQLite and PostgreSQL: a claim, or the
settlement of the call that created it, records the first owner, and no one else's; a
background response's hold survives recovery and is settled exactly once."""

from __future__ import annotations

import asyncio

from storage import Storage
from storage.models import CallRecord
from storage.responses import OwnedResponse
from tests.clock import FakeClock


async def owned(storage: Storage, account_id: int, *response_ids: str) -> list[str]:
    """Which of `response_ids` the account owns, in the order asked."""
    found = {response.id for response in await storage.responses.owned(account_id, response_ids)}
    return [value for value in response_ids if value in found]


async def account(storage: Storage, telegram_id: int, name: str) -> int:
    registration = await storage.accounts.register_telegram_user(telegram_id, name, 10_000, "en")
    return registration.account.id


def created(account_id: int, response_id: str | None, cost: int = 0) -> CallRecord:
    """A call settled with no hold that created `response_id` (None: created nothing)."""
    return CallRecord(
        "req-1",
        account_id,
        "/v1/responses",
        "openai",
        "gpt-5",
        200,
        1,
        2,
        cost,
        0,
        5,
        response_id=response_id,
    )


async def test_a_claimed_id_is_its_owners_only(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    assert await owned(storage, alice, "resp_1") == ["resp_1"]
    assert await owned(storage, bob, "resp_1") == []


async def test_a_second_claim_never_moves_an_id(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    await storage.responses.claim("resp_1", bob, "gpt-5")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    assert await owned(storage, bob, "resp_1") == []
    assert await owned(storage, alice, "resp_1") == ["resp_1"]


async def test_owned_are_only_the_callers_among_the_ids_asked(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    await storage.responses.claim("resp_2", bob, "gpt-5")
    assert await owned(storage, alice, "resp_1", "resp_2", "resp_3") == ["resp_1"]
    assert await storage.responses.owned(alice, []) == []


async def test_settling_the_creating_call_records_its_owner(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    settlement = await storage.accounts.finish_call(created(alice, "resp_1", cost=300))
    assert settlement.charged == 300
    assert await owned(storage, alice, "resp_1") == ["resp_1"]
    assert await owned(storage, bob, "resp_1") == []
    row = await storage.database.fetch_one("SELECT response_id FROM calls")
    assert row is not None
    assert row["response_id"] == "resp_1"


async def test_a_settlement_after_the_streams_claim_changes_nothing(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    await storage.accounts.finish_call(created(alice, "resp_1"))
    await storage.accounts.finish_call(created(bob, "resp_1"))
    rows = await storage.database.fetch_all("SELECT id, account_id FROM responses")
    assert [(row["id"], row["account_id"]) for row in rows] == [("resp_1", alice)]


async def test_a_call_that_created_no_response_records_no_owner(storage: Storage) -> None:
    alice = await account(storage, 1, "alice")
    await storage.accounts.finish_call(created(alice, None))
    assert await storage.database.fetch_all("SELECT id FROM responses") == []


# --- background responses: a hold kept past the call, settled once ---------------------

HELD = 5000


async def background(storage: Storage, response_id: str = "resp_bg") -> int:
    """Alice's background response: the gate holds HELD under "req-bg", kept past the call
    (its own record releases nothing). Returns alice's account id."""
    registration = await storage.accounts.register_telegram_user(1, "alice", 10_000, "en")
    assert registration.secret is not None
    auth = await storage.accounts.authorize("alice", registration.secret, HELD, "req-bg")
    assert auth.account_id is not None
    await storage.responses.claim(
        response_id, auth.account_id, "gpt-5", held=HELD, request_id="req-bg"
    )
    return auth.account_id


def final(owned: OwnedResponse, cost: int = 1200) -> CallRecord:
    return CallRecord(
        owned.request_id or "",
        owned.account_id,
        "/v1/responses",
        "openai",
        owned.model,
        200,
        10,
        20,
        cost,
        owned.held,
        5,
    )


async def money(storage: Storage) -> tuple[int, int]:
    account = await storage.accounts.by_username("alice")
    assert account is not None
    return account.balance, account.reserved


async def test_a_background_hold_is_kept_until_it_is_settled_once(storage: Storage) -> None:
    await background(storage)
    assert await money(storage) == (10_000, HELD)
    first = await storage.responses.settle("resp_bg", final)
    second = await storage.responses.settle("resp_bg", final)
    assert first is not None
    assert (first.charged, second) == (1200, None)
    assert await money(storage) == (8_800, 0)


async def test_settlers_at_once_settle_once(storage: Storage) -> None:
    await background(storage)
    results = await asyncio.gather(*(storage.responses.settle("resp_bg", final) for _ in range(4)))
    assert len([result for result in results if result is not None]) == 1
    assert await money(storage) == (8_800, 0)


async def test_a_response_without_a_hold_is_never_settled(storage: Storage) -> None:
    alice = await account(storage, 1, "alice")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    assert await storage.responses.settle("resp_1", final) is None
    assert await storage.responses.take_due(10) == []


async def test_recovery_leaves_an_open_background_hold(storage: Storage, clock: FakeClock) -> None:
    await background(storage)
    clock.advance(10 * 24 * 3600)  # far past any stale bound
    if storage.database.dialect == "sqlite":
        await storage.holds.release_all_holds()
    else:
        await storage.holds.release_stale_holds(3600)
    assert await money(storage) == (10_000, HELD)
    await storage.responses.settle("resp_bg", final)
    assert await money(storage) == (8_800, 0)


async def test_the_open_holds_due_are_those_polled_longest_ago(
    storage: Storage, clock: FakeClock
) -> None:
    alice = await background(storage, "resp_a")
    for name in ("resp_b", "resp_c"):
        clock.advance(1)
        await storage.responses.claim(name, alice, "gpt-5", held=1, request_id=name)
    assert [r.id for r in await storage.responses.take_due(2)] == ["resp_a", "resp_b"]
    clock.advance(1)
    assert [r.id for r in await storage.responses.take_due(2)] == ["resp_a", "resp_c"]
    await storage.responses.settle("resp_a", final)
    assert [r.id for r in await storage.responses.take_due(5)] == ["resp_b", "resp_c"]
