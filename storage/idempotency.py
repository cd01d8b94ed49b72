"""Stored answers for `Idempotency-Key`: one row per (account, key), shared by replicas.

A row is claimed before the upstream call and completed with the answer after it, so a
retry on any replica finds either "in progress" or the answer to replay. The claim is one
statement (INSERT ... ON CONFLICT ... RETURNING): of two concurrent requests with the same
key exactly one gets the row back. An expired row is taken over by the same statement (its
conflict branch updates only when `expires_at` has passed), so an expired key behaves as
new without a separate delete that could race. So is a claim still in progress after
`stale_claim_seconds`: the request that made it died with its process (a crashed replica
never completes or abandons it), and its key must not stay blocked for the whole TTL.

Invariants: a row with `status IS NULL` is a claim in progress; only the claim's `owner`
(a random token handed out by `claim`) can complete or abandon it, so a request whose
claim expired and was taken over cannot overwrite the new owner's row.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from storage.clock import Clock
from storage.database import Database, Row

# The table is created by migration 7 (storage/migrations.py).
_CLAIM = """
INSERT INTO idempotency_keys (account_id, idem_key, fingerprint, owner, created_at, expires_at)
VALUES (:account_id, :idem_key, :fingerprint, :owner, :now, :expires_at)
ON CONFLICT (account_id, idem_key) DO UPDATE SET
    fingerprint = excluded.fingerprint, owner = excluded.owner, status = NULL,
    headers = NULL, body = NULL, created_at = excluded.created_at,
    expires_at = excluded.expires_at
WHERE idempotency_keys.expires_at <= :now
    OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at <= :stale_before)
RETURNING owner
"""
_LOOKUP = """
SELECT fingerprint, status, headers, body FROM idempotency_keys
WHERE account_id = :account_id AND idem_key = :idem_key AND expires_at > :now
"""
_COMPLETE = """
UPDATE idempotency_keys SET status = :status, headers = :headers, body = :body
WHERE account_id = :account_id AND idem_key = :idem_key AND owner = :owner
    AND status IS NULL
"""
_ABANDON = """
DELETE FROM idempotency_keys
WHERE account_id = :account_id AND idem_key = :idem_key AND owner = :owner
    AND status IS NULL
"""
_PURGE = "DELETE FROM idempotency_keys WHERE expires_at <= :now RETURNING idem_key"
_ABANDON_ALL = "DELETE FROM idempotency_keys WHERE status IS NULL RETURNING idem_key"
_ABANDON_STALE = """
DELETE FROM idempotency_keys WHERE status IS NULL AND created_at <= :stale_before
RETURNING idem_key
"""


class ClaimState(StrEnum):
    """What a claim found: the key is now ours, or what another request left there."""

    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    MISMATCH = "mismatch"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """An answer as it is replayed: status, the chosen headers, the body bytes."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Claim:
    """`owner` is set when CLAIMED, `response` when COMPLETED."""

    state: ClaimState
    owner: str | None = None
    response: StoredResponse | None = None


class IdempotencyStore:
    """Claims, completes and abandons idempotency keys; rows live `ttl_seconds`, claims in
    progress at most `stale_claim_seconds` (the service's STALE_HOLD_MINUTES: a call that
    runs longer is as dead as its hold, which is released then too)."""

    def __init__(
        self, database: Database, clock: Clock, ttl_seconds: int, stale_claim_seconds: int = 3600
    ) -> None:
        if ttl_seconds < 1 or stale_claim_seconds < 1:
            raise ValueError("the idempotency TTL and stale bound must be at least one second")
        self._db = database
        self._clock = clock
        self._ttl = ttl_seconds
        self._stale = stale_claim_seconds

    async def claim(self, account_id: int, key: str, fingerprint: str) -> Claim:
        """Take the key for a new request, or say what an earlier one left there.

        A row that vanished between the failed claim and the lookup (its request failed
        and abandoned it) is claimed again, once; if that loses too, the key is in use.
        """
        for _ in range(2):
            now = self._clock()
            owner = uuid.uuid4().hex
            params = {"account_id": account_id, "idem_key": key, "now": now}
            claimed = await self._db.fetch_one(
                _CLAIM,
                {
                    **params,
                    "fingerprint": fingerprint,
                    "owner": owner,
                    "expires_at": now + self._ttl,
                    "stale_before": now - self._stale,
                },
            )
            if claimed is not None:
                return Claim(ClaimState.CLAIMED, owner=owner)
            row = await self._db.fetch_one(_LOOKUP, params)
            if row is not None:
                return _found(row, fingerprint)
        return Claim(ClaimState.IN_PROGRESS)

    async def complete(
        self, account_id: int, key: str, owner: str, response: StoredResponse
    ) -> None:
        """Store the answer for replay (a no-op unless `owner` still holds the claim)."""
        await self._db.execute(
            _COMPLETE,
            {
                "account_id": account_id,
                "idem_key": key,
                "owner": owner,
                "status": response.status,
                "headers": json.dumps(response.headers),
                "body": response.body,
            },
        )

    async def abandon(self, account_id: int, key: str, owner: str) -> None:
        """Free the key after a failed call, so the client may retry with the same key."""
        await self._db.execute(
            _ABANDON, {"account_id": account_id, "idem_key": key, "owner": owner}
        )

    async def abandon_all_claims(self) -> int:
        """Free every claim in progress: for SQLite's start-up, whose one serving process
        owns the database, so no request of a running process can hold one."""
        return len(await self._db.fetch_all(_ABANDON_ALL))

    async def abandon_stale_claims(self) -> int:
        """Free claims in progress older than `stale_claim_seconds`: their requests died with
        a crashed replica. (A claim would take such a key over anyway; deleting it keeps the
        table from filling with them.) Their owners, if somehow alive, complete nothing."""
        stale_before = self._clock() - self._stale
        rows = await self._db.fetch_all(_ABANDON_STALE, {"stale_before": stale_before})
        return len(rows)

    async def purge_expired(self) -> int:
        """Delete expired rows (they already behave as absent); returns how many."""
        rows = await self._db.fetch_all(_PURGE, {"now": self._clock()})
        return len(rows)


def _found(row: Row, fingerprint: str) -> Claim:
    """The verdict on another request's row: a different request first, then its state."""
    if row["fingerprint"] != fingerprint:
        return Claim(ClaimState.MISMATCH)
    if row["status"] is None:
        return Claim(ClaimState.IN_PROGRESS)
    headers: dict[str, str] = json.loads(row["headers"] or "{}")
    response = StoredResponse(status=int(row["status"]), body=bytes(row["body"]), headers=headers)
    return Claim(ClaimState.COMPLETED, response=response)
