"""The Telegram side: factories for the bot and its dispatcher, and their lifecycles.

Nothing is built at import: every call returns new objects (a Router attaches to only one
dispatcher, and every test builds its own). The composition root either calls `serve_bot`
inside its bot `cleanup_ctx` entry (after storage is open), or composes the parts itself:
`create_bot`, `create_dispatcher`, then `polling_lifecycle`, or `mount_webhook` plus
`webhook_lifecycle`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from bot.config import BotConfig
from bot.election import Leadership, elected_polling
from bot.handlers import create_routers
from bot.middlewares import CountedUpdates, InFlightUpdates, LanguageMiddleware, UpdateCounter
from bot.payments import receipt_text
from bot.pending_payments import PendingPayments, ReceiptText, StarsPayment, crediting
from bot.runner import (
    IN_FLIGHT_KEY,
    mark_polling_started,
    mount_webhook,
    polling_cleanup_ctx,
    polling_lifecycle,
    webhook_cleanup_ctx,
    webhook_lifecycle,
)
from bot.stateless import NoStateStorage
from bot.texts import texts_for
from storage import Storage
from storage.clock import Clock
from storage.money_journal import MoneyJournal
from storage.payments import PaymentOutcome

__all__ = [
    "BotConfig",
    "Leadership",
    "create_bot",
    "create_dispatcher",
    "mount_webhook",
    "polling_cleanup_ctx",
    "polling_lifecycle",
    "serve_bot",
    "webhook_cleanup_ctx",
    "webhook_lifecycle",
]


def create_bot(config: BotConfig) -> Bot:
    """A Bot speaking HTML, pointed at a local Bot API server when one is configured.

    The session opens lazily on the first call, so building a Bot does no I/O.
    """
    session = None
    if config.telegram_api_base:
        server = TelegramAPIServer.from_base(config.telegram_api_base)
        session = AiohttpSession(api=server)
    return Bot(
        config.token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_dispatcher(
    storage: Storage,
    config: BotConfig,
    *,
    on_update: UpdateCounter | None = None,
    pending_payments: PendingPayments | None = None,
) -> Dispatcher:
    """The production dispatcher with fresh routers; dependencies travel as workflow data.

    Handlers name `accounts`, `admin` (storage's operator actions, the same ones the command
    line uses, so /unblock is recorded with actor `telegram:<id>`), `config` and `clock`
    (epoch seconds, for lock display), `usage` and `profiles` (read-only usage and the /lang
    choice), `images` (the image library, which /images only reads) and `upstream_keys`
    (the provider keys' health, which /stats reads) and `pending_payments` (the Stars
    payments waiting for the database; a fresh, journal-less one when None) as parameters;
    `LanguageMiddleware` adds `texts`. Every store and the clock are storage's own, so the
    bot's times are the ones storage writes. `on_update` is told of every update handled.
    There is no FSM state (`NoStateStorage`): whatever a handler needs from an earlier
    update is in the database or the button.
    """
    in_flight = InFlightUpdates()
    dispatcher = Dispatcher(
        storage=NoStateStorage(),
        name="myapi",
        accounts=storage.accounts,
        admin=storage.admin,
        config=config,
        clock=storage.clock,
        payments=storage.payments,
        pending_payments=pending_payments or PendingPayments(storage.payments),
        usage=storage.usage,
        profiles=storage.profiles,
        reports=storage.reports,
        upstream_keys=storage.upstream_keys,
        images=storage.images,
    )
    dispatcher[IN_FLIGHT_KEY] = in_flight
    dispatcher.update.outer_middleware(in_flight)
    if on_update is not None:
        dispatcher.update.outer_middleware(CountedUpdates(on_update))
    dispatcher.update.outer_middleware(LanguageMiddleware(storage.profiles))
    dispatcher.startup.register(mark_polling_started)
    dispatcher.include_routers(*create_routers())
    return dispatcher


@asynccontextmanager
async def serve_bot(
    app: web.Application,
    config: BotConfig,
    storage: Storage,
    *,
    webhook: bool,
    on_update: UpdateCounter | None = None,
    leadership: Leadership | None = None,
    election_seconds: float = 10.0,
    journal: MoneyJournal | None = None,
) -> AsyncIterator[None]:
    """The whole bot for one `cleanup_ctx` entry: polling, or webhook when `webhook` is set.

    A Stars payment that arrives while the database is away waits in `journal` (with what
    an earlier process left there) and is credited, receipt and all, once it is back
    (`bot.pending_payments`).

    With `leadership` (replicas sharing PostgreSQL), polling is by election
    (`bot.election`): this replica polls only while it holds it, and runs for it again
    every `election_seconds`.

    Enter it while `app` starts, after storage has opened: aiohttp freezes the router only
    once startup is over, so the webhook route (`config.webhook_route`) is added here. The
    route checks `config.webhook_secret_token` on every POST, and the same value is what
    Telegram is told to send: WEBHOOK_SECRET, or one derived from the token when unset.
    """
    bot = create_bot(config)
    pending = PendingPayments(storage.payments)
    if journal is not None:
        pending.use_journal(journal)
    dispatcher = create_dispatcher(storage, config, on_update=on_update, pending_payments=pending)
    lifecycle: AbstractAsyncContextManager[None]
    if webhook:
        secret = config.webhook_secret_token
        mount_webhook(app, dispatcher, bot, config.webhook_route, secret)
        lifecycle = webhook_lifecycle(bot, dispatcher, config.webhook_url, secret)
    elif leadership is not None:
        lifecycle = elected_polling(bot, dispatcher, leadership, interval_seconds=election_seconds)
    else:
        lifecycle = polling_lifecycle(bot, dispatcher)
    async with lifecycle, crediting(bot, pending, _receipts(config, storage.clock)):
        yield


def _receipts(config: BotConfig, clock: Clock) -> ReceiptText:
    """The receipt of a kept payment, in its payer's language, once it is credited."""

    def receipt(payment: StarsPayment, outcome: PaymentOutcome) -> str:
        return receipt_text(outcome, texts_for(payment.language), config.currency, clock())

    return receipt
