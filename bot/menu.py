"""The buttons under every /start reply: Balance, Usage, Images, New key, Models, Help.

Each button does exactly what its command does: the press is answered by the same function
the command calls (see `bot.handlers.on_menu_button`), so a button can never drift from its
command. Callback data is only the action's name: nothing secret and nothing about whose
account it is, because a press is always answered for the presser's own account.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import Texts


class MenuAction(StrEnum):
    BALANCE = "balance"
    USAGE = "usage"
    IMAGES = "images"
    NEWKEY = "newkey"
    MODELS = "models"
    HELP = "help"


class MenuCallback(CallbackData, prefix="menu"):
    """A menu button: which command it stands for."""

    action: MenuAction


def menu_keyboard(texts: Texts) -> InlineKeyboardMarkup:
    """The account's money first, then the library and the key, then what to call."""

    def button(text: str, action: MenuAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=text, callback_data=MenuCallback(action=action).pack())

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(texts.button_balance, MenuAction.BALANCE),
                button(texts.button_usage, MenuAction.USAGE),
            ],
            [
                button(texts.button_images, MenuAction.IMAGES),
                button(texts.button_newkey, MenuAction.NEWKEY),
            ],
            [
                button(texts.button_models, MenuAction.MODELS),
                button(texts.button_help, MenuAction.HELP),
            ],
        ]
    )
