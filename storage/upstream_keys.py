"""The provider keys' health as every process sees it (migration 16, `storage.schema_keys`).

Written by the serving processes' periodic sync, never on a call's path: one transaction
per sync carries the keys whose state changed (benched, recovered) and the calls counted
per key and minute since the last one. Read by the command line, the bot and the other
replicas. A key is `(provider, key_id)`, `key_id` a digest of its secret; `label` is what
operators see of it.

Invariants: counts only ever add up (a replica adds its own, never overwrites another's); a
state row is only replaced by news of the same or a later bench, so a replica reporting a
recovery late cannot erase a newer bench; counts older than the retention are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database, Row

#: How long per-minute counts are kept (the command line shows the last hour).
COUNTS_KEPT_SECONDS = 2 * 3600
HOUR = 3600


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """A key's last known state: benched until `benched_until` (None: healthy), with the
    bench's time, reason and status kept after a recovery (`recovered_at`)."""

    provider: str
    key_id: str
    label: str
    benched_at: int | None = None
    benched_until: int | None = None
    reason: str | None = None
    status: int | None = None
    recovered_at: int | None = None


@dataclass(frozen=True, slots=True)
class KeyTally:
    """Calls of one key in the minute starting at `minute`, and how many failed."""

    provider: str
    key_id: str
    minute: int
    requests: int
    errors: int


_SAVE_STATUS = """
INSERT INTO upstream_keys (provider, key_id, label, benched_at, benched_until, bench_reason,
                           bench_status, recovered_at, updated_at)
VALUES (:provider, :key_id, :label, :benched_at, :benched_until, :reason, :status,
        :recovered_at, :now)
ON CONFLICT (provider, key_id) DO UPDATE SET
    label = excluded.label,
    benched_at = excluded.benched_at,
    benched_until = excluded.benched_until,
    bench_reason = excluded.bench_reason,
    bench_status = excluded.bench_status,
    recovered_at = excluded.recovered_at,
    refusal_reported = CASE WHEN excluded.recovered_at IS NULL
                            THEN upstream_keys.refusal_reported ELSE FALSE END,
    updated_at = excluded.updated_at
WHERE upstream_keys.benched_at IS NULL OR excluded.benched_at >= upstream_keys.benched_at
"""

_ADD_TALLY = """
INSERT INTO upstream_key_counts (provider, key_id, minute, requests, errors)
VALUES (:provider, :key_id, :minute, :requests, :errors)
ON CONFLICT (provider, key_id, minute) DO UPDATE SET
    requests = upstream_key_counts.requests + excluded.requests,
    errors = upstream_key_counts.errors + excluded.errors
"""

_PRUNE = "DELETE FROM upstream_key_counts WHERE minute < :before"

_CLAIM_REFUSAL = """
UPDATE upstream_keys SET refusal_reported = TRUE
WHERE provider = :provider AND key_id = :key_id AND NOT refusal_reported
RETURNING key_id
"""

_COLUMNS = (
    "provider, key_id, label, benched_at, benched_until, bench_reason, bench_status, recovered_at"
)

_HOUR_TOTALS = """
SELECT provider, key_id, SUM(requests) AS requests, SUM(errors) AS errors
FROM upstream_key_counts WHERE minute >= :since GROUP BY provider, key_id
"""


def _status(row: Row) -> KeyStatus:
    return KeyStatus(
        provider=row["provider"],
        key_id=row["key_id"],
        label=row["label"],
        benched_at=row["benched_at"],
        benched_until=row["benched_until"],
        reason=row["bench_reason"],
        status=row["bench_status"],
        recovered_at=row["recovered_at"],
    )


class KeyHealthStore:
    """Reads and writes of `upstream_keys` and `upstream_key_counts`."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def save(self, statuses: Sequence[KeyStatus], tallies: Sequence[KeyTally]) -> None:
        """One sync's news in one transaction; old counts are dropped on the way."""
        now = self._clock()
        async with self._db.transaction() as tx:
            for status in statuses:
                await tx.execute(
                    _SAVE_STATUS,
                    {
                        "provider": status.provider,
                        "key_id": status.key_id,
                        "label": status.label,
                        "benched_at": status.benched_at,
                        "benched_until": status.benched_until,
                        "reason": status.reason,
                        "status": status.status,
                        "recovered_at": status.recovered_at,
                        "now": now,
                    },
                )
            for tally in tallies:
                await tx.execute(
                    _ADD_TALLY,
                    {
                        "provider": tally.provider,
                        "key_id": tally.key_id,
                        "minute": tally.minute,
                        "requests": tally.requests,
                        "errors": tally.errors,
                    },
                )
            await tx.execute(_PRUNE, {"before": now - COUNTS_KEPT_SECONDS})

    async def claim_refusal_notice(self, provider: str, key_id: str) -> bool:
        """True exactly once per refusal of the key, across every process."""
        row = await self._db.fetch_one(_CLAIM_REFUSAL, {"provider": provider, "key_id": key_id})
        return row is not None

    async def benched(self) -> list[KeyStatus]:
        """The keys resting now, whichever process benched them."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM upstream_keys WHERE benched_until > :now",
            {"now": self._clock()},
        )
        return [_status(row) for row in rows]

    async def statuses(self) -> list[KeyStatus]:
        """Every key that was ever benched, by provider and label."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM upstream_keys ORDER BY provider, label"
        )
        return [_status(row) for row in rows]

    async def recent_benches(self, seconds: int) -> list[KeyStatus]:
        """Keys benched within the last `seconds`, or resting now; the latest bench first."""
        now = self._clock()
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM upstream_keys "
            "WHERE benched_at >= :since OR benched_until > :now "
            "ORDER BY benched_at DESC, provider, label",
            {"since": now - seconds, "now": now},
        )
        return [_status(row) for row in rows]

    async def last_hour(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(requests, errors) of each key over the last hour, by (provider, key_id)."""
        rows = await self._db.fetch_all(_HOUR_TOTALS, {"since": self._clock() - HOUR})
        # PostgreSQL's SUM over BIGINT is NUMERIC (a Decimal): every figure is made an int.
        return {
            (row["provider"], row["key_id"]): (int(row["requests"]), int(row["errors"]))
            for row in rows
        }
