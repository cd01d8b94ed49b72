"""The idempotency store's contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

from storage import AccessPolicy, Storage, open_storage
from storage.idempotency import ClaimState, StoredResponse
from tests.conftest import FakeClock

TTL = 24 * 3600
ANSWER = StoredResponse(
    status=200, body=b'{"ok": true}', headers={"Content-Type": "application/json"}
)


async def _account(storage: Storage, telegram_id: int = 7, name: str = "alice") -> int:
    registration = await storage.accounts.register_telegram_user(telegram_id, name, 1000, "en")
    return registration.account.id


async def test_the_first_claim_takes_the_key(storage: Storage) -> None:
    account = await _account(storage)
    claim = await storage.idempotency.claim(account, "k1", "f1")
    assert claim.state is ClaimState.CLAIMED
    assert claim.owner


async def test_a_second_claim_while_the_first_runs_is_in_progress(storage: Storage) -> None:
    account = await _account(storage)
    await storage.idempotency.claim(account, "k1", "f1")
    claim = await storage.idempotency.claim(account, "k1", "f1")
    assert (claim.state, claim.owner) == (ClaimState.IN_PROGRESS, None)


async def test_a_different_fingerprint_is_a_mismatch_running_or_done(storage: Storage) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert (await storage.idempotency.claim(account, "k1", "f2")).state is ClaimState.MISMATCH
    assert first.owner is not None
    await storage.idempotency.complete(account, "k1", first.owner, ANSWER)
    assert (await storage.idempotency.claim(account, "k1", "f2")).state is ClaimState.MISMATCH


async def test_a_completed_key_returns_the_stored_answer(storage: Storage) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert first.owner is not None
    await storage.idempotency.complete(account, "k1", first.owner, ANSWER)
    claim = await storage.idempotency.claim(account, "k1", "f1")
    assert claim.state is ClaimState.COMPLETED
    assert claim.response == ANSWER


async def test_an_abandoned_key_can_be_claimed_again(storage: Storage) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert first.owner is not None
    await storage.idempotency.abandon(account, "k1", first.owner)
    assert (await storage.idempotency.claim(account, "k1", "f2")).state is ClaimState.CLAIMED


async def test_only_the_owner_can_complete_or_abandon(storage: Storage) -> None:
    account = await _account(storage)
    await storage.idempotency.claim(account, "k1", "f1")
    await storage.idempotency.abandon(account, "k1", "someone-else")
    await storage.idempotency.complete(account, "k1", "someone-else", ANSWER)
    assert (await storage.idempotency.claim(account, "k1", "f1")).state is ClaimState.IN_PROGRESS


async def test_a_completed_answer_is_never_abandoned(storage: Storage) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert first.owner is not None
    await storage.idempotency.complete(account, "k1", first.owner, ANSWER)
    await storage.idempotency.abandon(account, "k1", first.owner)
    assert (await storage.idempotency.claim(account, "k1", "f1")).state is ClaimState.COMPLETED


async def test_an_expired_key_is_claimed_as_new(storage: Storage, clock: FakeClock) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert first.owner is not None
    await storage.idempotency.complete(account, "k1", first.owner, ANSWER)
    clock.advance(TTL - 1)
    assert (await storage.idempotency.claim(account, "k1", "f2")).state is ClaimState.MISMATCH
    clock.advance(1)
    again = await storage.idempotency.claim(account, "k1", "f2")
    assert again.state is ClaimState.CLAIMED
    assert (await storage.idempotency.claim(account, "k1", "f2")).state is ClaimState.IN_PROGRESS


async def test_an_expired_owner_cannot_overwrite_the_new_claim(
    storage: Storage, clock: FakeClock
) -> None:
    account = await _account(storage)
    stale = await storage.idempotency.claim(account, "k1", "f1")
    clock.advance(TTL)
    await storage.idempotency.claim(account, "k1", "f1")
    assert stale.owner is not None
    await storage.idempotency.complete(account, "k1", stale.owner, ANSWER)
    assert (await storage.idempotency.claim(account, "k1", "f1")).state is ClaimState.IN_PROGRESS


async def test_keys_belong_to_one_account(storage: Storage) -> None:
    alice = await _account(storage)
    bob = await _account(storage, telegram_id=8, name="bob")
    await storage.idempotency.claim(alice, "k1", "f1")
    assert (await storage.idempotency.claim(bob, "k1", "f2")).state is ClaimState.CLAIMED


async def test_purge_deletes_only_expired_rows(storage: Storage, clock: FakeClock) -> None:
    account = await _account(storage)
    await storage.idempotency.claim(account, "old", "f1")
    clock.advance(TTL)
    await storage.idempotency.claim(account, "new", "f1")
    assert await storage.idempotency.purge_expired() == 1
    assert (await storage.idempotency.claim(account, "new", "f1")).state is ClaimState.IN_PROGRESS


async def test_the_serving_start_up_deletes_expired_answers(
    sqlite_url: str, clock: FakeClock
) -> None:
    storage = await open_storage(sqlite_url, AccessPolicy(), clock, idempotency_ttl_seconds=60)
    registration = await storage.accounts.register_telegram_user(1, "a", 10, "en")
    await storage.idempotency.claim(registration.account.id, "k", "f")
    await storage.close()
    clock.advance(61)
    reopened = await open_storage(
        sqlite_url, AccessPolicy(), clock, recover_holds=True, idempotency_ttl_seconds=60
    )
    rows = await reopened.database.fetch_all("SELECT * FROM idempotency_keys")
    await reopened.close()
    assert rows == []


STALE = 3600  # open_storage's default stale_hold_seconds, which bounds a claim in progress


async def test_a_claim_left_in_progress_past_the_stale_bound_is_taken_over(
    storage: Storage, clock: FakeClock
) -> None:
    """A replica that crashed mid-call never completes its claim: the key frees itself."""
    account = await _account(storage)
    crashed = await storage.idempotency.claim(account, "k1", "f1")
    clock.advance(STALE - 1)
    assert (await storage.idempotency.claim(account, "k1", "f1")).state is ClaimState.IN_PROGRESS
    clock.advance(1)
    retried = await storage.idempotency.claim(account, "k1", "f1")
    assert retried.state is ClaimState.CLAIMED
    assert crashed.owner is not None
    await storage.idempotency.complete(account, "k1", crashed.owner, ANSWER)
    assert (await storage.idempotency.claim(account, "k1", "f1")).state is ClaimState.IN_PROGRESS


async def test_a_completed_answer_is_kept_past_the_stale_bound(
    storage: Storage, clock: FakeClock
) -> None:
    account = await _account(storage)
    first = await storage.idempotency.claim(account, "k1", "f1")
    assert first.owner is not None
    await storage.idempotency.complete(account, "k1", first.owner, ANSWER)
    clock.advance(STALE * 2)
    replay = await storage.idempotency.claim(account, "k1", "f1")
    assert (replay.state, replay.response) == (ClaimState.COMPLETED, ANSWER)


async def test_the_sqlite_start_up_frees_claims_a_crash_left(
    sqlite_url: str, clock: FakeClock
) -> None:
    storage = await open_storage(sqlite_url, AccessPolicy(), clock)
    registration = await storage.accounts.register_telegram_user(1, "a", 10, "en")
    account = registration.account.id
    await storage.idempotency.claim(account, "running", "f")
    done = await storage.idempotency.claim(account, "done", "f")
    assert done.owner is not None
    await storage.idempotency.complete(account, "done", done.owner, ANSWER)
    await storage.close()
    reopened = await open_storage(sqlite_url, AccessPolicy(), clock, recover_holds=True)
    try:
        claim = await reopened.idempotency.claim(account, "running", "f")
        replay = await reopened.idempotency.claim(account, "done", "f")
    finally:
        await reopened.close()
    assert (claim.state, replay.state) == (ClaimState.CLAIMED, ClaimState.COMPLETED)
