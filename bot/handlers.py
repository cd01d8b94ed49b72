"""The bot's command handlers, built into fresh routers on every call (/newkey, with its
confirmation buttons, lives in `bot.keys`).

Handlers are thin: storage decides and writes (no SQL here), `bot.render` builds the HTML.
Their parameters are filled by aiogram from the dispatcher's workflow data (`accounts`,
`admin`, `config`, `clock`) and from `LanguageMiddleware` (`texts`).

Invariant: the key is only ever sent in a private chat, so the user commands answer only
there; in groups the bot asks to be written to directly.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.types import ErrorEvent, Message

from bot import render
from bot.admin import create_admin_router
from bot.config import BotConfig
from bot.keys import create_keys_router
from bot.lang import create_lang_router
from bot.payments import create_payments_router
from bot.texts import ENGLISH, Texts
from bot.usage import create_usage_router
from storage.accounts import AccountStore, Clock

logger = logging.getLogger(__name__)

#: Every command the bot answers; in groups each gets the "write to me privately" reply.
COMMANDS = ("start", "balance", "help", "newkey", "unblock", "usage", "lang", "topup", "refund")


def create_routers() -> list[Router]:
    """The routers in the order they must be included: key rotation, private commands,
    groups, errors. /newkey and the admin console (`bot.admin`) come first because the
    private router ends in a catch-all."""
    return [
        create_keys_router(),
        create_payments_router(),
        create_admin_router(),
        create_usage_router(),
        create_lang_router(),
        _private_router(),
        _group_router(),
        _errors_router(),
    ]


def _private_router() -> Router:
    router = Router(name="private")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(start, CommandStart())
    router.message.register(balance, Command("balance"))
    router.message.register(help_command, Command("help"))
    router.message.register(unknown)
    return router


def _group_router() -> Router:
    router = Router(name="groups")
    router.message.filter(F.chat.type != ChatType.PRIVATE)
    router.message.register(private_only, Command(*COMMANDS))
    return router


def _errors_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router


async def start(
    message: Message, accounts: AccountStore, config: BotConfig, texts: Texts, clock: Clock
) -> None:
    """Register once; a new account sees its key (the only time), a returning one its state."""
    user = message.from_user
    if user is None:
        return
    registration = await accounts.register_telegram_user(
        user.id, user.username, config.trial_credit, texts.language
    )
    account = registration.account
    if registration.created and registration.secret is not None:
        logger.info("registered telegram user %d as %s", user.id, account.username)
        text = render.welcome_new(
            texts,
            user.first_name,
            account,
            registration.secret,
            config.public_base_url,
            config.currency,
        )
    else:
        text = render.welcome_back(
            texts, user.first_name, account, clock(), accounts.policy.lock_strikes, config.currency
        )
    await message.answer(text)


async def balance(
    message: Message, accounts: AccountStore, config: BotConfig, texts: Texts, clock: Clock
) -> None:
    """The account's money, strikes and lock; an unregistered user is sent to /start."""
    user = message.from_user
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await message.answer(texts.not_registered)
        return
    await message.answer(
        render.account_state(
            texts, account, clock(), accounts.policy.lock_strikes, config.currency
        )
    )


async def help_command(message: Message, config: BotConfig, texts: Texts) -> None:
    await message.answer(texts.help.format(base_url=render.escape(config.public_base_url)))


async def unknown(message: Message, texts: Texts) -> None:
    await message.answer(texts.unknown_command)


async def private_only(message: Message, texts: Texts) -> None:
    await message.answer(texts.private_only)


async def on_error(event: ErrorEvent, texts: Texts = ENGLISH) -> bool:
    """The bot's edge for unexpected failures: log them whole, apologise to the user.

    Returning True marks the error handled, so one broken update never stops polling.
    """
    logger.error("bot update %d failed", event.update.update_id, exc_info=event.exception)
    message, callback = event.update.message, event.update.callback_query
    try:
        if message is not None:
            await message.answer(texts.internal_error)
        elif callback is not None:
            await callback.answer(texts.internal_error, show_alert=True)
    except TelegramAPIError as error:
        logger.warning("could not tell the user about the failure: %s", error)
    return True
