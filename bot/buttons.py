"""Answering and tidying inline buttons, shared by every handler that offers them.

Both are cosmetic: a press too old to answer, or a message already deleted, must never stop
the handler's real work (a new key, a language, an invoice), so failures are logged only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery

logger = logging.getLogger(__name__)


async def best_effort(action: Awaitable[object], what: str) -> None:
    """Await a Bot API call whose failure changes nothing that matters; log it."""
    try:
        await action
    except TelegramAPIError as error:
        logger.warning("could not %s: %s", what, error)


async def close_buttons(callback: CallbackQuery, bot: Bot, command: str) -> None:
    """Answer the press (stops the client's spinner) and remove the message's buttons."""
    await best_effort(callback.answer(), f"answer a {command} button")
    await remove_buttons(callback, bot, command)


async def remove_buttons(callback: CallbackQuery, bot: Bot, command: str) -> None:
    """Remove the pressed message's buttons (its text stays), leaving the press unanswered:
    for a handler whose reply takes a while, the spinner shows until it is answered."""
    if callback.message is not None:
        removal = bot.edit_message_reply_markup(
            chat_id=callback.message.chat.id, message_id=callback.message.message_id
        )
        await best_effort(removal, f"remove the {command} buttons")
