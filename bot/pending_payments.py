"""Stars payments whose credit waits for the database: kept on disk, credited once it is back.

Telegram has taken the payer's Stars when it delivers `successful_payment`, and it delivers
it once: a credit that failed because the database was away was lost, and the payer was
told "something went wrong". Now the payment is kept in the service's money journal
(`storage.money_journal`), on the disk, before the payer is told it will be credited; this
process (or the next one on the same journal, after a crash) credits it as soon as the
database answers, and sends the usual receipt then.

Invariants:
- A payment is credited once: storage credits once per Telegram charge id, so crediting a
  kept payment that did reach the database (its answer lost) changes nothing, and a
  payment Telegram delivers again while one waits is kept once.
- The payer is told only what is true: "it waits" once it is on the disk (or, when the
  disk refused it too, that it is recorded only in memory is logged at ERROR), the receipt
  once it is credited.
- Nothing here blocks the event loop: the journal's disk writes run in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from storage.errors import DatabaseUnavailableError
from storage.money_journal import Entry, MoneyJournal, end_in, keep_in, restored
from storage.payments import PayerUnknownError, PaymentOutcome, PaymentStore

logger = logging.getLogger(__name__)

#: The journal's kind of entry for a payment (its data: `StarsPayment`'s fields).
PAYMENT = "payment"
#: How often waiting payments are tried while some wait.
RETRY_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class StarsPayment:
    """What `PaymentStore.credit` takes, and whom to tell (and in which language)."""

    telegram_id: int
    charge_id: str
    stars: int
    amount: int
    payload: str
    chat_id: int
    language: str


#: The receipt a payer gets once a kept payment is credited.
ReceiptText = Callable[[StarsPayment, PaymentOutcome], str]


class PendingPayments:
    """The payments of this process waiting for the database, oldest first."""

    def __init__(self, payments: PaymentStore) -> None:
        self._payments = payments
        self._waiting: dict[str, StarsPayment] = {}
        self._journal: MoneyJournal | None = None
        self._crediting = asyncio.Lock()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def use_journal(self, journal: MoneyJournal) -> None:
        """Keep every payment in `journal` from now on, and take what an earlier process
        left there."""
        self._journal = journal
        for payment in restored(journal, PAYMENT, StarsPayment):
            self._waiting[payment.charge_id] = payment
        if self._waiting:
            logger.warning(
                "%d Stars payments an earlier process could not credit wait in %s",
                len(self._waiting),
                journal.path,
            )

    async def keep(self, payment: StarsPayment, error: DatabaseUnavailableError) -> None:
        """Keep a payment whose credit failed because the database is unavailable."""
        logger.warning(
            "payment %s of telegram user %d waits for the database (%s)",
            payment.charge_id,
            payment.telegram_id,
            error.reason,
        )
        if payment.charge_id in self._waiting:
            return  # Telegram delivered it again: kept once
        if self._journal is not None:
            await keep_in(self._journal, Entry(PAYMENT, payment.charge_id, asdict(payment)))
        self._waiting[payment.charge_id] = payment

    async def credit_waiting(self) -> list[tuple[StarsPayment, PaymentOutcome]]:
        """Credit what waits, oldest first, until done or the database fails again; the
        payments credited now, each with its outcome. Never raises for an outage."""
        credited: list[tuple[StarsPayment, PaymentOutcome]] = []
        if not self._waiting or self._crediting.locked():
            return credited
        async with self._crediting:
            for payment in list(self._waiting.values()):
                try:
                    outcome = await self._payments.credit(
                        payment.telegram_id,
                        payment.charge_id,
                        payment.stars,
                        payment.amount,
                        payment.payload,
                    )
                except DatabaseUnavailableError:
                    break
                except PayerUnknownError:  # the account went since the checkout
                    logger.error(
                        "payment %s of telegram user %d has no account to credit",
                        payment.charge_id,
                        payment.telegram_id,
                    )
                except Exception:  # it would fail the same way forever: say so, go on
                    logger.exception("payment %s cannot be credited", payment.charge_id)
                else:
                    logger.info("payment %s: credited after the outage", payment.charge_id)
                    credited.append((payment, outcome))
                del self._waiting[payment.charge_id]
                if self._journal is not None:
                    await end_in(self._journal, PAYMENT, payment.charge_id)
        return credited


@asynccontextmanager
async def crediting(
    bot: Bot,
    pending: PendingPayments,
    receipt: ReceiptText,
    retry_seconds: float = RETRY_SECONDS,
) -> AsyncIterator[None]:
    """While the bot runs: credit what waits every `retry_seconds`, and send each payer
    the receipt (`receipt(payment, outcome)`) once it is credited."""

    async def loop() -> None:
        while True:
            try:
                for payment, outcome in await pending.credit_waiting():
                    if outcome.applied:
                        await _tell(bot, payment, receipt(payment, outcome))
            except Exception:  # a bug here must not stop the next payments' credit
                logger.exception("crediting the waiting payments failed")
            await asyncio.sleep(retry_seconds)

    task = asyncio.create_task(loop(), name="pending payments")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _tell(bot: Bot, payment: StarsPayment, text: str) -> None:
    try:
        await bot.send_message(payment.chat_id, text)
    except TelegramAPIError as error:  # credited all the same; /balance shows it
        logger.warning("could not send the receipt of payment %s: %s", payment.charge_id, error)
