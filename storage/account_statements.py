"""The gate's and the settlement's statements, and their parameters: the money rules as SQL.

`storage.accounts` runs them (and the bench's floor runs the very same texts, to measure
what the rules cost alone). The gate is one UPDATE per request: the lock check, the key
check, the funds check, the strike count, the lock and the hold are all decided and written
against the same row version, so concurrent failures cannot skip the lock threshold and two
concurrent calls cannot both hold the same last unit of balance. The settlement is one
INSERT of the call's record, whose triggers write its ledger row and release its hold.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from storage.keys import hash_key
from storage.models import CallRecord
from storage.numbered import InOrder, in_order_reader, numbered
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy

# A lock until unblocked (`LOCKED_UNTIL_UNBLOCKED`) holds however late the clock.
LOCKED = "(locked_until IS NOT NULL AND (locked_until > :now OR locked_until = :forever))"
_BASE_STRIKES = f"(CASE WHEN locked_until IS NOT NULL AND NOT {LOCKED} THEN 0 ELSE strikes END)"
_FUNDED = "(:hold = 0 OR balance - reserved >= :hold)"
_LIMIT = "COALESCE(rate_limit, :rate_limit)"
_IN_WINDOW = "(CASE WHEN rate_window = :window THEN rate_count ELSE 0 END)"
_WITHIN_RATE = f"({_LIMIT} = 0 OR {_IN_WINDOW} < {_LIMIT})"
_KEY_OK = f"(NOT {LOCKED} AND key_hash = :key_hash)"
_PASSES = f"({_KEY_OK} AND {_WITHIN_RATE} AND {_FUNDED})"
_RATE_LIMITED = f"({_KEY_OK} AND NOT {_WITHIN_RATE})"

# One statement: every SET expression sees the row as it was, so the verdict, the strike
# count, the lock, its cause, the rate window and the hold are computed from one consistent
# row version. The key is checked before the lock, so a wrong key on a locked account gets
# a verdict of its own that the gate answers exactly like an unknown name: only the right
# key learns of the lock. Attempts during a lock are strikes (the owner sees the count) but
# never move the lock's end nor its cause, so nobody can lengthen someone else's lock or
# keep a top-up from lifting it. An expired lock counts as no lock and restarts the run.
# Being over the rate is not a strike (the key was right); it holds and counts nothing.
# A run's cause is 'no_funds' only while every strike in it was a no-funds one.
_AUTHORIZE = f"""
UPDATE accounts SET
    auth_result = CASE
        WHEN key_hash <> :key_hash THEN
            CASE WHEN {LOCKED} THEN 'locked_bad_key' ELSE 'bad_key' END
        WHEN {LOCKED} THEN 'locked'
        WHEN NOT {_WITHIN_RATE} THEN 'rate_limited'
        WHEN NOT {_FUNDED} THEN 'no_funds'
        ELSE 'ok' END,
    strikes = CASE
        WHEN {_PASSES} THEN 0
        WHEN {_RATE_LIMITED} THEN strikes
        ELSE {_BASE_STRIKES} + 1 END,
    locked_until = CASE
        WHEN {_PASSES} THEN NULL
        WHEN {LOCKED} OR {_RATE_LIMITED} THEN locked_until
        WHEN {_BASE_STRIKES} + 1 >= :lock_strikes THEN :lock_until
        ELSE NULL END,
    lock_cause = CASE
        WHEN {_PASSES} THEN NULL
        WHEN {LOCKED} OR {_RATE_LIMITED} THEN lock_cause
        WHEN key_hash <> :key_hash THEN 'bad_key'
        WHEN {_BASE_STRIKES} = 0 THEN 'no_funds'
        ELSE lock_cause END,
    rate_count = CASE WHEN {_PASSES} THEN {_IN_WINDOW} + 1 ELSE rate_count END,
    rate_window = CASE WHEN {_PASSES} THEN :window ELSE rate_window END,
    reserved = reserved + CASE WHEN {_PASSES} THEN :hold ELSE 0 END,
    last_seen_at = CASE WHEN {_PASSES} THEN :now ELSE last_seen_at END
WHERE {{lookup}}
RETURNING id, username, auth_result, strikes, locked_until, balance
"""
# PostgreSQL also writes the hold as a row, in the same statement, so that holds a crashed
# replica leaves behind can be found (see `storage.holds`).
_WITH_HOLD_ROW = """
WITH gate AS ({update}),
held AS (
    INSERT INTO holds (account_id, request_id, amount, created_at)
    SELECT id, :request_id, :hold, :now FROM gate WHERE auth_result = 'ok' AND :hold > 0
)
SELECT * FROM gate
"""


def authorize_statement(lookup: str, dialect: str) -> str:
    """The gate's one statement (strikes, lock, rate window, funds and hold), finding the
    account by `lookup` (`key_hash = :key_hash` or `username = :username`)."""
    update = _AUTHORIZE.format(lookup=lookup)
    return _WITH_HOLD_ROW.format(update=update) if dialect == "postgresql" else update


_CHARGEABLE = "CASE WHEN balance <= 0 THEN 0 WHEN :cost <= balance THEN :cost ELSE balance END"

# The charge is capped at the balance in the same statement that reads it (on PostgreSQL the
# row is locked first), so concurrent calls of one user can never take it below zero.
_INSERT_CALL = f"""
INSERT INTO calls (request_id, account_id, endpoint, provider, model, status, input_units,
                   output_units, cost, shortfall, balance_after, held, latency_ms, created_at,
                   cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
                   reasoning_tokens, input_audio_tokens, output_audio_tokens,
                   input_image_tokens, output_image_tokens, web_search_calls,
                   file_search_calls, code_interpreter_calls, image_generation_calls,
                   mcp_calls, shell_calls, settle_key, response_id)
SELECT :request_id, id, :endpoint, :provider, :model, :status, :input_units, :output_units,
       {_CHARGEABLE}, :cost - {_CHARGEABLE}, balance - {_CHARGEABLE}, :held, :latency_ms, :now,
       :cache_read_tokens, :cache_write_tokens, :cache_write_1h_tokens,
       :reasoning_tokens, :input_audio_tokens, :output_audio_tokens,
       :input_image_tokens, :output_image_tokens, :web_search_calls,
       :file_search_calls, :code_interpreter_calls, :image_generation_calls,
       :mcp_calls, :shell_calls, :settle_key, :response_id
FROM accounts WHERE id = :account_id{{lock}}
ON CONFLICT (settle_key) DO NOTHING
RETURNING id, cost, shortfall, balance_after
"""


#: The gate's parameters in the order `GateValues` takes them (`username` only in the
#: statement that finds the account by name).
_GATE_PARAMETERS = (
    "key_hash",
    "hold",
    "now",
    "forever",
    "lock_strikes",
    "lock_until",
    "request_id",
    "window",
    "rate_limit",
    "username",
)


#: `values(policy, key, hold, now, request_id, username)`: a gate statement's values in its
#: order (`username` None for the statement that finds the account by its key).
GateValues = Callable[[AccessPolicy, str, int, int, str, str | None], InOrder]


def authorize_values(statement: str) -> GateValues:
    """`statement`'s (an `authorize_statement`'s) values in its parameter order: built as a
    tuple and reordered in one C call, never gathered into a mapping first (a dict costs
    about 500 instructions an entry, and every call passes the gate)."""
    names = numbered(statement, "?")[1]
    in_order = itemgetter(*(_GATE_PARAMETERS.index(name) for name in names))

    def values(
        policy: AccessPolicy, key: str, hold: int, now: int, request_id: str, username: str | None
    ) -> InOrder:
        every = (
            hash_key(key),
            hold,
            now,
            LOCKED_UNTIL_UNBLOCKED,
            policy.lock_strikes,
            policy.lock_until(now),
            request_id,
            now // 60,
            policy.requests_per_minute,
            username,
        )
        return InOrder(in_order(every))

    return values


def settlement_statement(dialect: str) -> str:
    """The settlement's one statement: the call's record, whose triggers write its ledger
    row and release its hold; `settlement_values` binds it."""
    # PostgreSQL locks the account's row first; SQLite has one writer at a time anyway.
    return _INSERT_CALL.format(lock=" FOR UPDATE" if dialect == "postgresql" else "")


def settlement_values(statement: str) -> Callable[[CallRecord, int], InOrder]:
    """`values(call, now)`: `statement`'s parameters (a `settlement_statement`) in its order:
    the record's fields, read in one C call, and the time it is written."""
    return in_order_reader(statement, "now")
