"""/newkey: users replace their own API key after confirming with an inline button.

Invariants:
- A key is only ever sent to the user's private chat (chat id = user id), and /newkey
  answers only in private chats (in groups, `bot.handlers` refuses it).
- Callback data carries nothing secret: the action and the key prefix the confirmation was
  issued for (the prefix is shown to users anyway and reveals nothing useful).
- A confirmation is single-use: "Yes" rotates only while the account's key still has the
  prefix the button carries; once rotated, every older confirmation is expired. Storage
  checks the prefix in the very UPDATE that rotates, so a double tap cannot rotate twice,
  even when two replicas handle the two taps.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)

from bot import render
from bot.buttons import close_buttons
from bot.texts import Texts
from storage.accounts import AccountStore
from storage.admin import AccountAdmin
from storage.errors import KeyChangedError
from storage.models import Account

logger = logging.getLogger(__name__)


class KeyAction(StrEnum):
    REPLACE = "replace"
    CANCEL = "cancel"


class NewKeyCallback(CallbackData, prefix="newkey"):
    """A /newkey button: what it does and which key (by its public prefix) it was offered for."""

    action: KeyAction
    key_prefix: str


def create_keys_router() -> Router:
    """A fresh router (one per dispatcher)."""
    router = Router(name="keys")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(ask_to_confirm, Command("newkey"))
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(replace, NewKeyCallback.filter(F.action == KeyAction.REPLACE))
    router.callback_query.register(cancel, NewKeyCallback.filter(F.action == KeyAction.CANCEL))
    return router


def confirmation_keyboard(texts: Texts, key_prefix: str) -> InlineKeyboardMarkup:
    def button(text: str, action: KeyAction) -> InlineKeyboardButton:
        data = NewKeyCallback(action=action, key_prefix=key_prefix).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(texts.newkey_yes, KeyAction.REPLACE)],
            [button(texts.newkey_cancel, KeyAction.CANCEL)],
        ]
    )


async def ask_to_confirm(message: Message, bot: Bot, accounts: AccountStore, texts: Texts) -> None:
    await send_confirmation(bot, message.chat.id, message.from_user, accounts, texts)


async def send_confirmation(
    bot: Bot, chat_id: int, user: User | None, accounts: AccountStore, texts: Texts
) -> None:
    """Warn and offer the buttons; nothing changes until "Yes" is pressed.

    Shared by /newkey and the New key button under /start, so both ask the same way.
    """
    account = await accounts.by_telegram_id(user.id) if user is not None else None
    if account is None:
        await bot.send_message(chat_id, texts.not_registered)
        return
    await bot.send_message(
        chat_id,
        render.confirm_new_key(texts, account),
        reply_markup=confirmation_keyboard(texts, account.key_prefix),
    )


async def replace(
    callback: CallbackQuery,
    callback_data: NewKeyCallback,
    bot: Bot,
    accounts: AccountStore,
    admin: AccountAdmin,
    texts: Texts,
) -> None:
    """Rotate (recorded with actor `telegram:<id>`) and show the new key once."""
    user_id = callback.from_user.id
    rotated = await _rotate_if_current(user_id, callback_data.key_prefix, accounts, admin)
    if rotated is None:
        logger.info("telegram user %d pressed an expired /newkey confirmation", user_id)
        await _settle(callback, bot, texts.newkey_expired)
        return
    account, secret = rotated
    logger.info("telegram user %d rotated the key of %s", user_id, account.username)
    await _settle(callback, bot, render.new_key(texts, account, secret))


async def _rotate_if_current(
    telegram_id: int, key_prefix: str, accounts: AccountStore, admin: AccountAdmin
) -> tuple[Account, str] | None:
    """The rotated account and its new secret, or None if the confirmation is stale."""
    account = await accounts.by_telegram_id(telegram_id)
    if account is None:
        return None
    try:
        return await admin.rotate_key(
            account.username, actor=f"telegram:{telegram_id}", expected_prefix=key_prefix
        )
    except KeyChangedError:
        return None


async def cancel(callback: CallbackQuery, bot: Bot, texts: Texts) -> None:
    await _settle(callback, bot, texts.newkey_cancelled)


async def _settle(callback: CallbackQuery, bot: Bot, text: str) -> None:
    """Send the outcome privately, then answer the query and remove the buttons.

    The outcome goes first: after a rotation it is the only copy of the new key, so a failed
    answer or edit (a query too old to answer, a deleted message) must not prevent it; those
    failures are cosmetic and only logged.
    """
    await bot.send_message(callback.from_user.id, text)
    await close_buttons(callback, bot, "/newkey")
