"""Who owns each stored response of OpenAI's Responses API, and the holds of background ones
(`storage.schema_responses`).

Invariants:

- An id is owned by the account that created it through this service, and by no other: a
  claim never moves an owned id to another account (the first claim stays), so no user can
  take over another's response by naming its id.
- `owned` answers for the account asking only: an id nobody here created and an id another
  account created look the same, so a probe learns nothing about other users' ids.
- A background response's hold is settled exactly once: `settle` marks it settled and
  writes the usage record that charges it and releases the hold in one transaction, and
  only the caller whose statement marked it goes on, so a retrieve, a cancel and the
  periodic poll racing each other (on any replicas) charge it once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from storage.accounts import AccountStore
from storage.clock import Clock
from storage.database import Database, Row
from storage.models import CallRecord, Settlement

_CLAIM = """
INSERT INTO responses (id, account_id, model, created_at, held, request_id)
VALUES (:id, :account_id, :model, :now, :held, :request_id)
ON CONFLICT (id) DO NOTHING
"""
_COLUMNS = "id, account_id, model, created_at, held, request_id, settled_at"
_OWNED = f"SELECT {_COLUMNS} FROM responses WHERE account_id = :account_id AND id IN ({{ids}})"
_OPEN = "held > 0 AND settled_at IS NULL"
_MARK_SETTLED = f"""
UPDATE responses SET settled_at = :now WHERE id = :id AND {_OPEN}
RETURNING {_COLUMNS}
"""
_TAKE_DUE = f"""
UPDATE responses SET polled_at = :now
WHERE id IN (
    SELECT id FROM responses WHERE {_OPEN}
    ORDER BY COALESCE(polled_at, 0), created_at LIMIT :limit
)
RETURNING {_COLUMNS}
"""


@dataclass(frozen=True, slots=True)
class OwnedResponse:
    """A response created here: whose, with which model, and its hold when it is a
    background one (`held` 0 otherwise) under the gate's `request_id`."""

    id: str
    account_id: int
    model: str
    created_at: int
    held: int
    request_id: str | None
    settled_at: int | None

    @classmethod
    def from_row(cls, row: Row) -> OwnedResponse:
        return cls(**{name: row[name] for name in cls.__slots__})

    @property
    def open(self) -> bool:
        """A background response whose hold is still kept: it must be settled once."""
        return self.held > 0 and self.settled_at is None


class ResponseOwners:
    """Records and checks which account created each response id; settles background ones."""

    def __init__(self, database: Database, clock: Clock, accounts: AccountStore) -> None:
        self._db = database
        self._clock = clock
        self._accounts = accounts

    async def claim(
        self,
        response_id: str,
        account_id: int,
        model: str,
        *,
        held: int = 0,
        request_id: str | None = None,
    ) -> None:
        """Record `account_id` as the owner of a response just created (one statement; a
        second claim of the same id changes nothing). A background response also records
        the hold the gate took for it under `request_id`, kept until it is settled."""
        params = {"id": response_id, "account_id": account_id, "model": model}
        extra = {"held": held, "request_id": request_id, "now": self._clock()}
        await self._db.execute(_CLAIM, {**params, **extra})

    async def owned(self, account_id: int, response_ids: Sequence[str]) -> list[OwnedResponse]:
        """Those of `response_ids` this account created (one statement; none, none)."""
        if not response_ids:
            return []
        names = {f"id{index}": value for index, value in enumerate(response_ids)}
        statement = _OWNED.format(ids=", ".join(f":{name}" for name in names))
        rows = await self._db.fetch_all(statement, {**names, "account_id": account_id})
        return [OwnedResponse.from_row(row) for row in rows]

    async def take_due(self, limit: int) -> list[OwnedResponse]:
        """At most `limit` background responses not settled yet, those polled longest ago
        (or never) first, marked as polled now (one statement), oldest first: so a few that
        run for hours cannot keep the others from being polled."""
        rows = await self._db.fetch_all(_TAKE_DUE, {"limit": limit, "now": self._clock()})
        due = [OwnedResponse.from_row(row) for row in rows]
        return sorted(due, key=lambda response: (response.created_at, response.id))

    async def settle(
        self, response_id: str, record: Callable[[OwnedResponse], CallRecord]
    ) -> Settlement | None:
        """Settle a background response once: mark it settled and write `record(it)` (which
        charges its cost and releases its hold) in one transaction. None when it was not
        open: settled already (by another caller, maybe on another replica) or no
        background response at all."""
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(_MARK_SETTLED, {"id": response_id, "now": self._clock()})
            if row is None:
                return None
            return await self._accounts.finish_call(record(OwnedResponse.from_row(row)), tx)
