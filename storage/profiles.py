"""A Telegram user's own choices about the bot, kept on their account: the language.

Invariant: `accounts.language` is the language messages to the user are written in (the
service's notifications read it too). Registration fills it from Telegram's language, and
then the bot keeps following Telegram's language; only an explicit choice (/lang) sets
`language_chosen_at`, and from then on the stored language wins over Telegram's.
"""

from __future__ import annotations

from storage.clock import Clock
from storage.database import Database

_CHOSEN = """
SELECT language FROM accounts
WHERE telegram_id = :telegram_id AND language_chosen_at IS NOT NULL
"""
_CHOOSE = """
UPDATE accounts SET language = :language, language_chosen_at = :now
WHERE telegram_id = :telegram_id
RETURNING id
"""


class ProfileStore:
    """The language choice: one indexed read per bot update, one write per /lang."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def chosen_language(self, telegram_id: int) -> str | None:
        """The language the user chose with /lang, or None (follow Telegram's)."""
        row = await self._db.fetch_one(_CHOSEN, {"telegram_id": telegram_id})
        return str(row["language"]) if row is not None and row["language"] else None

    async def choose_language(self, telegram_id: int, language: str) -> bool:
        """Store an explicit choice; False when the user has no account to store it on."""
        params = {"telegram_id": telegram_id, "language": language, "now": self._clock()}
        return await self._db.fetch_one(_CHOOSE, params) is not None
