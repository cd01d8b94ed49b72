"""What the service tells a user on its own initiative, and the state that makes it say so once.

The notices are plain records naming the account, not its chat: the sender looks the chat
and language up when it delivers, so an account whose Telegram link was removed meanwhile
(or never existed) simply gets nothing. Storage produces them (retention) and the API
produces them (lock, low balance, a refused provider key); the bot delivers them. A refused
key is the admins' business: that notice names no account and goes to every admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database
from storage.models import AuthOutcome


@dataclass(frozen=True, slots=True)
class AccountLocked:
    """The request that made the last strike locked the account (`cause`: its outcome).

    `locked_until` is the lock's end, or `LOCKED_UNTIL_UNBLOCKED` when only an admin lifts it.
    """

    account_id: int
    cause: AuthOutcome
    strikes: int
    locked_until: int


@dataclass(frozen=True, slots=True)
class LowBalance:
    """The balance fell below the operator's threshold (sent once per crossing)."""

    account_id: int
    balance: int
    threshold: int


@dataclass(frozen=True, slots=True)
class TrialExpiring:
    """`amount` of unspent trial credit will be withdrawn at `expires_at`."""

    account_id: int
    amount: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class TrialWithdrawn:
    """The unspent trial credit (`amount`) was withdrawn; `balance` is what is left."""

    account_id: int
    amount: int
    balance: int


@dataclass(frozen=True, slots=True)
class DeletionSoon:
    """The account's personal data will be deleted at `deletes_at` unless it is used."""

    account_id: int
    inactive_days: int
    deletes_at: int


@dataclass(frozen=True, slots=True)
class KeyRefused:
    """A provider refused one of the operator's keys (`status` 401/403): the admins are told
    once per refusal (`storage.upstream_keys`); calls use the other keys meanwhile and try
    this one again after `benched_until`."""

    provider: str
    key_name: str
    label: str
    status: int
    benched_until: int


@dataclass(frozen=True, slots=True)
class DatabaseAway:
    """This process found its database unavailable at `since` (why: `reason`); the admins
    are told once per outage (`api.outage_alarm`)."""

    reason: str
    since: int


@dataclass(frozen=True, slots=True)
class DatabaseBack:
    """The database that was away since `since` answered this process again at `back_at`."""

    since: int
    back_at: int


#: A notice for one account's owner.
AccountNotice = AccountLocked | LowBalance | TrialExpiring | TrialWithdrawn | DeletionSoon
#: A notice for the admins (`ADMIN_IDS`).
AdminNotice = KeyRefused | DatabaseAway | DatabaseBack
#: Anything the service tells someone: an account's owner, or the admins.
Notice = AccountNotice | AdminNotice


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where and how to tell an account's owner: their Telegram chat, in their language."""

    telegram_id: int
    language: str | None
    username: str


# Armed (NULL) -> warned (the threshold it was warned below). Only the replica whose UPDATE
# changes the row sends the warning; a ledger row that brings the balance back to the
# threshold re-arms it (a trigger in `storage.migrations`).
_CLAIM_LOW_BALANCE = """
UPDATE accounts SET low_balance_warned_below = :threshold
WHERE id = :id AND low_balance_warned_below IS NULL AND balance < :threshold
RETURNING id
"""


class NoticeStore:
    """The lookups and once-only claims behind notifications."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def language_of(self, telegram_id: int) -> str | None:
        """The language of the account that Telegram id owns (an admin's), if any."""
        row = await self._db.fetch_one(
            "SELECT language FROM accounts WHERE telegram_id = :id", {"id": telegram_id}
        )
        return None if row is None else row["language"]

    async def recipient(self, account_id: int) -> Recipient | None:
        """The chat to tell, or None for an account without Telegram (or deleted)."""
        row = await self._db.fetch_one(
            "SELECT telegram_id, language, username FROM accounts WHERE id = :id",
            {"id": account_id},
        )
        if row is None or row["telegram_id"] is None:
            return None
        return Recipient(row["telegram_id"], row["language"], row["username"])

    async def claim_low_balance(self, account_id: int, threshold: int) -> bool:
        """True exactly once per crossing below `threshold` (one conditional statement)."""
        row = await self._db.fetch_one(
            _CLAIM_LOW_BALANCE, {"id": account_id, "threshold": threshold}
        )
        return row is not None
