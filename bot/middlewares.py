"""Dispatcher middlewares: the user's language, the updates still being handled, and the
count of updates handled.

All are outer middlewares on `update`, so they run for every update whichever way it
arrives (polling, webhook, or `feed_update` in tests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from aiogram.types.update import UpdateTypeLookupError

from bot.texts import texts_for
from storage.errors import DatabaseUnavailableError
from storage.profiles import ProfileStore

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
#: Told of each update handled: its type (`message`, `callback_query`...) and how it went
#: (`handled`, `unhandled` when no handler took it, `error` when one raised).
UpdateCounter = Callable[[str, str], None]


class LanguageMiddleware(BaseMiddleware):
    """Puts `texts` (the catalog instance for the sender's language) into handler data.

    A language chosen with /lang (read from `profiles`, one indexed read per update) wins;
    otherwise the user's current Telegram language decides, not the one stored at
    registration, so a user who switches Telegram to Russian is answered in Russian.
    Telegram's choice stands when the read meets a database outage: the update goes on
    to its handler, which may not need the database (a Stars payment is kept for later,
    `bot.pending_payments`) or meets the outage itself and is apologised for in a language
    the user reads.
    """

    def __init__(self, profiles: ProfileStore | None = None) -> None:
        self._profiles = profiles

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = data.get("event_from_user")
        if not isinstance(user, User):
            data["texts"] = texts_for(None)
            return await handler(event, data)
        data["texts"] = texts_for(user.language_code)
        if self._profiles is not None:
            try:
                chosen = await self._profiles.chosen_language(user.id)
            except DatabaseUnavailableError as error:
                logger.info("update of telegram user %d in its own language: %s", user.id, error)
                chosen = None
            if chosen is not None:
                data["texts"] = texts_for(chosen)
        return await handler(event, data)


class InFlightUpdates(BaseMiddleware):
    """Remembers the tasks handling updates, so shutdown can let them finish first.

    aiogram runs each polled (or background webhook) update in its own task and does not
    wait for those tasks when polling stops; closing the bot session under them would
    break their replies. Invariant: a task stays tracked until it is done, including the
    error handler's reply, which runs outside this middleware.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await handler(event, data)

    async def drain(self, grace_seconds: float) -> None:
        """Wait up to `grace_seconds` for handling tasks, then cancel the stragglers."""
        current = asyncio.current_task()
        pending = {task for task in self._tasks if task is not current}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace_seconds)
        if not late:
            return
        logger.warning(
            "cancelling %d bot updates still running after %.1fs", len(late), grace_seconds
        )
        for task in late:
            task.cancel()
        await asyncio.wait(late)


class CountedUpdates(BaseMiddleware):
    """Tells `count` of every update once its handling is over (the service's metrics).

    An error is counted before it travels on to the dispatcher's error handler, which
    answers the user; the count never changes what the handlers do.
    """

    def __init__(self, count: UpdateCounter) -> None:
        self._count = count

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = _update_type(event)
        try:
            result = await handler(event, data)
        except Exception:
            self._count(kind, "error")
            raise
        self._count(kind, "unhandled" if result is UNHANDLED else "handled")
        return result


def _update_type(event: TelegramObject) -> str:
    """`message`, `callback_query`...; `unknown` for a type this aiogram does not know."""
    if not isinstance(event, Update):
        return type(event).__name__
    try:
        return event.event_type
    except UpdateTypeLookupError:
        return "unknown"
