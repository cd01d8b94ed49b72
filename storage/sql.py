"""Statements and small helpers that more than one store uses (and nothing else)."""

from __future__ import annotations

from storage.database import Executor
from storage.keys import IssuedKey
from storage.models import Account

ACCOUNT_COLUMNS = (
    "id, telegram_id, username, key_prefix, balance, reserved, strikes, locked_until, "
    "language, created_at, last_seen_at, lock_cause"
)

INSERT_LEDGER = """
INSERT INTO ledger (
    account_id, kind, amount, released, model, input_tokens, output_tokens, request_id,
    actor, note, created_at
) VALUES (
    :account_id, :kind, :amount, :released, :model, :input_tokens, :output_tokens,
    :request_id, :actor, :note, :now
)"""

#: INSERT_LEDGER for money that may go out: a debit is written only while the account's
#: available money (balance less what running calls hold) covers it, checked in the same
#: statement whose trigger moves the balance. A credit (amount >= 0) is never refused.
#: RETURNING gives one row when written, none when refused. Callers lock the account row
#: first (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so no hold can slip in
#: between the statement's read and its write.
INSERT_LEDGER_IF_AVAILABLE = """
INSERT INTO ledger (
    account_id, kind, amount, released, model, input_tokens, output_tokens, request_id,
    actor, note, created_at
)
SELECT id, :kind, :amount, :released, :model, :input_tokens, :output_tokens, :request_id,
    :actor, :note, :now
FROM accounts
WHERE id = :account_id
  AND (CAST(:amount AS BIGINT) >= 0 OR balance - reserved + CAST(:amount AS BIGINT) >= 0)
RETURNING id"""


def ledger_params(
    account_id: int, kind: str, amount: int, now: int, **extra: object
) -> dict[str, object]:
    """Parameters for INSERT_LEDGER; columns not named in `extra` are NULL (released 0)."""
    params: dict[str, object] = {
        "account_id": account_id,
        "kind": kind,
        "amount": amount,
        "released": 0,
        "model": None,
        "input_tokens": None,
        "output_tokens": None,
        "request_id": None,
        "actor": None,
        "note": None,
        "now": now,
    }
    params.update(extra)
    return params


async def account_where(executor: Executor, condition: str, value: object) -> Account | None:
    """The one account matching `condition`, a `column = :param` test bound to `value`."""
    param = condition.split(":", 1)[1]
    row = await executor.fetch_one(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {condition}", {param: value}
    )
    return Account.from_row(row) if row else None


async def insert_account(
    executor: Executor,
    username: str,
    key: IssuedKey,
    now: int,
    telegram_id: int | None = None,
    language: str | None = None,
) -> Account:
    row = await executor.fetch_one(
        f"""INSERT INTO accounts (telegram_id, username, key_hash, key_prefix, language,
            created_at) VALUES (:telegram_id, :username, :key_hash, :key_prefix,
            :language, :now) RETURNING {ACCOUNT_COLUMNS}""",
        {
            "telegram_id": telegram_id,
            "username": username,
            "key_hash": key.hash,
            "key_prefix": key.display_prefix,
            "language": language,
            "now": now,
        },
    )
    assert row is not None
    return Account.from_row(row)
