"""A Stars payment that arrives while the database is away, through the production dispatcher.

Telegram delivers `successful_payment` once, after it took the Stars. With the SQLite file
locked by another connection the credit cannot be written: the payer is told the payment
is kept, it is kept in a real money journal, and it is credited exactly once when the
database is back: by this process, or by the next one on the same journal after a crash.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from bot.payments import receipt_text
from bot.pending_payments import PAYMENT, PendingPayments, ReceiptText, StarsPayment, crediting
from bot.texts import ENGLISH, RUSSIAN, texts_for
from storage import DatabaseTimeouts
from storage.money_journal import Entry, MoneyJournal
from storage.payments import PaymentOutcome
from tests.bot_harness import BotHarness, open_bot_harness
from tests.bot_payments import CHARGE, PER_100_STARS, TRIAL, USER, ledger, pay, texts_sent
from tests.clock import FakeClock
from tests.fakes.telegram import successful_payment_update
from tests.outages import TIMEOUTS, sqlite_locked
from tests.tcp_proxy import proxied


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "money-journal"


def pending_of(tested: BotHarness) -> PendingPayments:
    pending = tested.dispatcher["pending_payments"]
    assert isinstance(pending, PendingPayments)
    return pending


def receipts(tested: BotHarness) -> ReceiptText:
    """As the service makes them: in the payer's language."""

    def receipt(payment: StarsPayment, outcome: PaymentOutcome) -> str:
        return receipt_text(outcome, texts_for(payment.language), "USD", tested.clock())

    return receipt


async def test_a_payment_while_the_database_is_away_is_kept_and_the_payer_told(
    tested: BotHarness, sqlite_url: str
) -> None:
    await tested.register(USER, "alice")
    with sqlite_locked(sqlite_url):
        await pay(tested)
    assert texts_sent(tested, USER)[-1] == ENGLISH.topup_waits.format(stars=100, charge_id=CHARGE)
    assert pending_of(tested).waiting == 1
    assert await ledger(tested, "topup") == []  # not credited yet
    assert (await tested.account("alice")).balance == TRIAL


async def test_a_kept_payment_is_credited_once_when_the_database_is_back(
    tested: BotHarness, sqlite_url: str
) -> None:
    await tested.register(USER, "alice")
    with sqlite_locked(sqlite_url):
        await pay(tested)
        await pay(tested)  # Telegram delivered it again meanwhile: kept once
    pending = pending_of(tested)
    assert pending.waiting == 1
    [(payment, outcome)] = await pending.credit_waiting()
    assert (payment.charge_id, payment.stars, payment.amount) == (CHARGE, 100, PER_100_STARS)
    assert outcome.applied
    assert await ledger(tested, "topup") == [PER_100_STARS]
    assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS
    assert await pending.credit_waiting() == []  # nothing waits any more
    await pay(tested)  # a late redelivery credits nothing
    assert await ledger(tested, "topup") == [PER_100_STARS]


async def test_the_payer_gets_the_receipt_in_their_language_once_credited(
    tested: BotHarness, sqlite_url: str
) -> None:
    await tested.register(USER, "alice")
    with sqlite_locked(sqlite_url):
        await pay(tested, language="ru")
    assert texts_sent(tested, USER)[-1] == RUSSIAN.topup_waits.format(stars=100, charge_id=CHARGE)
    before = len(texts_sent(tested, USER))
    async with crediting(tested.bot, pending_of(tested), receipts(tested), retry_seconds=0.01):
        for _ in range(500):
            if len(texts_sent(tested, USER)) > before:
                break
            await asyncio.sleep(0.01)
    [sent] = texts_sent(tested, USER)[before:]
    assert sent.startswith(RUSSIAN.topup_receipt.split("\n")[0])
    assert CHARGE in sent


async def test_a_payment_kept_by_a_killed_process_is_credited_once_by_the_next(
    tested: BotHarness, sqlite_url: str, journal_path: Path
) -> None:
    await tested.register(USER, "alice")
    dying = MoneyJournal.open(journal_path)
    pending_of(tested).use_journal(dying)
    with sqlite_locked(sqlite_url):
        await pay(tested)
    [kept] = dying.waiting(PAYMENT)
    assert kept.key == CHARGE
    dying.close()  # killed: nothing credited, nothing done
    journal = MoneyJournal.open(journal_path)
    try:
        nextone = PendingPayments(tested.storage.payments)
        nextone.use_journal(journal)
        assert nextone.waiting == 1
        [(payment, outcome)] = await nextone.credit_waiting()
        assert (payment.telegram_id, payment.chat_id, payment.language) == (USER, USER, "en")
        assert outcome.applied
        assert journal.waiting(PAYMENT) == []
    finally:
        journal.close()
    assert await ledger(tested, "topup") == [PER_100_STARS]
    emptied = await asyncio.to_thread(journal_path.read_bytes)
    assert emptied == b""


async def test_a_kept_payment_credited_before_the_crash_is_not_credited_again(
    tested: BotHarness, journal_path: Path
) -> None:
    await tested.register(USER, "alice")
    await pay(tested)  # credited, with its receipt
    account = await tested.account("alice")
    journal = MoneyJournal.open(journal_path)
    try:
        payment = StarsPayment(
            USER, CHARGE, 100, PER_100_STARS, f"topup:{account.id}:100", USER, "en"
        )
        journal.add(Entry(PAYMENT, CHARGE, dataclasses.asdict(payment)))  # `done` was lost
        pending = PendingPayments(tested.storage.payments)
        pending.use_journal(journal)
        before = len(texts_sent(tested, USER))
        async with crediting(tested.bot, pending, receipts(tested), retry_seconds=0.01):
            for _ in range(500):
                if not journal.waiting(PAYMENT):
                    break
                await asyncio.sleep(0.01)
        assert journal.waiting(PAYMENT) == []
    finally:
        journal.close()
    assert await ledger(tested, "topup") == [PER_100_STARS]  # credited once
    assert len(texts_sent(tested, USER)) == before  # and no second receipt


async def test_a_payment_while_postgresql_is_cut_off_is_kept_and_credited_once_it_is_back(
    postgres_url: str, clock: FakeClock
) -> None:
    """A real outage, where no read works either (the user's language included): the
    payment still reaches its handler and is kept, and the payer is told so."""
    async with (
        proxied(postgres_url) as (proxy, url),
        open_bot_harness(url, clock, timeouts=TIMEOUTS) as tested,
    ):
        await tested.register(USER, "alice")
        account = await tested.account("alice")
        proxy.cut()
        update_id = tested.next_id()
        await tested.feed(
            successful_payment_update(
                update_id, update_id, USER, f"topup:{account.id}:100", 100, CHARGE
            )
        )
        assert texts_sent(tested, USER)[-1] == ENGLISH.topup_waits.format(
            stars=100, charge_id=CHARGE
        )
        assert await pending_of(tested).credit_waiting() == []  # still away: it waits
        proxy.restore()
        [(_, outcome)] = await pending_of(tested).credit_waiting()
        assert outcome.applied
        assert await ledger(tested, "topup") == [PER_100_STARS]
        assert (await tested.account("alice")).balance == TRIAL + PER_100_STARS
