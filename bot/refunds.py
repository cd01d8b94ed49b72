"""The admins' /refund: take a Stars payment's credit back, then return the Stars.

Invariant: the credit is taken back in storage first (refused, before Telegram is called,
when the user has already spent part of it), then Telegram is asked to return the Stars;
when Telegram refuses, the credit is given back. So the balance never goes below zero and
Stars are never returned while the credit stays. The handler is registered by the payments
router (bot/payments.py).
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot import render
from bot.buttons import best_effort
from bot.config import BotConfig
from bot.texts import Texts, texts_for
from storage.money import format_money
from storage.payments import (
    AlreadyRefundedError,
    PaymentOutcome,
    PaymentStore,
    RefundExceedsBalanceError,
    UnknownPaymentError,
)

logger = logging.getLogger(__name__)

#: Telegram's answer when the Stars of a charge were already returned.
_ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


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
    await message.answer(render.payment_text(texts.refund_done, reversed_, config.currency))
    notice = render.payment_text(
        texts_for(reversed_.account.language).refund_user_notice, reversed_, config.currency
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
