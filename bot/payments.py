"""Top-up with Telegram Stars (/topup, the checkout, the receipt) and the admins' /refund.

Invariants:
- Invoices are in XTR with an empty provider token; their payload, `topup:<account id>:<stars>`,
  names the account and the amount and nothing secret.
- The pre-checkout query is refused (with a reason the user sees) unless the payload is
  well formed, matches the price, names the payer's own account, and that account is not
  locked; Telegram takes no Stars from a refused checkout.
- A successful payment is credited by storage once per `telegram_payment_charge_id`, at
  STARS_RATE as configured when the payment arrives; a repeated delivery of the same update
  credits nothing and sends no second receipt.
- /refund takes the credit back in storage first (refused, before Telegram is called, when
  the user has already spent part of it), then asks Telegram to return the Stars; when
  Telegram refuses, the credit is given back. So the balance never goes below zero and
  Stars are never returned while the credit stays.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
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
from bot.texts import Texts, texts_for
from storage.accounts import AccountStore, Clock
from storage.models import Account
from storage.money import format_money, to_units
from storage.payments import (
    AlreadyRefundedError,
    PayerUnknownError,
    PaymentOutcome,
    PaymentStore,
    RefundExceedsBalanceError,
    UnknownPaymentError,
)

logger = logging.getLogger(__name__)

STARS = "XTR"
_PAYLOAD_PREFIX = "topup"
#: Telegram's answer when the Stars of a charge were already returned.
_ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


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
    message: Message, accounts: AccountStore, config: BotConfig, texts: Texts, clock: Clock
) -> None:
    """The amounts as buttons; an unregistered or locked account is told why not instead."""
    user = message.from_user
    account = await _payer(accounts, user.id) if user is not None else None
    if account is None:
        await message.answer(texts.not_registered)
        return
    if account.is_locked(clock()):
        await message.answer(texts.topup_locked)
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
    clock: Clock,
) -> None:
    """Send the XTR invoice for a pressed amount to the presser's private chat."""
    stars = callback_data.stars
    account = await _payer(accounts, callback.from_user.id)
    refusal = None
    if stars not in config.stars_amounts:
        refusal = texts.topup_bad_amount
    elif account is None:
        refusal = texts.not_registered
    elif account.is_locked(clock()):
        refusal = texts.topup_locked
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


async def pre_checkout(
    query: PreCheckoutQuery, accounts: AccountStore, texts: Texts, clock: Clock
) -> None:
    """Approve the checkout, or refuse it with the reason (Telegram then takes nothing)."""
    refusal = await _checkout_refusal(query, accounts, texts, clock)
    if refusal is None:
        await query.answer(ok=True)
        return
    logger.info("refused a checkout of telegram user %d: %s", query.from_user.id, refusal)
    await query.answer(ok=False, error_message=refusal)


async def _checkout_refusal(
    query: PreCheckoutQuery, accounts: AccountStore, texts: Texts, clock: Clock
) -> str | None:
    parsed = parse_payload(query.invoice_payload)
    if parsed is None or query.currency != STARS or parsed[1] != query.total_amount:
        return texts.topup_refused_invalid
    account = await _payer(accounts, query.from_user.id)
    if account is None:
        return texts.topup_refused_unknown
    if account.id != parsed[0]:
        return texts.topup_refused_invalid
    if account.is_locked(clock()):
        return texts.topup_locked
    return None


async def on_successful_payment(
    message: Message, payments: PaymentStore, config: BotConfig, texts: Texts
) -> None:
    """Credit the payment once and send the receipt; a repeated update changes nothing."""
    paid, user = message.successful_payment, message.from_user
    if paid is None or user is None or paid.currency != STARS:
        return
    charge_id, stars = paid.telegram_payment_charge_id, paid.total_amount
    try:
        outcome = await payments.credit(
            user.id, charge_id, stars, credit_for(config, stars), paid.invoice_payload
        )
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
    await message.answer(_with_amounts(texts.topup_receipt, outcome, config))


def _with_amounts(template: str, outcome: PaymentOutcome, config: BotConfig, **extra: str) -> str:
    """Fill a payment template: stars, credit, balance, charge id, username (all escaped)."""
    return template.format(
        stars=outcome.payment.stars,
        credit=format_money(outcome.payment.amount, config.currency),
        balance=format_money(outcome.account.balance, config.currency),
        charge_id=render.escape(outcome.payment.charge_id),
        username=render.escape(outcome.account.username),
        **extra,
    )


async def refund(
    message: Message,
    command: CommandObject,
    bot: Bot,
    payments: PaymentStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """Admins only: reverse a payment's credit, then return its Stars through Telegram."""
    user = message.from_user
    if user is None or user.id not in config.admin_ids:
        logger.warning("refused /refund from telegram user %s", user.id if user else None)
        await message.answer(texts.refund_not_admin)
        return
    words = (command.args or "").split()
    if len(words) != 1:
        await message.answer(texts.refund_usage)
        return
    actor = f"telegram:{user.id}"
    reversed_ = await _reverse(message, payments, words[0], actor, config, texts)
    if reversed_ is None:
        return
    if not await _return_stars(bot, reversed_, payments, actor, message, texts):
        return
    logger.info("admin %d refunded payment %s", user.id, reversed_.payment.charge_id)
    await message.answer(_with_amounts(texts.refund_done, reversed_, config))
    notice = _with_amounts(
        texts_for(reversed_.account.language).refund_user_notice, reversed_, config
    )
    await best_effort(
        bot.send_message(reversed_.payment.telegram_id, notice), "tell the user of a refund"
    )


async def _reverse(
    message: Message,
    payments: PaymentStore,
    charge_id: str,
    actor: str,
    config: BotConfig,
    texts: Texts,
) -> PaymentOutcome | None:
    """Take the credit back in storage, or tell the admin why not (then None)."""
    shown = render.escape(charge_id)
    try:
        return await payments.refund(charge_id, actor)
    except UnknownPaymentError:
        await message.answer(texts.refund_unknown.format(charge_id=shown))
    except AlreadyRefundedError:
        await message.answer(texts.refund_already.format(charge_id=shown))
    except RefundExceedsBalanceError as error:
        credit = format_money(error.payment.amount, config.currency)
        available = format_money(error.available, config.currency)
        await message.answer(
            texts.refund_spent.format(charge_id=shown, credit=credit, available=available)
        )
    return None


async def _return_stars(
    bot: Bot,
    reversed_: PaymentOutcome,
    payments: PaymentStore,
    actor: str,
    message: Message,
    texts: Texts,
) -> bool:
    """Ask Telegram to return the Stars; on refusal give the credit back and say why."""
    payment = reversed_.payment
    try:
        await bot.refund_star_payment(
            user_id=payment.telegram_id, telegram_payment_charge_id=payment.charge_id
        )
    except TelegramAPIError as error:
        if _ALREADY_REFUNDED in error.message:
            return True  # the Stars are back with the user already: keep the reversal
        logger.warning("Telegram refused the refund of %s: %s", payment.charge_id, error)
        await payments.undo_refund(payment.charge_id, actor)
        await message.answer(
            texts.refund_failed.format(
                charge_id=render.escape(payment.charge_id), error=render.escape(error.message)
            )
        )
        return False
    return True
