"""/lang: the user picks English or Russian with an inline button; the choice is stored.

Invariants: the choice lives on the account (storage's `ProfileStore`), and from then on
`LanguageMiddleware` answers in it whatever Telegram's language says. Callback data can be
forged by a client, so only the offered languages are accepted; anything else changes
nothing. A choice only ever touches the presser's own account (found by their Telegram id).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.buttons import best_effort, close_buttons
from bot.texts import LANGUAGE_NAMES, Texts, texts_for
from storage.accounts import AccountStore
from storage.profiles import ProfileStore

logger = logging.getLogger(__name__)


class LanguageCallback(CallbackData, prefix="lang"):
    """A /lang button: the language code it chooses (one of `LANGUAGE_NAMES`)."""

    language: str


def create_lang_router() -> Router:
    """A fresh router (one per dispatcher); private chats only."""
    router = Router(name="lang")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(ask_language, Command("lang"))
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(choose_language, LanguageCallback.filter())
    return router


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language, each named in that language."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=name, callback_data=LanguageCallback(language=code).pack()
                )
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


async def ask_language(message: Message, accounts: AccountStore, texts: Texts) -> None:
    """Offer the buttons; the choice is stored on the account, so register first."""
    user = message.from_user
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await message.answer(texts.not_registered)
        return
    await message.answer(texts.lang_choose, reply_markup=language_keyboard())


async def choose_language(
    callback: CallbackQuery,
    callback_data: LanguageCallback,
    bot: Bot,
    profiles: ProfileStore,
    texts: Texts,
) -> None:
    """Store the choice and confirm it in the chosen language."""
    language = callback_data.language
    user_id = callback.from_user.id
    if language not in LANGUAGE_NAMES:
        logger.warning("telegram user %d sent an unknown /lang choice", user_id)
        await best_effort(callback.answer(), "answer a forged /lang button")
        return
    if await profiles.choose_language(user_id, language):
        logger.info("telegram user %d chose language %s", user_id, language)
        reply = texts_for(language).lang_set
    else:
        reply = texts.not_registered
    await bot.send_message(user_id, reply)
    await close_buttons(callback, bot, "/lang")
