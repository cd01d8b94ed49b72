"""Account rules as atomic SQL: the only module that writes strikes, locks and holds.

Balances change only through ledger rows (see `storage.migrations`: a trigger applies each
row), so every money-moving operation here is an INSERT into `ledger`.

The gate is one UPDATE statement per request and the settlement one INSERT of the call's
record (their texts and parameters are `storage.account_statements`): the lock check, the
key check, the funds check, the strike count, the lock and the hold are all decided and
written against the same row version. Concurrent failures therefore cannot skip the lock
threshold, and two concurrent calls cannot both hold the same last unit of balance.
"""

from __future__ import annotations

import logging

from storage.account_statements import (
    authorize_statement,
    authorize_values,
    settlement_statement,
    settlement_values,
)
from storage.clock import Clock
from storage.database import Database, Executor
from storage.keys import issue_key
from storage.models import (
    Account,
    Authorization,
    AuthOutcome,
    CallRecord,
    Registration,
    Settlement,
)
from storage.policy import AccessPolicy
from storage.sql import (
    INSERT_LEDGER,
    account_where,
    insert_account,
    ledger_params,
)

logger = logging.getLogger(__name__)

#: The settlement an earlier attempt wrote, when writing it again was a no-op.
_SETTLED_BEFORE = """
SELECT id, cost, shortfall, balance_after FROM calls WHERE settle_key = :settle_key
"""


class AccountStore:
    """The account and money operations the gate, the billing flow and the bot call."""

    def __init__(self, database: Database, policy: AccessPolicy, clock: Clock) -> None:
        self._db = database
        self._policy = policy
        self._clock = clock
        self._insert_call = settlement_statement(database.dialect)
        self._settlement_values = settlement_values(self._insert_call)
        self._by_username = authorize_statement("username = :username", database.dialect)
        self._by_key = authorize_statement("key_hash = :key_hash", database.dialect)
        self._by_username_values = authorize_values(self._by_username)
        self._by_key_values = authorize_values(self._by_key)

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
        policy, now = self._policy, self._clock()
        gate = self._db.gate  # its verdict may be acted on before it commits: see Database
        if username is None:
            values = self._by_key_values(policy, key, hold, now, request_id, None)
            row = await gate.fetch_one(self._by_key, values)
        else:
            values = self._by_username_values(policy, key, hold, now, request_id, username)
            row = await gate.fetch_one(self._by_username, values)
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
        params = self._settlement_values(call, self._clock())
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
