"""Every sentence the bot says: one catalog (`Texts`) with an English and a Russian instance,
and the rule that picks one for a user.
"""

from __future__ import annotations

from bot.text_fields import Texts
from bot.texts_en import ENGLISH
from bot.texts_ru import RUSSIAN

__all__ = ["ENGLISH", "LANGUAGE_NAMES", "RUSSIAN", "RUSSIAN_LANGUAGES", "Texts", "texts_for"]

#: Telegram language codes answered in Russian: the seeds' Russian-reading users.
RUSSIAN_LANGUAGES = frozenset({"ru", "uk", "be", "kk"})

#: The languages /lang offers, each named in itself (the buttons read the same to everyone).
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def texts_for(language_code: str | None) -> Texts:
    """Russian for ru/uk/be/kk (any region, e.g. `ru-RU`), English for everyone else."""
    if language_code is None:
        return ENGLISH
    primary = language_code.replace("_", "-").split("-", 1)[0].lower()
    return RUSSIAN if primary in RUSSIAN_LANGUAGES else ENGLISH
