"""The operator's console: /unblock, /block, /credit, /user and /stats, for `config.admin_ids`.

Invariants:
- Only a sender listed in `config.admin_ids` reaches a handler here (the `is_admin` filter);
  anyone else gets a refusal and nothing is read or changed.
- Changes go through `AccountAdmin`, the operations the command line uses, so each one is
  written with its `admin_actions` row (actor `telegram:<admin id>`) in one transaction.
  Reads (`/user`, `/stats`) change nothing and are not recorded.
- The console answers only in a private chat: its replies name accounts and money.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import admin_render
from bot.config import BotConfig
from bot.render import escape
from bot.texts import Texts, texts_for
from storage.accounts import AccountStore
from storage.admin import AccountAdmin
from storage.clock import Clock
from storage.errors import BalanceWouldGoNegativeError, UnknownAccountError
from storage.models import Account
from storage.money import format_money
from storage.reports import DAY_SECONDS, OperatorReports
from storage.upstream_keys import KeyHealthStore

logger = logging.getLogger(__name__)

ADMIN_COMMANDS = ("unblock", "block", "credit", "user", "stats")


def create_admin_router() -> Router:
    """Admin commands: refused in groups, handled for admins, refused for everyone else.

    Include it before any router that ends in a catch-all.
    """
    router = Router(name="admin")
    private = F.chat.type == ChatType.PRIVATE
    router.message.register(private_only, Command(*ADMIN_COMMANDS), ~private)
    router.message.register(unblock, Command("unblock"), private, is_admin)
    router.message.register(block, Command("block"), private, is_admin)
    router.message.register(credit, Command("credit"), private, is_admin)
    router.message.register(user_command, Command("user"), private, is_admin)
    router.message.register(stats, Command("stats"), private, is_admin)
    router.message.register(refuse, Command(*ADMIN_COMMANDS))
    return router


def is_admin(message: Message, config: BotConfig) -> bool:
    return message.from_user is not None and message.from_user.id in config.admin_ids


def _actor(message: Message) -> str:
    """The `admin_actions` actor; `is_admin` has already checked that a sender exists."""
    assert message.from_user is not None
    return f"telegram:{message.from_user.id}"


def _username(word: str) -> str:
    return word.removeprefix("@")


async def private_only(message: Message, texts: Texts) -> None:
    await message.answer(texts.private_only)


async def refuse(message: Message, command: CommandObject, texts: Texts) -> None:
    user = message.from_user
    logger.warning("refused /%s from telegram user %s", command.command, user.id if user else None)
    refusal = texts.unblock_not_admin if command.command == "unblock" else texts.admin_only
    await message.answer(refusal)


async def unblock(
    message: Message, command: CommandObject, admin: AccountAdmin, texts: Texts
) -> None:
    """Clear a username's strikes and lock."""
    words = (command.args or "").split()
    if len(words) != 1:
        await message.answer(texts.unblock_usage)
        return
    wanted = _username(words[0])
    try:
        account = await admin.unblock(wanted, actor=_actor(message))
    except UnknownAccountError:
        await message.answer(texts.unblock_unknown.format(username=escape(wanted)))
        return
    logger.info("%s unblocked %s", _actor(message), account.username)
    await message.answer(texts.unblock_done.format(username=escape(account.username)))


async def block(
    message: Message, command: CommandObject, admin: AccountAdmin, texts: Texts, bot: Bot
) -> None:
    """Lock an account until it is unblocked, then tell its owner (in their language).

    The block is committed before the owner is told, so a failed notification (no chat,
    the bot blocked by the user) never undoes it; the admin is told whether it arrived.
    """
    words = (command.args or "").split(maxsplit=1)
    if not words:
        await message.answer(texts.block_usage)
        return
    wanted = _username(words[0])
    reason = words[1].strip() if len(words) > 1 else None
    try:
        account = await admin.block(wanted, actor=_actor(message), reason=reason)
    except UnknownAccountError:
        await message.answer(texts.account_unknown.format(username=escape(wanted)))
        return
    logger.info("%s blocked %s", _actor(message), account.username)
    told = await _notify_blocked(bot, account, reason)
    done = texts.block_done.format(username=escape(account.username))
    await message.answer(f"{done}\n{texts.block_notified if told else texts.block_not_notified}")


async def _notify_blocked(bot: Bot, account: Account, reason: str | None) -> bool:
    if account.telegram_id is None:
        return False
    notice = admin_render.blocked_notice(texts_for(account.language), account, reason)
    try:
        await bot.send_message(account.telegram_id, notice)
    except TelegramAPIError as error:
        logger.warning("could not tell %s about the block: %s", account.username, error)
        return False
    return True


async def credit(
    message: Message,
    command: CommandObject,
    admin: AccountAdmin,
    config: BotConfig,
    texts: Texts,
) -> None:
    """Add or take money through the ledger; storage refuses a debit that would take money
    running calls hold (or go below zero)."""
    words = (command.args or "").split(maxsplit=2)
    units = admin_render.parse_amount(words[1]) if len(words) >= 2 else None
    if units is None:
        await message.answer(texts.credit_usage.format(currency=escape(config.currency)))
        return
    wanted, note = _username(words[0]), (words[2].strip() if len(words) == 3 else None)
    amount = admin_render.signed_money(units, config.currency)
    try:
        account = await admin.credit(wanted, units, note, actor=_actor(message))
    except UnknownAccountError:
        await message.answer(texts.account_unknown.format(username=escape(wanted)))
        return
    except BalanceWouldGoNegativeError as error:
        balance = format_money(error.balance, config.currency)
        held = format_money(error.held, config.currency)
        username = escape(error.username)
        await message.answer(
            texts.credit_below_zero.format(
                username=username, balance=balance, held=held, amount=amount
            )
        )
        return
    logger.info("%s changed the balance of %s by %d", _actor(message), account.username, units)
    balance = format_money(account.balance, config.currency)
    await message.answer(
        texts.credit_done.format(username=escape(account.username), amount=amount, balance=balance)
    )


async def user_command(
    message: Message,
    command: CommandObject,
    accounts: AccountStore,
    reports: OperatorReports,
    config: BotConfig,
    texts: Texts,
    clock: Clock,
) -> None:
    """One account as the operator needs it: money, strikes, lock, key prefix, activity."""
    words = (command.args or "").split()
    if len(words) != 1:
        await message.answer(texts.user_usage)
        return
    wanted = _username(words[0])
    account = await accounts.by_username(wanted)
    if account is None:
        await message.answer(texts.account_unknown.format(username=escape(wanted)))
        return
    spend = await reports.spend(account.id)
    limit = accounts.policy.lock_strikes
    await message.answer(
        admin_render.user_report(texts, account, spend, clock(), limit, config.currency)
    )


async def stats(
    message: Message,
    command: CommandObject,
    reports: OperatorReports,
    upstream_keys: KeyHealthStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """The service's figures, and when provider keys were benched (the last day)."""
    if command.args:
        await message.answer(texts.stats_usage)
        return
    figures = await reports.service()
    benches = await upstream_keys.recent_benches(DAY_SECONDS)
    await message.answer(admin_render.service_report(texts, figures, config.currency, benches))
