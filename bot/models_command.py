"""/models: the models a user can call now, with their prices, a page at a time.

Invariants: the list is the one the composition root gave (`BotConfig.price_list`: only
models whose provider is configured and whose price is known), so nothing shown here
answers 503; a page is a new message whose "Next page" button sends the following one (the
pressed message loses its button, so an old page cannot be paged twice). Page numbers come
from callback data, which a client can forge: one outside the pages changes nothing. The
list is public, so anyone, registered or not, may read it.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.buttons import best_effort, remove_buttons
from bot.config import BotConfig
from bot.models_pages import models_pages
from bot.texts import Texts

logger = logging.getLogger(__name__)


class ModelsPageCallback(CallbackData, prefix="models"):
    """A "Next page" button: the index (from 0) of the page it sends."""

    page: int


def create_models_router() -> Router:
    """A fresh router (one per dispatcher); private chats only, like every user command."""
    router = Router(name="models")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.register(show_models, Command("models"))
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    router.callback_query.register(next_page, ModelsPageCallback.filter())
    return router


def _next_button(texts: Texts, page: int, pages: int) -> InlineKeyboardMarkup | None:
    """The button to the page after `page`, or None on the last one."""
    if page + 1 >= pages:
        return None
    data = ModelsPageCallback(page=page + 1).pack()
    label = texts.models_next.format(page=page + 2, pages=pages)
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=data)]]
    )


async def show_models(message: Message, bot: Bot, config: BotConfig, texts: Texts) -> None:
    await send_models(bot, message.chat.id, config, texts)


async def send_models(
    bot: Bot, chat_id: int, config: BotConfig, texts: Texts, page: int = 0
) -> bool:
    """Send page `page` of the list with its "Next page" button; False when there is no
    such page. Shared by /models, the Models button under /start and the page buttons."""
    pages = models_pages(texts, config.price_list, config.currency, config.public_base_url)
    if not 0 <= page < len(pages):
        return False
    markup = _next_button(texts, page, len(pages))
    await bot.send_message(chat_id, pages[page], reply_markup=markup)
    return True


async def next_page(
    callback: CallbackQuery,
    callback_data: ModelsPageCallback,
    bot: Bot,
    config: BotConfig,
    texts: Texts,
) -> None:
    """Send the page the button names, then drop the pressed message's button."""
    chat_id = callback.message.chat.id if callback.message is not None else callback.from_user.id
    if await send_models(bot, chat_id, config, texts, callback_data.page):
        await remove_buttons(callback, bot, "/models")
    else:
        logger.warning("a /models page button of user %d names no page", callback.from_user.id)
    await best_effort(callback.answer(), "answer a /models page button")
