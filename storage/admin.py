"""Operator actions on accounts: the one implementation behind the bot's admin commands and
the command line.

Each action and the `admin_actions` row that records who did it (`actor`, such as
`telegram:123` or `cli`) are written in one transaction: there is no change without its
record. Money moves only through ledger rows, like everywhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database, Executor
from storage.errors import (
    BalanceWouldGoNegativeError,
    InvalidUsernameError,
    KeyChangedError,
    UnknownAccountError,
    UsernameTakenError,
)
from storage.keys import issue_key
from storage.locks import lift_no_funds_lock
from storage.models import Account, Registration
from storage.policy import LOCKED_UNTIL_UNBLOCKED
from storage.sql import (
    ACCOUNT_COLUMNS,
    INSERT_LEDGER,
    INSERT_LEDGER_IF_AVAILABLE,
    account_where,
    insert_account,
    ledger_params,
)

_USERNAME = re.compile(r"[a-z0-9_]{3,32}")


@dataclass(frozen=True, slots=True)
class AdminAction:
    actor: str
    action: str
    username: str | None
    detail: str | None
    created_at: int


class AccountAdmin:
    """Create, credit, block, unblock and re-key accounts; list them and their history."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def _record(
        self, tx: Executor, actor: str, action: str, account_id: int, detail: str | None
    ) -> None:
        await tx.execute(
            """INSERT INTO admin_actions (actor, action, account_id, detail, created_at)
               VALUES (:actor, :action, :account_id, :detail, :now)""",
            {
                "actor": actor,
                "action": action,
                "account_id": account_id,
                "detail": detail,
                "now": self._clock(),
            },
        )

    async def _existing(self, tx: Executor, username: str) -> Account:
        """The account, locked against concurrent change until the transaction ends."""
        lock = " FOR UPDATE" if self._db.dialect == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE
        row = await tx.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = :username{lock}",
            {"username": username.lower()},
        )
        if row is None:
            raise UnknownAccountError(username)
        return Account.from_row(row)

    async def create_account(self, username: str, credit: int, actor: str) -> Registration:
        """A new account without Telegram (a partner, a first user); its key is shown once."""
        name = username.lower()
        if not _USERNAME.fullmatch(name):
            raise InvalidUsernameError(username)
        async with self._db.transaction() as tx:
            if await account_where(tx, "username = :username", name) is not None:
                raise UsernameTakenError(name)
            key = issue_key()
            account = await insert_account(tx, name, key, self._clock())
            if credit:
                params = ledger_params(account.id, "grant", credit, self._clock(), actor=actor)
                await tx.execute(INSERT_LEDGER, params)
            await self._record(tx, actor, "create", account.id, f"credit {credit}")
            created = await account_where(tx, "id = :id", account.id)
        assert created is not None
        return Registration(account=created, created=True, secret=key.secret)

    async def credit(self, username: str, amount: int, note: str | None, actor: str) -> Account:
        """Add (or, negative, take) `amount` units.

        A debit never takes money that running calls hold: the balance stays at or above
        `reserved` (so above zero), checked in the statement that writes the ledger row.
        Money in is never refused because of a lock; a credit lifts a lock that no-funds
        strikes alone set (`lift_no_funds_lock`), in the same transaction.
        """
        async with self._db.transaction() as tx:
            account = await self._existing(tx, username)
            params = ledger_params(
                account.id, "adjust", amount, self._clock(), actor=actor, note=note
            )
            if await tx.fetch_one(INSERT_LEDGER_IF_AVAILABLE, params) is None:
                raise BalanceWouldGoNegativeError(
                    account.username, account.balance, amount, account.reserved
                )
            if amount > 0:
                await lift_no_funds_lock(tx, account.id, self._clock())
            await self._record(tx, actor, "credit", account.id, f"{amount} {note or ''}".strip())
            updated = await account_where(tx, "id = :id", account.id)
        assert updated is not None
        return updated

    async def _set_lock(
        self, username: str, locked_until: int | None, actor: str, action: str, detail: str | None
    ) -> Account:
        """Set or clear an admin's lock; its cause, 'admin', keeps money from lifting it."""
        cause = None if locked_until is None else "admin"
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"""UPDATE accounts SET strikes = 0, locked_until = :locked_until,
                        lock_cause = :cause
                    WHERE username = :username RETURNING {ACCOUNT_COLUMNS}""",
                {"username": username.lower(), "locked_until": locked_until, "cause": cause},
            )
            if row is None:
                raise UnknownAccountError(username)
            account = Account.from_row(row)
            await self._record(tx, actor, action, account.id, detail)
        return account

    async def block(self, username: str, actor: str, reason: str | None = None) -> Account:
        """Lock the account until someone unblocks it: never by itself, nor by money in."""
        return await self._set_lock(username, LOCKED_UNTIL_UNBLOCKED, actor, "block", reason)

    async def unblock(self, username: str, actor: str) -> Account:
        """Clear the strikes and any lock (the seed's "reset it simply by name")."""
        return await self._set_lock(username, None, actor, "unblock", None)

    async def rotate_key(
        self, username: str, actor: str, expected_prefix: str | None = None
    ) -> tuple[Account, str]:
        """Replace the key: the old one stops working at once; the strikes are reset.

        With `expected_prefix`, the key is replaced only while it still has that display
        prefix (checked in the same UPDATE), so a confirmation shown for one key can never
        replace its successor, even when two replicas handle two taps at once.
        """
        key = issue_key()
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                f"""UPDATE accounts SET key_hash = :key_hash, key_prefix = :key_prefix,
                        strikes = 0
                    WHERE username = :username
                      AND (:expected = '' OR key_prefix = :expected)
                    RETURNING {ACCOUNT_COLUMNS}""",
                {
                    "username": username.lower(),
                    "key_hash": key.hash,
                    "key_prefix": key.display_prefix,
                    "expected": expected_prefix or "",
                },
            )
            if row is None:
                await self._existing(tx, username)  # raises UnknownAccountError
                raise KeyChangedError(username)
            account = Account.from_row(row)
            await self._record(tx, actor, "rotate-key", account.id, key.display_prefix)
        return account, key.secret

    async def list_accounts(self) -> list[Account]:
        rows = await self._db.fetch_all(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY username"
        )
        return [Account.from_row(row) for row in rows]

    async def history(self, username: str) -> list[AdminAction]:
        rows = await self._db.fetch_all(
            """SELECT a.actor, a.action, c.username, a.detail, a.created_at
               FROM admin_actions a LEFT JOIN accounts c ON c.id = a.account_id
               WHERE c.username = :username ORDER BY a.id""",
            {"username": username.lower()},
        )
        return [AdminAction(**row) for row in rows]
