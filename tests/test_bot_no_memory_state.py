"""Nothing the bot remembers between updates lives in the process: replicas share a token
and any of them may take the next update (tests/test_bot_replicas.py runs that for real)."""

from __future__ import annotations

import inspect

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.stateless import BotStateInMemoryError, NoStateStorage
from tests.bot_harness import BotHarness

KEY = StorageKey(bot_id=1, chat_id=2, user_id=2)
#: What aiogram hands a handler that wants FSM state.
_FSM_PARAMETERS = {"state", "raw_state", "fsm_storage"}


async def test_the_dispatcher_keeps_no_fsm_state_in_memory(bot_harness: BotHarness) -> None:
    storage = bot_harness.dispatcher.fsm.storage
    assert isinstance(storage, NoStateStorage)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    with pytest.raises(BotStateInMemoryError):
        await storage.set_state(KEY, "waiting_for_something")
    with pytest.raises(BotStateInMemoryError):
        await storage.set_data(KEY, {"page": 2})


def test_no_handler_asks_for_fsm_state(bot_harness: BotHarness) -> None:
    handlers = [
        handler
        for router in bot_harness.dispatcher.chain_tail
        for observer in router.observers.values()
        for handler in observer.handlers
    ]
    asking = [
        handler.callback.__qualname__
        for handler in handlers
        if _FSM_PARAMETERS & set(inspect.signature(handler.callback).parameters)
    ]
    assert len(handlers) > 20  # every router was searched
    assert asking == []
