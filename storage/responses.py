"""Who owns each stored response of OpenAI's Responses API (`storage.schema_responses`).

Invariants:

- An id is owned by the account that created it through this service, and by no other: a
  claim never moves an owned id to another account (the first claim stays), so no user can
  take over another's response by naming its id.
- `unowned` answers for the account asking only: an id nobody here created and an id
  another account created look the same, so a probe learns nothing about other users' ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.clock import Clock
from storage.database import Database

_CLAIM = """
INSERT INTO responses (id, account_id, model, created_at)
VALUES (:id, :account_id, :model, :now)
ON CONFLICT (id) DO NOTHING
"""
_OWNED = "SELECT id FROM responses WHERE account_id = :account_id AND id IN ({ids})"


class ResponseOwners:
    """Records and checks which account created each response id."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def claim(self, response_id: str, account_id: int, model: str) -> None:
        """Record `account_id` as the owner of a response just created (one statement;
        a second claim of the same id changes nothing)."""
        params = {"id": response_id, "account_id": account_id, "model": model}
        await self._db.execute(_CLAIM, {**params, "now": self._clock()})

    async def unowned(self, account_id: int, response_ids: Sequence[str]) -> str | None:
        """The first of `response_ids` this account did not create, or None when it
        created them all (one statement; no ids, no statement)."""
        if not response_ids:
            return None
        names = {f"id{index}": value for index, value in enumerate(response_ids)}
        statement = _OWNED.format(ids=", ".join(f":{name}" for name in names))
        rows = await self._db.fetch_all(statement, {**names, "account_id": account_id})
        owned = {row["id"] for row in rows}
        return next((value for value in response_ids if value not in owned), None)
