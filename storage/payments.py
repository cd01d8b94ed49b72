"""Telegram Stars payments: credited once per charge, reversed at most once.

Invariants:
- A payment is keyed on Telegram's `telegram_payment_charge_id` (UNIQUE). The payment row
  and its 'topup' ledger row are written in one transaction, the payment by
  `INSERT ... ON CONFLICT DO NOTHING RETURNING`: a second delivery of the same update
  inserts nothing, so it credits nothing.
- A refund first claims the payment (`refunded_at` set only while it is NULL) and takes the
  credit back with a 'refund' ledger row, in one transaction, only while the account's
  available money (balance less holds) covers it, checked in the very statement that
  writes the row (`INSERT_LEDGER_IF_AVAILABLE`): the balance never goes below zero and
  two admins cannot reverse one payment twice. The caller then asks Telegram to refund the
  Stars; if Telegram refuses, `undo_refund` gives the credit back ('refund_undone').
- Money in is never refused because of a lock, and a credit (or a refund undone) lifts a
  lock that no-funds strikes alone set, in the same transaction as its ledger row
  (`storage.locks.lift_no_funds_lock`).
- Money moves only through ledger rows (the `ledger_applies` trigger moves the balance);
  every reversal is also an `admin_actions` row naming its actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import Clock
from storage.database import Database, Executor, Row
from storage.errors import StorageError
from storage.locks import lift_no_funds_lock
from storage.models import Account
from storage.sql import (
    ACCOUNT_COLUMNS,
    INSERT_LEDGER,
    INSERT_LEDGER_IF_AVAILABLE,
    account_where,
    ledger_params,
)

_PAYMENT_COLUMNS = (
    "charge_id, account_id, telegram_id, stars, amount, payload, created_at, refunded_at, "
    "refunded_by"
)

_INSERT_PAYMENT = f"""
INSERT INTO payments (charge_id, account_id, telegram_id, stars, amount, payload, created_at)
SELECT :charge_id, id, telegram_id, :stars, :amount, :payload, :now
FROM accounts WHERE telegram_id = :telegram_id
ON CONFLICT (charge_id) DO NOTHING
RETURNING {_PAYMENT_COLUMNS}
"""

_CLAIM_REFUND = f"""
UPDATE payments SET refunded_at = :now, refunded_by = :actor
WHERE charge_id = :charge_id AND refunded_at IS NULL
RETURNING {_PAYMENT_COLUMNS}
"""

_UNCLAIM_REFUND = f"""
UPDATE payments SET refunded_at = NULL, refunded_by = NULL
WHERE charge_id = :charge_id AND refunded_at IS NOT NULL
RETURNING {_PAYMENT_COLUMNS}
"""


class PaymentError(StorageError):
    """Base of the payment errors; the bot turns each into a reply."""


class UnknownPaymentError(PaymentError):
    def __init__(self, charge_id: str) -> None:
        self.charge_id = charge_id
        super().__init__(f"no payment with charge id {charge_id!r}")


class PayerUnknownError(PaymentError):
    """A payment came from a Telegram user who has no account (nothing was recorded)."""

    def __init__(self, telegram_id: int) -> None:
        self.telegram_id = telegram_id
        super().__init__(f"telegram user {telegram_id} has no account")


class AlreadyRefundedError(PaymentError):
    def __init__(self, charge_id: str) -> None:
        self.charge_id = charge_id
        super().__init__(f"payment {charge_id!r} is already refunded")


class RefundExceedsBalanceError(PaymentError):
    """The user already spent (or holds) part of the credit: reversing it would go below 0."""

    def __init__(self, payment: Payment, available: int) -> None:
        self.payment, self.available = payment, available
        super().__init__(
            f"payment {payment.charge_id!r} credited {payment.amount}, only {available} is left"
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """One Stars payment; `amount` is the credit in minor units, `stars` what was paid."""

    charge_id: str
    account_id: int
    telegram_id: int
    stars: int
    amount: int
    payload: str
    created_at: int
    refunded_at: int | None
    refunded_by: str | None

    @classmethod
    def from_row(cls, row: Row) -> Payment:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """A payment and the account after it; `applied` is False for a repeated delivery
    (or a refund undo that found nothing to undo), which changed nothing. `lock_lifted`:
    this money lifted a lock that no-funds strikes had set."""

    payment: Payment
    account: Account
    applied: bool
    lock_lifted: bool = False


class PaymentStore:
    """Record Stars payments and their refunds, each with its ledger row."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def by_charge_id(self, charge_id: str) -> Payment | None:
        row = await self._db.fetch_one(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE charge_id = :charge_id",
            {"charge_id": charge_id},
        )
        return Payment.from_row(row) if row else None

    async def credit(
        self, telegram_id: int, charge_id: str, stars: int, amount: int, payload: str
    ) -> PaymentOutcome:
        """Credit `amount` units to the payer's account once per `charge_id`.

        Raises PayerUnknownError when the payer has no account (and nothing is written).
        """
        now = self._clock()
        params = {
            "charge_id": charge_id,
            "telegram_id": telegram_id,
            "stars": stars,
            "amount": amount,
            "payload": payload,
            "now": now,
        }
        lifted = False
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(_INSERT_PAYMENT, params)
            if row is not None:
                payment = Payment.from_row(row)
                note = f"{stars} Stars, charge {charge_id}"
                actor = f"telegram:{telegram_id}"
                entry = ledger_params(
                    payment.account_id, "topup", amount, now, actor=actor, note=note
                )
                await tx.execute(INSERT_LEDGER, entry)
                lifted = await lift_no_funds_lock(tx, payment.account_id, now)
            else:
                payment = await self._existing(tx, charge_id, PayerUnknownError(telegram_id))
            account = await account_where(tx, "id = :id", payment.account_id)
        assert account is not None
        return PaymentOutcome(payment, account, applied=row is not None, lock_lifted=lifted)

    async def refund(self, charge_id: str, actor: str) -> PaymentOutcome:
        """Claim the payment's refund and take its credit back, never below zero.

        Raises UnknownPaymentError, AlreadyRefundedError or RefundExceedsBalanceError, in
        which case nothing changed.
        """
        now = self._clock()
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                _CLAIM_REFUND, {"charge_id": charge_id, "now": now, "actor": actor}
            )
            if row is None:
                await self._existing(tx, charge_id, UnknownPaymentError(charge_id))
                raise AlreadyRefundedError(charge_id)
            payment = Payment.from_row(row)
            account = await self._locked_account(tx, payment.account_id)
            if not await self._move(tx, payment, "refund", -payment.amount, actor, now):
                raise RefundExceedsBalanceError(payment, account.available)
            updated = await account_where(tx, "id = :id", payment.account_id)
        assert updated is not None
        return PaymentOutcome(payment, updated, applied=True)

    async def undo_refund(self, charge_id: str, actor: str) -> PaymentOutcome:
        """Give back a reversed credit when Telegram refused to refund the Stars."""
        now = self._clock()
        lifted = False
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(_UNCLAIM_REFUND, {"charge_id": charge_id})
            if row is None:
                payment = await self._existing(tx, charge_id, UnknownPaymentError(charge_id))
            else:
                payment = Payment.from_row(row)
                await self._move(tx, payment, "refund_undone", payment.amount, actor, now)
                lifted = await lift_no_funds_lock(tx, payment.account_id, now)
            account = await account_where(tx, "id = :id", payment.account_id)
        assert account is not None
        return PaymentOutcome(payment, account, applied=row is not None, lock_lifted=lifted)

    async def _existing(self, tx: Executor, charge_id: str, missing: PaymentError) -> Payment:
        row = await tx.fetch_one(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE charge_id = :charge_id",
            {"charge_id": charge_id},
        )
        if row is None:
            raise missing
        return Payment.from_row(row)

    async def _locked_account(self, tx: Executor, account_id: int) -> Account:
        """The account, locked until the transaction ends (SQLite: BEGIN IMMEDIATE)."""
        lock = " FOR UPDATE" if self._db.dialect == "postgresql" else ""
        row = await tx.fetch_one(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = :id{lock}", {"id": account_id}
        )
        assert row is not None  # payments reference accounts
        return Account.from_row(row)

    async def _move(
        self, tx: Executor, payment: Payment, kind: str, amount: int, actor: str, now: int
    ) -> bool:
        """The ledger row and the admin record of a reversal (or of its undoing).

        A reversal is written only while the money available (balance less what running
        calls hold) covers it, checked in the statement that writes it; False when it is
        not (nothing written).
        """
        note = f"{payment.stars} Stars, charge {payment.charge_id}"
        params = ledger_params(payment.account_id, kind, amount, now, actor=actor, note=note)
        if await tx.fetch_one(INSERT_LEDGER_IF_AVAILABLE, params) is None:
            return False
        await tx.execute(
            """INSERT INTO admin_actions (actor, action, account_id, detail, created_at)
               VALUES (:actor, :action, :account_id, :detail, :now)""",
            {
                "actor": actor,
                "action": kind,
                "account_id": payment.account_id,
                "detail": f"{amount} {note}",
                "now": now,
            },
        )
        return True
