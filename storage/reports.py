"""Read-only figures for the operator: one account's spend, the service's day and week, and
the money running calls hold right now.

Everything is computed from the `calls` table (one usage record per call, whose `cost` is what
was actually charged), so the figures agree with the ledger's charges. Days are UTC calendar
days: "today" starts at the last UTC midnight and "7 days" is today plus the six days before
it, so the numbers do not drift with the hour at which the operator asks.

Nothing here writes, and nothing is recorded in `admin_actions`: reading is not an action.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database

DAY_SECONDS = 24 * 3600
WEEK_DAYS = 7

_ACCOUNT_SPEND = """
SELECT COALESCE(SUM(CASE WHEN created_at >= :day_start THEN cost ELSE 0 END), 0) AS today,
       COALESCE(SUM(CASE WHEN created_at >= :week_start THEN cost ELSE 0 END), 0) AS week,
       COALESCE(SUM(cost), 0) AS total
FROM calls WHERE account_id = :account_id
"""

_SERVICE_STATS = """
SELECT (SELECT COUNT(*) FROM accounts) AS users,
       (SELECT COUNT(DISTINCT account_id) FROM calls
        WHERE created_at >= :day_start) AS active_today,
       (SELECT COUNT(*) FROM calls WHERE created_at >= :day_start) AS calls_today,
       (SELECT COALESCE(SUM(cost), 0) FROM calls
        WHERE created_at >= :day_start) AS revenue_today,
       (SELECT COUNT(*) FROM calls WHERE created_at >= :week_start) AS calls_week,
       (SELECT COALESCE(SUM(cost), 0) FROM calls
        WHERE created_at >= :week_start) AS revenue_week
"""

# PostgreSQL keeps each hold as a row (every replica's, crashed ones' until swept); SQLite,
# whose one serving process keeps no hold rows, has only each account's total.
_HELD_ROWS = "SELECT COUNT(*) AS holds, COALESCE(SUM(amount), 0) AS units FROM holds"
_HELD_TOTALS = """
SELECT COUNT(*) AS holds, COALESCE(SUM(reserved), 0) AS units FROM accounts WHERE reserved > 0
"""


@dataclass(frozen=True, slots=True)
class HeldMoney:
    """What running calls hold now: `units` set aside, in `holds` holds.

    On PostgreSQL `holds` counts every hold (one per running call that may cost something);
    on SQLite, which keeps only each account's total, it counts the accounts holding money,
    so one account's concurrent calls count once there. `units` is exact on both.
    """

    holds: int
    units: int


@dataclass(frozen=True, slots=True)
class Spend:
    """Units charged to one account: today, the last 7 UTC days (today included), ever.

    Invariant: `today <= week <= total`.
    """

    today: int
    week: int
    total: int


@dataclass(frozen=True, slots=True)
class ServiceStats:
    """The service at a glance; "active" means at least one recorded call that UTC day."""

    users: int
    active_today: int
    calls_today: int
    revenue_today: int
    calls_week: int
    revenue_week: int


def day_start(now: int) -> int:
    """The last UTC midnight at or before `now` (epoch seconds)."""
    return now - now % DAY_SECONDS


class OperatorReports:
    """The operator's read queries; the clock decides what "today" is."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    def _window(self) -> dict[str, object]:
        today = day_start(self._clock())
        return {"day_start": today, "week_start": today - (WEEK_DAYS - 1) * DAY_SECONDS}

    async def spend(self, account_id: int) -> Spend:
        """What the account was charged; an account without calls spent zero."""
        params = {**self._window(), "account_id": account_id}
        row = await self._db.fetch_one(_ACCOUNT_SPEND, params)
        assert row is not None  # an aggregate always returns one row
        # PostgreSQL's SUM over BIGINT is NUMERIC (a Decimal): every figure is made an int.
        return Spend(today=int(row["today"]), week=int(row["week"]), total=int(row["total"]))

    async def held(self) -> HeldMoney:
        """The money held by calls still running, read in one statement (see `HeldMoney`)."""
        sql = _HELD_ROWS if self._db.dialect == "postgresql" else _HELD_TOTALS
        row = await self._db.fetch_one(sql)
        assert row is not None
        return HeldMoney(holds=int(row["holds"]), units=int(row["units"]))

    async def service(self) -> ServiceStats:
        row = await self._db.fetch_one(_SERVICE_STATS, self._window())
        assert row is not None
        return ServiceStats(
            users=int(row["users"]),
            active_today=int(row["active_today"]),
            calls_today=int(row["calls_today"]),
            revenue_today=int(row["revenue_today"]),
            calls_week=int(row["calls_week"]),
            revenue_week=int(row["revenue_week"]),
        )
