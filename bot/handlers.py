"""The bot's command handlers, built into fresh routers on every call (/newkey, with its
confirmation buttons, lives in `bot.keys`; /usage, /images, /models, /lang and /topup in
their own modules).

Handlers are thin: storage decides and writes (no SQL here), `bot.render` builds the HTML.
Their parameters are filled by aiogram from the dispatcher's workflow data (`accounts`,
`admin`, `config`, `clock`, `usage`, `images`) and from `LanguageMiddleware` (`texts`).

Invariant: the key is only ever sent in a private chat, so the user commands answer only
there; in groups the bot asks to be written to directly.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from bot import render
from bot.admin import create_admin_router
from bot.buttons import best_effort
from bot.config import BotConfig
from bot.images import create_images_router, send_images
from bot.keys import create_keys_router, send_confirmation
from bot.lang import create_lang_router
from bot.menu import MenuAction, MenuCallback, menu_keyboard
from bot.models_command import create_models_router, send_models
from bot.payments import create_payments_router
from bot.texts import ENGLISH, Texts
from bot.usage import create_usage_router, send_usage
from storage.accounts import AccountStore
from storage.clock import Clock
from storage.images import ImageStore
from storage.usage import UsageStore

logger = logging.getLogger(__name__)

#: Every command the bot answers; in groups each gets the "write to me privately" reply.
COMMANDS = (
    "start",
    "balance",
    "help",
    "newkey",
    "unblock",
    "usage",
    "images",
    "models",
    "lang",
    "topup",
    "refund",
)


def create_routers() -> list[Router]:
    """The routers in the order they must be included: key rotation, private commands,
    groups, errors. /newkey and the admin console (`bot.admin`) come first because the
    private router ends in a catch-all."""
    return [
        create_keys_router(),
        create_payments_router(),
        create_admin_router(),
        create_usage_router(),
        create_images_router(),
        create_models_router(),
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
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(on_menu_button, MenuCallback.filter())
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
    """Register once; a new account sees its key (the only time), a returning one its state.

    Both see examples calling the price list's example model, one this service can call.
    """
    user = message.from_user
    if user is None:
        return
    registration = await accounts.register_telegram_user(
        user.id, user.username, config.trial_credit, texts.language
    )
    account = registration.account
    base_url, model = config.public_base_url, config.price_list.example_model
    if registration.created and registration.secret is not None:
        logger.info("registered telegram user %d as %s", user.id, account.username)
        text = render.welcome_new(
            texts, user.first_name, account, registration.secret, base_url, config.currency, model
        )
    else:
        policy = accounts.policy
        state = render.account_state(texts, account, clock(), policy.lock_strikes, config.currency)
        text = render.welcome_back(texts, user.first_name, account, state, base_url, model)
    await message.answer(text, reply_markup=menu_keyboard(texts))


async def balance(
    message: Message,
    bot: Bot,
    accounts: AccountStore,
    config: BotConfig,
    texts: Texts,
    clock: Clock,
) -> None:
    await send_balance(bot, message.chat.id, message.from_user, accounts, config, texts, clock)


async def send_balance(
    bot: Bot,
    chat_id: int,
    user: User | None,
    accounts: AccountStore,
    config: BotConfig,
    texts: Texts,
    clock: Clock,
) -> None:
    """The account's money, strikes and lock; an unregistered user is sent to /start.

    Shared by /balance and the Balance button, so both always answer the same.
    """
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await bot.send_message(chat_id, texts.not_registered)
        return
    state = render.account_state(
        texts, account, clock(), accounts.policy.lock_strikes, config.currency
    )
    await bot.send_message(chat_id, state)


async def help_command(
    message: Message, bot: Bot, accounts: AccountStore, config: BotConfig, texts: Texts
) -> None:
    await send_help(bot, message.chat.id, message.from_user, accounts, config, texts)


async def send_help(
    bot: Bot,
    chat_id: int,
    user: User | None,
    accounts: AccountStore,
    config: BotConfig,
    texts: Texts,
) -> None:
    """The commands, where models, prices and docs are, and a first call with the user's
    username (a placeholder before /start); shared by /help and the Help button."""
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    username = account.username if account is not None else None
    model = config.price_list.example_model
    await bot.send_message(
        chat_id, render.help_text(texts, config.public_base_url, model, username)
    )


async def on_menu_button(
    callback: CallbackQuery,
    callback_data: MenuCallback,
    bot: Bot,
    accounts: AccountStore,
    usage: UsageStore,
    images: ImageStore,
    config: BotConfig,
    texts: Texts,
    clock: Clock,
) -> None:
    """A button under /start: the matching command's own reply, for the presser's account.

    The reply goes first and the press is answered after, so the client's spinner shows
    until the reply (a chart or an album may take a moment) is on its way. The buttons
    stay: the menu is meant to be pressed again.
    """
    user = callback.from_user
    chat_id = callback.message.chat.id if callback.message is not None else user.id
    match callback_data.action:
        case MenuAction.BALANCE:
            await send_balance(bot, chat_id, user, accounts, config, texts, clock)
        case MenuAction.USAGE:
            await send_usage(bot, chat_id, user, accounts, usage, config, texts)
        case MenuAction.IMAGES:
            await send_images(bot, chat_id, user, accounts, images, config, texts)
        case MenuAction.NEWKEY:
            await send_confirmation(bot, chat_id, user, accounts, texts)
        case MenuAction.MODELS:
            await send_models(bot, chat_id, config, texts)
        case MenuAction.HELP:
            await send_help(bot, chat_id, user, accounts, config, texts)
    await best_effort(callback.answer(), "answer a menu button")


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
