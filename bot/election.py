"""Polling by election: of several replicas in `BOT_MODE=polling` on one database, one polls.

Telegram answers one `getUpdates` per token at a time, so two pollers would fail each other
with 409 Conflict all day. Rather than refuse a second polling replica at start, the
replicas elect the poller (`Leadership`: on PostgreSQL, an advisory lock, see
`storage.leader`): the holder polls, the others serve the API only and try again every
`interval_seconds`, and when the poller dies or loses the database one of them takes over
by itself. So a deployment can run the same settings everywhere and lose any replica.

Invariants: a replica polls only while its leadership is held, checked every interval;
losing it stops polling the normal way (`polling_lifecycle`'s exit, never a cancel). At
start the token is checked once (getMe), so a wrong token still stops the service at
start-up; later failures are logged and the election simply runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

from aiogram import Bot, Dispatcher

from bot.runner import polling_lifecycle
from storage.errors import DatabaseUnavailableError

logger = logging.getLogger(__name__)


class Leadership(Protocol):
    """The right to poll, held by at most one replica at a time."""

    async def try_acquire(self) -> bool: ...

    async def still_held(self) -> bool: ...

    async def release(self) -> None: ...


async def _acquired(leadership: Leadership) -> bool:
    try:
        return await leadership.try_acquire()
    except DatabaseUnavailableError as error:
        logger.warning("cannot run for the Telegram poller now: %s", error.reason)
        return False


async def _hold(leadership: Leadership, stopping: asyncio.Event, interval: float) -> None:
    """Return when the service stops or the leadership is lost, checking every interval."""
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=interval)
        if not stopping.is_set() and not await leadership.still_held():
            logger.warning("lost the Telegram poller's lock: polling stops here")
            return


async def _serve_term(
    bot: Bot,
    dispatcher: Dispatcher,
    leadership: Leadership,
    stopping: asyncio.Event,
    interval: float,
) -> None:
    """Poll for as long as this replica holds the leadership."""
    logger.info("Telegram bot %d: this replica was elected to poll", bot.id)
    try:
        async with polling_lifecycle(bot, dispatcher):
            await _hold(leadership, stopping, interval)
    except Exception:  # a failed term is logged whole; the election runs again
        logger.exception("Telegram polling failed; running for the poller again")
    finally:
        await leadership.release()


async def _campaign(
    bot: Bot,
    dispatcher: Dispatcher,
    leadership: Leadership,
    stopping: asyncio.Event,
    interval: float,
) -> None:
    announced = False
    while not stopping.is_set():
        if await _acquired(leadership):
            await _serve_term(bot, dispatcher, leadership, stopping, interval)
            announced = False
        elif not announced:
            logger.info(
                "Telegram bot %d: another replica polls; this one serves the API and takes "
                "over if that one stops",
                bot.id,
            )
            announced = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=interval)


@contextlib.asynccontextmanager
async def elected_polling(
    bot: Bot, dispatcher: Dispatcher, leadership: Leadership, *, interval_seconds: float
) -> AsyncIterator[None]:
    """Run for the poller while the context is open; poll whenever elected."""
    try:
        me = await bot.get_me()  # a wrong token stops the start-up, as plain polling does
        logger.info("Telegram bot %d: polling by election among replicas", me.id)
        stopping = asyncio.Event()
        campaign = asyncio.create_task(
            _campaign(bot, dispatcher, leadership, stopping, interval_seconds),
            name="telegram-poller-election",
        )
        try:
            yield
        finally:
            stopping.set()
            await campaign
    finally:
        await bot.session.close()
