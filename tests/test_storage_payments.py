"""Stars payments in storage, on both databases: credited once per charge, refunded once."""

from __future__ import annotations

import pytest

from storage import Storage
from storage.payments import (
    AlreadyRefundedError,
    PayerUnknownError,
    PaymentStore,
    RefundExceedsBalanceError,
    UnknownPaymentError,
)
from tests.conftest import FakeClock

TELEGRAM_ID = 42
CHARGE = "stxCHARGE-1"
CREDIT = 1_300_000  # 100 Stars at 0.013


@pytest.fixture
def payments(storage: Storage, clock: FakeClock) -> PaymentStore:
    return storage.payments


async def register(storage: Storage, trial: int = 0) -> int:
    registration = await storage.accounts.register_telegram_user(TELEGRAM_ID, "alice", trial, "en")
    return registration.account.id


async def ledger_kinds(storage: Storage, account_id: int) -> list[tuple[str, int]]:
    rows = await storage.database.fetch_all(
        "SELECT kind, amount FROM ledger WHERE account_id = :id ORDER BY id", {"id": account_id}
    )
    return [(row["kind"], int(row["amount"])) for row in rows]


async def test_a_payment_credits_its_amount_with_a_topup_ledger_row(
    storage: Storage, payments: PaymentStore
) -> None:
    account_id = await register(storage)
    outcome = await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    assert outcome.applied
    assert outcome.account.balance == CREDIT
    assert outcome.payment.stars == 100
    assert await ledger_kinds(storage, account_id) == [("topup", CREDIT)]


async def test_the_same_charge_twice_credits_once(
    storage: Storage, payments: PaymentStore
) -> None:
    account_id = await register(storage)
    await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    again = await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    assert not again.applied
    assert again.account.balance == CREDIT
    assert await ledger_kinds(storage, account_id) == [("topup", CREDIT)]
    assert await storage.accounts.mismatched_balances() == []


async def test_a_payer_without_an_account_records_nothing(
    storage: Storage, payments: PaymentStore
) -> None:
    with pytest.raises(PayerUnknownError):
        await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    assert await payments.by_charge_id(CHARGE) is None


async def test_a_refund_takes_the_credit_back_once_and_records_the_admin(
    storage: Storage, payments: PaymentStore
) -> None:
    account_id = await register(storage, trial=500_000)
    await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    outcome = await payments.refund(CHARGE, actor="telegram:1")
    assert outcome.account.balance == 500_000
    assert outcome.payment.refunded_by == "telegram:1"
    with pytest.raises(AlreadyRefundedError):
        await payments.refund(CHARGE, actor="telegram:1")
    assert (await ledger_kinds(storage, account_id))[-1] == ("refund", -CREDIT)
    history = await storage.admin.history("alice")
    assert [(a.actor, a.action) for a in history] == [("telegram:1", "refund")]


async def test_a_refund_of_spent_money_is_refused_and_changes_nothing(
    storage: Storage, payments: PaymentStore
) -> None:
    account_id = await register(storage)
    await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    await storage.admin.credit("alice", -1, "spent", actor="cli")
    with pytest.raises(RefundExceedsBalanceError) as refused:
        await payments.refund(CHARGE, actor="telegram:1")
    assert refused.value.available == CREDIT - 1
    payment = await payments.by_charge_id(CHARGE)
    assert payment is not None
    assert payment.refunded_at is None
    assert (await ledger_kinds(storage, account_id))[-1] == ("adjust", -1)


async def test_an_unknown_charge_cannot_be_refunded(payments: PaymentStore) -> None:
    with pytest.raises(UnknownPaymentError):
        await payments.refund("nope", actor="telegram:1")


async def test_undoing_a_refund_gives_the_credit_back_and_allows_a_new_refund(
    storage: Storage, payments: PaymentStore
) -> None:
    account_id = await register(storage)
    await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    await payments.refund(CHARGE, actor="telegram:1")
    undone = await payments.undo_refund(CHARGE, actor="telegram:1")
    assert undone.applied
    assert undone.account.balance == CREDIT
    assert not (await payments.undo_refund(CHARGE, actor="telegram:1")).applied
    kinds = [kind for kind, _ in await ledger_kinds(storage, account_id)]
    assert kinds == ["topup", "refund", "refund_undone"]
    assert (await payments.refund(CHARGE, actor="telegram:1")).account.balance == 0


async def test_a_refund_of_money_held_by_a_running_call_is_refused(
    storage: Storage, payments: PaymentStore
) -> None:
    registration = await storage.accounts.register_telegram_user(TELEGRAM_ID, "alice", 0, "en")
    assert registration.secret is not None
    await payments.credit(TELEGRAM_ID, CHARGE, 100, CREDIT, "topup:1:100")
    await storage.accounts.authorize("alice", registration.secret, hold=1, request_id="r-1")
    with pytest.raises(RefundExceedsBalanceError) as refused:
        await payments.refund(CHARGE, actor="telegram:1")
    assert refused.value.available == CREDIT - 1
    payment = await payments.by_charge_id(CHARGE)
    assert payment is not None
    assert payment.refunded_at is None
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (CREDIT, 1)
    assert await ledger_kinds(storage, registration.account.id) == [("topup", CREDIT)]
