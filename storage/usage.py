"""What an account spent: read-only queries over `calls` for the bot's /usage.

Invariants: nothing here writes. Days are UTC days (epoch seconds // 86400), so every
replica and every user sees the same day boundaries whatever the server's time zone; "now"
comes from the injected clock. `cost` is what was actually charged (a shortfall is not
spend), so the sums here match the ledger's charges.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database

SECONDS_PER_DAY = 86_400

_RECENT = """
SELECT created_at, model, cost, status FROM calls
WHERE account_id = :account_id
ORDER BY id DESC
LIMIT :limit
"""
_SPENT_SINCE = """
SELECT COALESCE(SUM(cost), 0) AS total FROM calls
WHERE account_id = :account_id AND created_at >= :since
"""
_DAILY = """
SELECT created_at / :day AS day, SUM(cost) AS total FROM calls
WHERE account_id = :account_id AND created_at >= :since
GROUP BY 1
"""


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One call as a user sees it in their history; `cost` in minor units."""

    created_at: int
    model: str
    cost: int
    status: int


@dataclass(frozen=True, slots=True)
class DailySpend:
    """Spend of one UTC day; `day_start` is that day's midnight in epoch seconds."""

    day_start: int
    spent: int


def day_start(epoch_seconds: int) -> int:
    """Midnight UTC of the day holding `epoch_seconds`."""
    return epoch_seconds - epoch_seconds % SECONDS_PER_DAY


class UsageStore:
    """Read-only usage queries; cheap thanks to the `calls_by_account` index."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def recent_calls(self, account_id: int, limit: int = 10) -> list[CallSummary]:
        """The latest `limit` calls, newest first (by id: ids follow insertion order)."""
        rows = await self._db.fetch_all(_RECENT, {"account_id": account_id, "limit": limit})
        return [
            CallSummary(
                created_at=int(row["created_at"]),
                model=str(row["model"]),
                cost=int(row["cost"]),
                status=int(row["status"]),
            )
            for row in rows
        ]

    async def spent_over_days(self, account_id: int, days: int) -> int:
        """Spend over the last `days` UTC days, today included (1 = today only)."""
        since = day_start(self._clock()) - (days - 1) * SECONDS_PER_DAY
        row = await self._db.fetch_one(_SPENT_SINCE, {"account_id": account_id, "since": since})
        assert row is not None
        return int(row["total"])

    async def daily_spend(self, account_id: int, days: int) -> list[DailySpend]:
        """One entry per UTC day, oldest first, ending today; days without calls are 0."""
        first = day_start(self._clock()) - (days - 1) * SECONDS_PER_DAY
        params = {"account_id": account_id, "since": first, "day": SECONDS_PER_DAY}
        rows = await self._db.fetch_all(_DAILY, params)
        by_day = {int(row["day"]) * SECONDS_PER_DAY: int(row["total"]) for row in rows}
        return [
            DailySpend(day_start=start, spent=by_day.get(start, 0))
            for start in range(first, first + days * SECONDS_PER_DAY, SECONDS_PER_DAY)
        ]
