"""Money in lifts a lock that only no-funds strikes set (DESIGN.md, the access gate).

The lock's cause is recorded by the gate's statement (`storage.schema_locks`); this module
holds the one statement that reads it back when money arrives. It runs in the transaction
that wrote the money's ledger row, so a top-up and the lift it earns land together.
"""

from __future__ import annotations

from storage.account_statements import LOCKED
from storage.database import Executor
from storage.policy import LOCKED_UNTIL_UNBLOCKED

# Money in lifts a lock only no-funds strikes set, and only once something is available
# again; its own statement, run in the transaction that wrote the money's ledger row.
_LIFT_NO_FUNDS_LOCK = f"""
UPDATE accounts SET strikes = 0, locked_until = NULL, lock_cause = NULL
WHERE id = :account_id AND lock_cause = 'no_funds' AND {LOCKED} AND balance - reserved > 0
RETURNING id
"""


async def lift_no_funds_lock(executor: Executor, account_id: int, now: int) -> bool:
    """After money came in: lift the account's lock when no-funds strikes alone set it.

    Call it after the ledger row, in the same transaction. True when a lock was lifted. A
    lock any wrong key took part in, or an admin's block, stays (see `storage.schema_locks`).
    """
    params = {"account_id": account_id, "now": now, "forever": LOCKED_UNTIL_UNBLOCKED}
    return await executor.fetch_one(_LIFT_NO_FUNDS_LOCK, params) is not None
