"""Who owns a stored response (migration 15), on SQLite and PostgreSQL: a claim, or the
settlement of the call that created it, records the first owner, and no one else's."""

from __future__ import annotations

from storage import Storage
from storage.models import CallRecord


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
    assert await storage.responses.unowned(alice, ["resp_1"]) is None
    assert await storage.responses.unowned(bob, ["resp_1"]) == "resp_1"


async def test_a_second_claim_never_moves_an_id(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    await storage.responses.claim("resp_1", bob, "gpt-5")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    assert await storage.responses.unowned(bob, ["resp_1"]) == "resp_1"
    assert await storage.responses.unowned(alice, ["resp_1"]) is None


async def test_unowned_names_the_first_id_that_is_not_the_callers(storage: Storage) -> None:
    alice = await account(storage, 1, "alice")
    await storage.responses.claim("resp_1", alice, "gpt-5")
    assert await storage.responses.unowned(alice, ["resp_1", "resp_2", "resp_3"]) == "resp_2"
    assert await storage.responses.unowned(alice, []) is None


async def test_settling_the_creating_call_records_its_owner(storage: Storage) -> None:
    alice, bob = await account(storage, 1, "alice"), await account(storage, 2, "bob")
    settlement = await storage.accounts.finish_call(created(alice, "resp_1", cost=300))
    assert settlement.charged == 300
    assert await storage.responses.unowned(alice, ["resp_1"]) is None
    assert await storage.responses.unowned(bob, ["resp_1"]) == "resp_1"
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
