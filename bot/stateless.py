"""The bot's FSM storage: none. Nothing the bot remembers between updates lives in memory.

Replicas in webhook mode share one token, and Telegram posts each update to whichever
replica the proxy picks, so a conversation's next update may land anywhere: whatever a
handler needs from an earlier update must be in the database (accounts, keys, languages,
payments, image file ids) or in the button's callback data (a /newkey confirmation names
the key prefix it was offered for; a Load more button names where the next page starts).

aiogram's default FSM storage is a dict in the process: a handler that used `state` would
work on one replica and lose its state on the next. This storage holds nothing: reading
finds no state, and writing raises at once, in the first test that tries, instead of
breaking quietly in production. (It also spares aiogram's default a dict entry per user.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


class BotStateInMemoryError(RuntimeError):
    """A handler tried to keep state between updates in the process."""

    def __init__(self) -> None:
        super().__init__(
            "the bot keeps no state between updates in memory (any replica may take the "
            "next update): store it in the database or in the button's callback data"
        )


class NoStateStorage(BaseStorage):
    """FSM storage that never holds anything: no state, no data, and writing raises."""

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        if state is not None:
            raise BotStateInMemoryError

    async def get_state(self, key: StorageKey) -> str | None:
        return None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if data:
            raise BotStateInMemoryError

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return {}

    async def close(self) -> None:
        return None
