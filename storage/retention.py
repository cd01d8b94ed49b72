"""The seed's retention promises as storage steps: trial credit expires, idle data goes.

Seed 000: the operator may withdraw the test credit after a week and delete the data of a
user inactive for more than two weeks. Each step is safe to run twice and on several
replicas at once: every change is claimed by one conditional UPDATE on a state column
(`trial_warned_at IS NULL`, `trial_expired_at IS NULL`, `deleted_at IS NULL`), so only the
caller whose statement changed the row acts on it (warns, writes the ledger row).

Scope: accounts registered through Telegram (operator-made accounts are the operator's own
business). Deletion keeps the account row and its ledger, so the ledger still sums to every
balance; it skips accounts that still hold money (paid top-ups are never stranded).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database, Row
from storage.notices import DeletionSoon, TrialExpiring, TrialWithdrawn
from storage.sql import INSERT_LEDGER, ledger_params

DAY = 24 * 3600
#: The note `AccountStore.register_telegram_user` writes on the trial grant.
TRIAL_NOTE = "trial credit"


@dataclass(frozen=True, slots=True)
class RetentionRules:
    """TRIAL_TTL_DAYS and INACTIVE_DAYS, and how long before each the user is warned.

    Invariant: an irreversible step happens only after its warning was claimed at least
    half the notice period earlier, so a late warning still gives the user time.
    """

    trial_ttl_days: int = 7
    inactive_days: int = 14
    notice_seconds: int = DAY

    @property
    def trial_ttl(self) -> int:
        return self.trial_ttl_days * DAY

    @property
    def inactive(self) -> int:
        return self.inactive_days * DAY

    @property
    def min_warning_age(self) -> int:
        return self.notice_seconds // 2


def unspent_trial(granted: int, spent: int, balance: int, reserved: int) -> int:
    """The trial credit still unspent: spending takes the trial first, and the withdrawal
    never exceeds what is available (so the balance cannot drop below what holds keep)."""
    return max(0, min(granted - spent, balance - reserved))


_TRIALS = f"""
SELECT a.id, a.balance, a.reserved, a.trial_warned_at, g.granted, g.granted_at,
       COALESCE((SELECT -SUM(s.amount) FROM ledger s
                 WHERE s.account_id = a.id AND s.amount < 0), 0) AS spent
FROM accounts a JOIN (
    SELECT account_id, SUM(amount) AS granted, MIN(created_at) AS granted_at FROM ledger
    WHERE kind = 'grant' AND note = '{TRIAL_NOTE}' AND actor IS NULL GROUP BY account_id
) g ON g.account_id = a.id
WHERE a.telegram_id IS NOT NULL AND {{condition}}
"""
_DUE_TRIALS = _TRIALS.format(condition="a.trial_expired_at IS NULL AND g.granted_at <= :cutoff")
_ONE_TRIAL = _TRIALS.format(condition="a.id = :id")
_CLAIM_TRIAL_WARNING = """
UPDATE accounts SET trial_warned_at = :now
WHERE id = :id AND trial_warned_at IS NULL AND trial_expired_at IS NULL RETURNING id
"""
_CLAIM_TRIAL_EXPIRY = """
UPDATE accounts SET trial_expired_at = :now
WHERE id = :id AND trial_expired_at IS NULL RETURNING id
"""
_ACTIVE_AT = "COALESCE(last_seen_at, created_at)"
_IDLE = (
    f"deleted_at IS NULL AND telegram_id IS NOT NULL AND balance <= 0 AND {_ACTIVE_AT} <= :cutoff"
)
_CLAIM_IDLE_WARNINGS = f"""
UPDATE accounts SET inactive_warned_at = :now
WHERE {_IDLE} AND (inactive_warned_at IS NULL OR inactive_warned_at < {_ACTIVE_AT})
RETURNING id, {_ACTIVE_AT} AS active_at
"""
# The key hash becomes a value no SHA-256 hex digest equals, so no key authorizes again; the
# username (a Telegram name, or `id<telegram id>`) becomes `deleted-<id>`, which no Telegram
# or operator username can be ('-' is allowed in neither).
_DELETE_IDLE = f"""
UPDATE accounts SET
    username = 'deleted-' || CAST(id AS TEXT), key_hash = 'deleted-' || CAST(id AS TEXT),
    key_prefix = '', telegram_id = NULL, language = NULL, language_chosen_at = NULL,
    strikes = 0, locked_until = NULL,
    deleted_at = :now
WHERE {_IDLE} AND inactive_warned_at IS NOT NULL AND inactive_warned_at >= {_ACTIVE_AT}
  AND inactive_warned_at <= :warned_before
RETURNING id
"""


def _unspent(row: Row) -> int:
    return unspent_trial(
        int(row["granted"]), int(row["spent"]), int(row["balance"]), int(row["reserved"])
    )


class RetentionStore:
    """The four retention steps; each returns what the users must be told."""

    def __init__(self, database: Database, clock: Clock, rules: RetentionRules) -> None:
        self._db = database
        self._clock = clock
        self.rules = rules

    async def warn_trials(self) -> list[TrialExpiring]:
        """Claim the warning for trials expiring within the notice period that still hold
        unspent credit (nothing to lose, nothing to say)."""
        now, rules = self._clock(), self.rules
        cutoff = now - rules.trial_ttl + rules.notice_seconds
        notices: list[TrialExpiring] = []
        for row in await self._db.fetch_all(_DUE_TRIALS, {"cutoff": cutoff}):
            amount = _unspent(row)
            if row["trial_warned_at"] is not None or amount == 0:
                continue
            claimed = await self._db.fetch_one(_CLAIM_TRIAL_WARNING, {"id": row["id"], "now": now})
            if claimed is not None:
                expires_at = int(row["granted_at"]) + rules.trial_ttl
                notices.append(TrialExpiring(row["id"], amount, expires_at))
        return notices

    async def expire_trials(self) -> list[TrialWithdrawn]:
        """Withdraw the unspent trial of every trial past its TTL whose owner was warned."""
        now, rules = self._clock(), self.rules
        notices: list[TrialWithdrawn] = []
        for row in await self._db.fetch_all(_DUE_TRIALS, {"cutoff": now - rules.trial_ttl}):
            warned_at = row["trial_warned_at"]
            warned = warned_at is not None and warned_at <= now - rules.min_warning_age
            if not warned and _unspent(row) > 0:
                continue
            withdrawn = await self._expire(int(row["id"]), now)
            if withdrawn is not None:
                notices.append(withdrawn)
        return notices

    async def _expire(self, account_id: int, now: int) -> TrialWithdrawn | None:
        """Claim the expiry and write its ledger row in one transaction; the amount is read
        after the claim (the row is locked on PostgreSQL), so a call settling meanwhile
        cannot make the withdrawal exceed the balance."""
        async with self._db.transaction() as tx:
            if await tx.fetch_one(_CLAIM_TRIAL_EXPIRY, {"id": account_id, "now": now}) is None:
                return None
            rows = await tx.fetch_all(_ONE_TRIAL, {"id": account_id})
            amount = _unspent(rows[0]) if rows else 0
            if amount == 0:
                return None
            params = ledger_params(account_id, "expiry", -amount, now, note=TRIAL_NOTE)
            await tx.execute(INSERT_LEDGER, params)
            balance = int(rows[0]["balance"]) - amount
        return TrialWithdrawn(account_id, amount, balance)

    async def warn_inactive(self) -> list[DeletionSoon]:
        """Claim the warning for accounts idle for the period less the notice (one statement
        for all of them); a warning older than the last activity counts as none."""
        now, rules = self._clock(), self.rules
        cutoff = now - rules.inactive + rules.notice_seconds
        rows = await self._db.fetch_all(_CLAIM_IDLE_WARNINGS, {"now": now, "cutoff": cutoff})
        return [
            DeletionSoon(row["id"], rules.inactive_days, int(row["active_at"]) + rules.inactive)
            for row in rows
        ]

    async def delete_inactive(self) -> int:
        """Delete the personal data of accounts idle past the period and warned since their
        last activity; returns how many."""
        now, rules = self._clock(), self.rules
        params = {
            "now": now,
            "cutoff": now - rules.inactive,
            "warned_before": now - rules.min_warning_age,
        }
        return len(await self._db.fetch_all(_DELETE_IDLE, params))
