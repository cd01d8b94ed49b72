"""Releasing holds a crash left behind: every one on SQLite, the stale ones on PostgreSQL.

A hold is money set aside for a call still running; when its process dies the call never
settles, so the hold must be released by someone else. Who may release what is decided by
the caller (`storage.open_storage` at start-up, the periodic sweep of `api.sweeper`): on
SQLite the one serving process owns the file, so at its start-up no hold can be live; on
PostgreSQL other replicas may be mid-call, so only holds older than any call can run.
Neither releases the hold of a background response still open: it is released only when
that response is settled (`storage.responses`).
"""

from __future__ import annotations

from storage.clock import Clock
from storage.database import Database

#: A hold kept for a background response that is not settled yet: it outlives any call on
#: purpose (see `storage.schema_responses`), so no recovery releases it.
_BACKGROUND_HOLD = """EXISTS (
    SELECT 1 FROM responses r
    WHERE r.account_id = holds.account_id AND r.request_id = holds.request_id
      AND r.held > 0 AND r.settled_at IS NULL
)"""
_STALE = f"created_at < :cutoff AND NOT {_BACKGROUND_HOLD}"

# The accounts are locked first, in id order, as a settle locks its account before it
# deletes its hold row: taking the hold rows first could deadlock with a settle, and the
# settle would be the one PostgreSQL aborts.
_LOCK_STALE_ACCOUNTS = f"""
SELECT id FROM accounts
WHERE id IN (SELECT account_id FROM holds WHERE {_STALE})
ORDER BY id FOR UPDATE
"""

_RELEASE_STALE_HOLDS = f"""
WITH stale AS (DELETE FROM holds WHERE {_STALE} RETURNING account_id, amount),
totals AS (SELECT account_id, SUM(amount) AS amount FROM stale GROUP BY account_id)
UPDATE accounts SET reserved = reserved - totals.amount
FROM totals WHERE accounts.id = totals.account_id
RETURNING accounts.id
"""


class HoldRecovery:
    """Releases holds whose calls cannot still be running."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def release_stale_holds(self, older_than_seconds: int) -> int:
        """Release holds (PostgreSQL rows) older than any call can still be running.

        Several replicas share the database, so a restarting one cannot release every hold:
        only those too old to belong to a live call. Safe beside settles and other replicas'
        sweeps: each hold row is deleted once, and only its deleter releases it. Returns how
        many accounts got funds back.
        """
        params = {"cutoff": self._clock() - older_than_seconds}
        async with self._db.transaction() as tx:
            await tx.fetch_all(_LOCK_STALE_ACCOUNTS, params)
            rows = await tx.fetch_all(_RELEASE_STALE_HOLDS, params)
        return len(rows)

    async def release_all_holds(self) -> int:
        """At start-up of the only process using the database, no call can still be running:
        every hold goes but those of background responses not settled yet."""
        rows = await self._db.fetch_all(_RELEASE_ALL_HOLDS)
        return len(rows)


_OPEN_BACKGROUND = """(
    SELECT COALESCE(SUM(held), 0) FROM responses
    WHERE account_id = accounts.id AND held > 0 AND settled_at IS NULL
)"""
_RELEASE_ALL_HOLDS = f"""
UPDATE accounts SET reserved = {_OPEN_BACKGROUND}
WHERE reserved <> {_OPEN_BACKGROUND}
RETURNING id
"""
