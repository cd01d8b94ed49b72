"""Account rules as atomic SQL: the only module that writes strikes, locks and holds.

Balances change only through ledger rows (see `storage.migrations`: a trigger applies each
row), so every money-moving operation here is an INSERT into `ledger`.

The gate is one UPDATE statement per request: the lock check, the key check, the funds check,
the strike count, the lock and the hold are all decided and written against the same row
version. Concurrent failures therefore cannot skip the lock threshold, and two concurrent
calls cannot both hold the same last unit of balance.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from operator import attrgetter

from storage.clock import Clock
from storage.database import Database, Executor
from storage.keys import hash_key, issue_key
from storage.models import (
    Account,
    Authorization,
    AuthOutcome,
    CallRecord,
    Registration,
    Settlement,
)
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy
from storage.sql import (
    INSERT_LEDGER,
    account_where,
    insert_account,
    ledger_params,
)

logger = logging.getLogger(__name__)

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


def authorize_params(
    policy: AccessPolicy, key: str, hold: int, now: int, request_id: str
) -> dict[str, object]:
    """`authorize_statement`'s parameters (add `username` to look the account up by name)."""
    return {
        "key_hash": hash_key(key),
        "hold": hold,
        "now": now,
        "forever": LOCKED_UNTIL_UNBLOCKED,
        "lock_strikes": policy.lock_strikes,
        "lock_until": policy.lock_until(now),
        "request_id": request_id,
        "window": now // 60,
        "rate_limit": policy.requests_per_minute,
    }


def settlement_statement(dialect: str) -> str:
    """The settlement's one statement: the call's record, whose triggers write its ledger
    row and release its hold; `settlement_params` binds it."""
    # PostgreSQL locks the account's row first; SQLite has one writer at a time anyway.
    return _INSERT_CALL.format(lock=" FOR UPDATE" if dialect == "postgresql" else "")


#: The settlement an earlier attempt wrote, when writing it again was a no-op.
_SETTLED_BEFORE = """
SELECT id, cost, shortfall, balance_after FROM calls WHERE settle_key = :settle_key
"""


#: The record's fields, read by name (dataclasses.asdict deep-copies: slow on the hot path),
#: all in one C call.
_CALL_FIELDS = tuple(field.name for field in fields(CallRecord))
_call_values = attrgetter(*_CALL_FIELDS)


def settlement_params(call: CallRecord, now: int) -> dict[str, object]:
    """`settlement_statement`'s parameters: the record's fields, and the time it is written."""
    params: dict[str, object] = dict(zip(_CALL_FIELDS, _call_values(call), strict=True))
    params["now"] = now
    return params


class AccountStore:
    """The account and money operations the gate, the billing flow and the bot call."""

    def __init__(self, database: Database, policy: AccessPolicy, clock: Clock) -> None:
        self._db = database
        self._policy = policy
        self._clock = clock
        self._insert_call = settlement_statement(database.dialect)
        self._by_username = authorize_statement("username = :username", database.dialect)
        self._by_key = authorize_statement("key_hash = :key_hash", database.dialect)

    @property
    def policy(self) -> AccessPolicy:
        return self._policy

    async def authorize(
        self, username: str | None, key: str, hold: int, request_id: str = ""
    ) -> Authorization:
        """Check the credentials and hold `hold` units, all in one statement.

        With a username the account is found by name and the key checked against it (a wrong
        key is a strike); with a key alone it is found by the key's hash. An unknown name or
        key writes nothing. `hold == 0` needs no funds (a balance query); a billable call
        holds at least one unit, so an empty balance never passes. An admitted call is told
        before its hold commits (`Database.gate`: the call goes out meanwhile); a refusal
        only once its strike or lock has committed, as the client is told at once.
        """
        if hold < 0:
            raise ValueError("a hold cannot be negative")
        params = authorize_params(self._policy, key, hold, self._clock(), request_id)
        gate = self._db.gate  # its verdict may be acted on before it commits: see Database
        if username is None:
            row = await gate.fetch_one(self._by_key, params)
        else:
            row = await gate.fetch_one(self._by_username, {**params, "username": username})
        if row is None:
            return Authorization(outcome=AuthOutcome.UNKNOWN)
        outcome = AuthOutcome(row["auth_result"])
        if outcome is not AuthOutcome.OK:  # a refusal (a strike, a lock) is told committed
            await self._db.committed()
        return Authorization(
            outcome=outcome,
            account_id=row["id"],
            username=row["username"],
            strikes=row["strikes"],
            locked_until=row["locked_until"],
            balance=row["balance"],
            hold=hold if outcome is AuthOutcome.OK else 0,
        )

    async def finish_call(self, call: CallRecord, executor: Executor | None = None) -> Settlement:
        """Record the call, release its hold and charge its cost: one statement.

        The charge is what was used, even beyond the hold, but never more than the balance:
        the rest is recorded as the call's shortfall (and logged), never silently forgiven.
        A call whose `settle_key` was already written is not written again: the earlier
        settlement is returned (a second statement, only on that retry). `executor` is an
        open transaction when the settlement belongs to a larger one (a background
        response's, see `storage.responses`).
        """
        params = settlement_params(call, self._clock())
        runner = executor or self._db.hot
        row = await runner.fetch_one(self._insert_call, params)
        if row is None:
            row = await runner.fetch_one(_SETTLED_BEFORE, {"settle_key": call.settle_key})
        assert row is not None
        if row["shortfall"]:
            logger.warning(
                "request %s: %d units could not be charged (balance exhausted); recorded",
                call.request_id,
                row["shortfall"],
            )
        return Settlement(
            call_id=row["id"],
            charged=row["cost"],
            shortfall=row["shortfall"],
            balance=row["balance_after"],
        )

    async def register_telegram_user(
        self, telegram_id: int, telegram_username: str | None, trial_credit: int, language: str
    ) -> Registration:
        """Create the account for a Telegram user once; later calls return it unchanged.

        The API username is the Telegram username lowercased, or `id<telegram id>` when the
        user has none or it is taken; it never changes afterwards.
        """
        async with self._db.transaction() as tx:
            existing = await account_where(tx, "telegram_id = :telegram_id", telegram_id)
            if existing is not None:
                return Registration(account=existing, created=False, secret=None)
            username = await self._free_username(tx, telegram_id, telegram_username)
            key = issue_key()
            account = await insert_account(tx, username, key, self._clock(), telegram_id, language)
            secret = key.secret
            if trial_credit > 0:
                await self._grant(tx, account.id, trial_credit, "trial credit")
            refreshed = await account_where(tx, "id = :id", account.id)
        assert refreshed is not None
        return Registration(account=refreshed, created=True, secret=secret)

    async def _free_username(
        self, tx: Executor, telegram_id: int, telegram_username: str | None
    ) -> str:
        fallback = f"id{telegram_id}"
        if not telegram_username:
            return fallback
        wanted = telegram_username.lower()
        taken = await tx.fetch_one(
            "SELECT 1 AS taken FROM accounts WHERE username = :username", {"username": wanted}
        )
        return fallback if taken else wanted

    async def _grant(self, tx: Executor, account_id: int, amount: int, note: str) -> None:
        params = ledger_params(account_id, "grant", amount, self._clock(), note=note)
        await tx.execute(INSERT_LEDGER, params)

    async def by_username(self, username: str) -> Account | None:
        return await account_where(self._db, "username = :username", username.lower())

    async def by_telegram_id(self, telegram_id: int) -> Account | None:
        return await account_where(self._db, "telegram_id = :telegram_id", telegram_id)

    async def ledger_total(self, account_id: int) -> int:
        """The sum of the account's ledger: by the schema's invariant, its balance."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(amount), 0) AS total FROM ledger WHERE account_id = :id",
            {"id": account_id},
        )
        assert row is not None
        return int(row["total"])

    async def mismatched_balances(self) -> list[str]:
        """Usernames whose balance differs from their ledger's sum (should be none)."""
        rows = await self._db.fetch_all(
            """SELECT a.username FROM accounts a
               LEFT JOIN (SELECT account_id, SUM(amount) AS total FROM ledger
                          GROUP BY account_id) l ON l.account_id = a.id
               WHERE a.balance <> COALESCE(l.total, 0)"""
        )
        return [row["username"] for row in rows]
