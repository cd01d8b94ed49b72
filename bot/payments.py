"""Top-up with Telegram Stars: /topup, the invoice, the checkout and the receipt.

Invariants:
- Invoices are in XTR with an empty provider token; their payload, `topup:<account id>:<stars>`,
  names the account and the amount and nothing secret.
- Money in is never refused because of a lock: a locked account is offered the amounts,
  sent the invoice and approved at checkout like any other. Storage lifts a lock that
  no-funds strikes alone set when the payment is credited; the receipt says whether the
  lock was lifted or stays (wrong keys or an admin set it).
- The pre-checkout query is refused (with a reason the user sees) unless the payload is
  well formed, matches the price and names the payer's own account; Telegram takes no
  Stars from a refused checkout.
- A successful payment is credited by storage once per `telegram_payment_charge_id`, at
  STARS_RATE as configured when the payment arrives, and only in Stars (XTR); a repeated
  delivery of the same update credits nothing and sends no second receipt. One that arrives
  while the database is away is kept (bot/pending_payments.py) and credited, with its
  receipt, once the database is back; the payer is told so at once.
- The admins' /refund is in bot/refunds.py; this module's router registers it, so one
  router carries every payment update (private chats, before the catch-all).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)

from bot import render
from bot.buttons import best_effort
from bot.config import BotConfig
from bot.pending_payments import PendingPayments, StarsPayment
from bot.refunds import refund
from bot.texts import Texts
from storage.accounts import AccountStore
from storage.clock import Clock
from storage.errors import DatabaseUnavailableError
from storage.models import Account
from storage.money import format_money, to_units
from storage.payments import PayerUnknownError, PaymentOutcome, PaymentStore

logger = logging.getLogger(__name__)

STARS = "XTR"
_PAYLOAD_PREFIX = "topup"


class TopupCallback(CallbackData, prefix="topup"):
    """A /topup button: the number of Stars it invoices (checked against STARS_AMOUNTS)."""

    stars: int


def create_payments_router() -> Router:
    """A fresh router (one per dispatcher); it must come before the private catch-all."""
    router = Router(name="payments")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(offer_amounts, Command("topup"))
    router.message.register(refund, Command("refund"))
    router.message.register(on_successful_payment, F.successful_payment)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(send_invoice, TopupCallback.filter())
    router.pre_checkout_query.register(pre_checkout)
    return router


def invoice_payload(account_id: int, stars: int) -> str:
    return f"{_PAYLOAD_PREFIX}:{account_id}:{stars}"


def parse_payload(payload: str) -> tuple[int, int] | None:
    """(account id, stars) from an invoice payload, or None when it is not ours."""
    parts = payload.split(":")
    if len(parts) != 3 or parts[0] != _PAYLOAD_PREFIX:
        return None
    if not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return int(parts[1]), int(parts[2])


def credit_for(config: BotConfig, stars: int) -> int:
    """The units `stars` Stars buy at STARS_RATE (rounded up: the user never loses)."""
    return to_units(config.stars_rate * stars)


def amounts_keyboard(texts: Texts, config: BotConfig) -> InlineKeyboardMarkup:
    def button(stars: int) -> InlineKeyboardButton:
        credit = format_money(credit_for(config, stars), config.currency)
        label = texts.topup_button.format(stars=stars, credit=credit)
        return InlineKeyboardButton(text=label, callback_data=TopupCallback(stars=stars).pack())

    buttons = [button(stars) for stars in config.stars_amounts]
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    )


async def _payer(accounts: AccountStore, telegram_id: int) -> Account | None:
    return await accounts.by_telegram_id(telegram_id)


async def offer_amounts(
    message: Message, accounts: AccountStore, config: BotConfig, texts: Texts
) -> None:
    """The amounts as buttons, locked or not; an unregistered user is told to /start."""
    user = message.from_user
    account = await _payer(accounts, user.id) if user is not None else None
    if account is None:
        await message.answer(texts.not_registered)
        return
    rate = format_money(to_units(config.stars_rate), config.currency)
    await message.answer(
        texts.topup_choose.format(rate=rate), reply_markup=amounts_keyboard(texts, config)
    )


async def send_invoice(
    callback: CallbackQuery,
    callback_data: TopupCallback,
    bot: Bot,
    accounts: AccountStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """Send the XTR invoice for a pressed amount to the presser's private chat."""
    stars = callback_data.stars
    account = await _payer(accounts, callback.from_user.id)
    refusal = None
    if stars not in config.stars_amounts:
        refusal = texts.topup_bad_amount
    elif account is None:
        refusal = texts.not_registered
    if refusal is not None or account is None:
        await best_effort(callback.answer(refusal, show_alert=True), "refuse a /topup button")
        return
    credit = format_money(credit_for(config, stars), config.currency)
    await bot.send_invoice(
        chat_id=callback.from_user.id,
        title=texts.topup_invoice_title,
        description=texts.topup_invoice_description.format(
            stars=stars, credit=credit, username=account.username
        ),
        payload=invoice_payload(account.id, stars),
        currency=STARS,
        prices=[LabeledPrice(label=texts.topup_price_label.format(stars=stars), amount=stars)],
        provider_token="",
    )
    await best_effort(callback.answer(), "answer a /topup button")


async def pre_checkout(query: PreCheckoutQuery, accounts: AccountStore, texts: Texts) -> None:
    """Approve the checkout, or refuse it with the reason (Telegram then takes nothing)."""
    refusal = await _checkout_refusal(query, accounts, texts)
    if refusal is None:
        await query.answer(ok=True)
        return
    logger.info("refused a checkout of telegram user %d: %s", query.from_user.id, refusal)
    await query.answer(ok=False, error_message=refusal)


async def _checkout_refusal(
    query: PreCheckoutQuery, accounts: AccountStore, texts: Texts
) -> str | None:
    parsed = parse_payload(query.invoice_payload)
    if parsed is None or query.currency != STARS or parsed[1] != query.total_amount:
        return texts.topup_refused_invalid
    account = await _payer(accounts, query.from_user.id)
    if account is None:
        return texts.topup_refused_unknown
    if account.id != parsed[0]:
        return texts.topup_refused_invalid
    return None


async def on_successful_payment(
    message: Message,
    payments: PaymentStore,
    pending_payments: PendingPayments,
    config: BotConfig,
    texts: Texts,
    clock: Clock,
) -> None:
    """Credit the payment once and send the receipt; a repeated update changes nothing."""
    paid, user = message.successful_payment, message.from_user
    if paid is None or user is None:
        return
    if paid.currency != STARS:
        logger.error(
            "payment %s in %s, not Stars: not credited",
            paid.telegram_payment_charge_id,
            paid.currency,
        )
        return
    charge_id, stars = paid.telegram_payment_charge_id, paid.total_amount
    amount = credit_for(config, stars)
    try:
        outcome = await payments.credit(user.id, charge_id, stars, amount, paid.invoice_payload)
    except DatabaseUnavailableError as error:
        kept = StarsPayment(
            user.id,
            charge_id,
            stars,
            amount,
            paid.invoice_payload,
            message.chat.id,
            texts.language,
        )
        await pending_payments.keep(kept, error)
        await message.answer(
            texts.topup_waits.format(stars=stars, charge_id=render.escape(charge_id))
        )
        return
    except PayerUnknownError:
        logger.error("payment %s of telegram user %d has no account to credit", charge_id, user.id)
        await message.answer(
            texts.topup_payer_unknown.format(stars=stars, charge_id=render.escape(charge_id))
        )
        return
    if not outcome.applied:
        logger.info("payment %s was delivered again: already credited", charge_id)
        return
    logger.info("telegram user %d paid %d Stars (%s)", user.id, stars, charge_id)
    await message.answer(receipt_text(outcome, texts, config.currency, clock()))


def receipt_text(outcome: PaymentOutcome, texts: Texts, currency: str, now: int) -> str:
    """The receipt of a credited payment, and what the payment did to a lock."""
    receipt = render.payment_text(texts.topup_receipt, outcome, currency)
    if outcome.lock_lifted:
        return f"{receipt}\n\n{texts.topup_lock_lifted}"
    if outcome.account.is_locked(now):
        return f"{receipt}\n\n{texts.topup_still_locked}"
    return receipt
