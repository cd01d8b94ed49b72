"""Running the bot inside the service's aiohttp application: polling or webhook.

Both modes are async context managers, and `*_cleanup_ctx` wraps each for `app.cleanup_ctx`,
so aiohttp's `run_app` owns the process and its signals (polling runs with
`handle_signals=False`). On exit, updates still being handled finish (bounded by
`drain_seconds`) before the bot session closes. The token is never logged; only the Bot API
server's address and the bot's public id are.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.middlewares import InFlightUpdates
from bot.texts import ENGLISH, RUSSIAN, RUSSIAN_LANGUAGES, Texts

logger = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AbstractAsyncContextManager[None]]

#: How long shutdown waits for updates still being handled before cancelling them.
DRAIN_SECONDS = 10.0
#: The getUpdates long-poll wait: a stop request is answered within this, at worst.
POLLING_TIMEOUT = 10
#: The dispatcher workflow-data key under which `create_dispatcher` keeps its tracker.
IN_FLIGHT_KEY = "in_flight_updates"


def bot_commands(texts: Texts) -> list[BotCommand]:
    """The public command menu; the admin commands (/unblock, /block, /credit, /user,
    /stats, /refund) stay out of it, since everyone else is refused them."""
    return [
        BotCommand(command="start", description=texts.command_start),
        BotCommand(command="balance", description=texts.command_balance),
        BotCommand(command="models", description=texts.command_models),
        BotCommand(command="newkey", description=texts.command_newkey),
        BotCommand(command="usage", description=texts.command_usage),
        BotCommand(command="images", description=texts.command_images),
        BotCommand(command="topup", description=texts.command_topup),
        BotCommand(command="lang", description=texts.command_lang),
        BotCommand(command="help", description=texts.command_help),
    ]


async def set_command_menu(bot: Bot) -> None:
    """English for everyone, Russian for each language `texts_for` answers in Russian."""
    await bot.set_my_commands(bot_commands(ENGLISH))
    for language in sorted(RUSSIAN_LANGUAGES):
        await bot.set_my_commands(bot_commands(RUSSIAN), language_code=language)


def mark_polling_started(polling_started: asyncio.Event | None = None) -> None:
    """Dispatcher startup hook: tells `polling_lifecycle` that `stop_polling` now works.

    `stop_polling()` raises (or returns without stopping) if called before `start_polling`
    has set up its signals, so the lifecycle waits for this before it yields.
    """
    if polling_started is not None:
        polling_started.set()


def _api_server(bot: Bot) -> str:
    """The Bot API server's address without the `/bot{token}/{method}` template."""
    return bot.session.api.base.split("/bot{token}", 1)[0]


async def _drain(dispatcher: Dispatcher, grace_seconds: float) -> None:
    tracker = dispatcher.get(IN_FLIGHT_KEY)
    if isinstance(tracker, InFlightUpdates):
        await tracker.drain(grace_seconds)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("Telegram polling stopped by an error", exc_info=error)


async def _wait_started(task: asyncio.Task[None], started: asyncio.Event) -> None:
    """Return once polling runs; raise the polling task's error if it ends first."""
    waiter = asyncio.create_task(started.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        await asyncio.wait({waiter})
    if not started.is_set():
        await task
        message = "Telegram polling ended before it started"
        raise RuntimeError(message)


async def _start_polling(
    bot: Bot, dispatcher: Dispatcher, polling_timeout: int
) -> asyncio.Task[None]:
    """Start polling in a task; return once it runs, since only then can it be stopped.

    If start-up is cancelled meanwhile, polling is still let start and then stopped the
    normal way, so no poller outlives a cancelled start.
    """
    started = asyncio.Event()
    polling = dispatcher.start_polling(
        bot,
        polling_timeout=polling_timeout,
        handle_signals=False,
        close_bot_session=False,
        polling_started=started,
    )
    task = asyncio.create_task(polling, name="telegram-polling")
    task.add_done_callback(_log_failure)
    try:
        await _wait_started(task, started)
    except asyncio.CancelledError:
        if not task.done():
            await _wait_started(task, started)
            await _stop_polling(dispatcher, task)
        raise
    return task


async def _stop_polling(dispatcher: Dispatcher, task: asyncio.Task[None]) -> None:
    """Stop through aiogram's own switch, never by cancelling: that leaks its inner task."""
    if not task.done():
        await dispatcher.stop_polling()
    await task


@asynccontextmanager
async def polling_lifecycle(
    bot: Bot,
    dispatcher: Dispatcher,
    *,
    drain_seconds: float = DRAIN_SECONDS,
    polling_timeout: int = POLLING_TIMEOUT,
) -> AsyncIterator[None]:
    """Poll for updates while the context is open (one poller per token, ever).

    Enter: set the command menu, delete any webhook (Telegram refuses getUpdates while one
    is set), start polling and wait until it runs. Exit: stop polling, await its task so its
    errors surface, let handlers finish, close the session. Errors on entry propagate, so a
    wrong token stops the service at start-up instead of leaving a silent bot.
    """
    logger.info("Telegram bot %d: polling mode via %s", bot.id, _api_server(bot))
    try:
        await set_command_menu(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        task = await _start_polling(bot, dispatcher, polling_timeout)
        try:
            yield
        finally:
            await _stop_polling(dispatcher, task)
            await _drain(dispatcher, drain_seconds)
    finally:
        await bot.session.close()
        logger.info("Telegram bot %d: polling stopped", bot.id)


def _require_secret(secret: str) -> None:
    """Refuse an empty secret: aiogram's handler then accepts any POST, and a forged update
    (a payment, an admin's /credit) would be handled as if Telegram had sent it."""
    if not secret:
        message = "a Telegram webhook needs a secret: WEBHOOK_SECRET, or one from the token"
        raise ValueError(message)


def mount_webhook(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, path: str, secret: str
) -> None:
    """Route Telegram's POSTs at `path` to the dispatcher (answered at once, handled after).

    Only the route is added (not `SimpleRequestHandler.register`, whose shutdown hook would
    close the session before `webhook_lifecycle` lets running handlers finish). Invariant:
    `secret` is never empty, so a request without the matching
    `X-Telegram-Bot-Api-Secret-Token` header gets 401 and reaches no handler.
    """
    _require_secret(secret)
    handler = SimpleRequestHandler(dispatcher, bot, secret_token=secret)
    app.router.add_post(path, handler.handle)


@asynccontextmanager
async def webhook_lifecycle(
    bot: Bot,
    dispatcher: Dispatcher,
    url: str,
    secret: str,
    *,
    drain_seconds: float = DRAIN_SECONDS,
) -> AsyncIterator[None]:
    """Tell Telegram where to post, and which secret to send, while the context is open;
    replicas may share a token (and so the secret, when it is derived from the token).

    Exit leaves the webhook in place: other replicas (or the next start) keep receiving.
    """
    _require_secret(secret)
    logger.info("Telegram bot %d: webhook mode, updates posted to %s", bot.id, _origin(url))
    data: dict[str, Any] = {**dispatcher.workflow_data, "dispatcher": dispatcher, "bot": bot}
    try:
        await set_command_menu(bot)
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        await dispatcher.emit_startup(**data)
        try:
            yield
        finally:
            await _drain(dispatcher, drain_seconds)
            await dispatcher.emit_shutdown(**data)
    finally:
        await bot.session.close()
        logger.info("Telegram bot %d: webhook handling stopped", bot.id)


def _origin(url: str) -> str:
    """Scheme and host only: operators often put a secret into the webhook's path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/..."


def polling_cleanup_ctx(bot: Bot, dispatcher: Dispatcher) -> CleanupContext:
    """`polling_lifecycle` shaped for `app.cleanup_ctx.append(...)`."""

    def context(_app: web.Application) -> AbstractAsyncContextManager[None]:
        return polling_lifecycle(bot, dispatcher)

    return context


def webhook_cleanup_ctx(bot: Bot, dispatcher: Dispatcher, url: str, secret: str) -> CleanupContext:
    """`webhook_lifecycle` shaped for `app.cleanup_ctx.append(...)`."""

    def context(_app: web.Application) -> AbstractAsyncContextManager[None]:
        return webhook_lifecycle(bot, dispatcher, url, secret)

    return context
