"""The composition root: the only module that knows every part and wires them together.

Long-lived resources live in `cleanup_ctx` entries, opened in order and closed in reverse:
storage first, then the upstream session, then the bot, so the bot stops before the
database it uses closes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import SecretStr

from api.app import create_api_app
from api.background import BackgroundPoll
from api.context import CONTEXT, build_api_context
from api.inflight import bound_calls_at_shutdown
from api.jobs import RetentionJobs, retention_context
from api.journal_context import JOURNAL, journal_context
from api.key_sync import KeySync, key_sync_context
from api.notify import Notices, NotifierSlot
from api.observe import METRICS
from api.periodic import periodic_context
from api.request_facts import provider_of_call
from api.settings import BotMode, Settings
from api.settlements import settlements_context
from api.sweeper import StaleSweep, sweep_context
from providers.catalog import load_catalog
from providers.registry import Registry
from providers.transport import UpstreamLimits, create_transports, require_socks_support
from storage import AccessPolicy, ImageQuota, Storage, open_storage
from storage.clock import Clock, wall_clock
from storage.leader import PollingLock, polling_lock_key
from storage.money import to_units
from storage.retention import RetentionRules

if TYPE_CHECKING:
    from bot.config import BotConfig

logger = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

STORAGE = web.AppKey("storage", Storage)


def access_policy(settings: Settings) -> AccessPolicy:
    return AccessPolicy(
        lock_strikes=settings.lock_strikes,
        lock_seconds=settings.lock_minutes * 60,
        requests_per_minute=settings.rate_limit_per_minute,
    )


def image_quota(settings: Settings) -> ImageQuota:
    """What each account may keep in its image library (IMAGE_QUOTA_IMAGES, _BYTES)."""
    return ImageQuota(settings.image_quota_images, settings.image_quota_bytes)


def create_service(settings: Settings, clock: Clock = wall_clock) -> web.Application:
    """The whole service as one aiohttp application (API, and the bot when configured)."""
    app = create_api_app(
        None,
        max_body_bytes=settings.max_body_bytes,
        max_audio_bytes=settings.max_audio_bytes,
        max_image_bytes=settings.max_image_bytes,
        body_read_seconds=settings.body_read_timeout_seconds,
        stream_drain_seconds=settings.stream_drain_seconds,
        metrics_token=_secret(settings.metrics_token),
    )
    metrics = app[METRICS]
    catalog = load_catalog(settings.catalog_file, settings.price_markup)
    registry = Registry(catalog, settings.provider_configs(catalog.keys))
    require_socks_support(registry.all_keys())
    limits = UpstreamLimits(
        connect_timeout=settings.upstream_connect_timeout,
        read_timeout=settings.upstream_read_timeout,
        max_connections=settings.upstream_max_connections,
    )

    notifier = NotifierSlot()

    async def storage_context(app: web.Application) -> AsyncIterator[None]:
        storage = await open_storage(
            settings.database_url,
            access_policy(settings),
            clock,
            recover_holds=True,
            stale_hold_seconds=settings.stale_hold_minutes * 60,
            idempotency_ttl_seconds=settings.idempotency_ttl_hours * 3600,
            image_quota=image_quota(settings),
            retention_rules=RetentionRules(settings.trial_ttl_days, settings.inactive_days),
            timeouts=settings.database_timeouts,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
        app[STORAGE] = storage
        metrics.watch_held(storage.reports.held)
        if settings.effective_bot_mode is BotMode.OFF and not await storage.admin.list_accounts():
            logger.warning(
                "there are no accounts yet and the bot is off: create the first one with "
                "`myapi users add <username>` (or `.venv/bin/python -m api users add ...`)"
            )
        yield
        await storage.close()

    async def upstream_context(app: web.Application) -> AsyncIterator[None]:
        transports = create_transports(
            limits, registry.all_keys(), metrics.trace_configs(provider_of_call)
        )
        app[CONTEXT] = build_api_context(
            app[STORAGE],
            registry,
            transports,
            bench_rules=settings.bench_rules,
            currency=settings.currency,
            failed_auth_per_minute=settings.failed_auth_per_minute,
            trusted_proxies=settings.trusted_proxies,
            public_base_url=settings.public_base_url,
            notices=Notices(
                notifier=notifier,
                store=app[STORAGE].notices,
                low_balance_threshold=to_units(settings.low_balance_threshold),
            ),
        )
        yield
        await transports.close()

    app.cleanup_ctx.append(storage_context)
    app.cleanup_ctx.append(upstream_context)
    # Between the two: its last try runs after every call has settled, before storage closes.
    app.cleanup_ctx.append(journal_context(settings.money_journal_path))
    app.cleanup_ctx.append(settlements_context(lambda app: app[CONTEXT].settlements))
    bound_calls_at_shutdown(app, settings.shutdown_grace_seconds)
    if settings.effective_bot_mode is not BotMode.OFF:
        app.cleanup_ctx.append(_bot_context(settings, registry))
        app.cleanup_ctx.append(_notices_context(settings, notifier))
    if retention := retention_jobs_context(settings, notifier):
        app.cleanup_ctx.append(retention)
    if sweep := stale_sweep_context(settings):
        app.cleanup_ctx.append(sweep)
    app.cleanup_ctx.append(background_poll_context(settings))
    app.cleanup_ctx.append(_key_sync_context(settings, registry, notifier))
    _log_configuration(settings, registry)
    return app


def _bot_context(settings: Settings, registry: Registry) -> CleanupContext:
    """The bot's cleanup_ctx entry (the last one, so it stops before storage closes).

    aiogram is imported here, only when the bot runs: the import alone costs seconds of
    start-up and over 100 MiB, which an API-only deployment should not pay.
    """
    from api.bot_prices import price_list  # lazy, like the bot: it imports bot
    from bot import serve_bot  # lazy on purpose: see the docstring

    config = dataclasses.replace(bot_config(settings), price_list=price_list(registry))
    webhook = settings.effective_bot_mode is BotMode.WEBHOOK

    async def bot_context(app: web.Application) -> AsyncIterator[None]:
        async with serve_bot(
            app,
            config,
            app[STORAGE],
            webhook=webhook,
            on_update=app[METRICS].bot_update,
            leadership=None if webhook else polling_leadership(settings),
            election_seconds=settings.polling_election_seconds,
            journal=app.get(JOURNAL),
        ):
            yield

    return bot_context


def polling_leadership(settings: Settings) -> PollingLock | None:
    """Polling replicas on PostgreSQL elect one poller (an advisory lock per bot); SQLite
    has one serving process per file (storage/ownership.py), which simply polls."""
    from aiogram.utils.token import extract_bot_id  # lazy, like the bot itself

    if settings.database_url.startswith("sqlite:") or settings.bot_token is None:
        return None
    bot_id = extract_bot_id(settings.bot_token.get_secret_value())
    return PollingLock(settings.database_url, polling_lock_key(bot_id), settings.database_timeouts)


def _notices_context(settings: Settings, slot: NotifierSlot) -> CleanupContext:
    """Deliver the API's notices through the bot while it runs (after the bot's own entry).

    The sender has a Bot of its own: its queue and session start and stop independently of
    polling or the webhook, and the slot drops notices before it starts and after it stops.
    """
    from bot import create_bot  # lazy, like the bot itself
    from bot.notify import TelegramNotifier, running

    config = bot_config(settings)

    async def notices_context(app: web.Application) -> AsyncIterator[None]:
        bot = create_bot(config)
        sender = TelegramNotifier(
            bot, app[STORAGE].notices, config.currency, admins=config.admin_ids
        )
        try:
            async with running(sender):
                slot.attach(sender)
                try:
                    yield
                finally:
                    slot.detach()
        finally:
            await bot.session.close()

    return notices_context


def retention_jobs_context(settings: Settings, notifier: NotifierSlot) -> CleanupContext | None:
    """The daily retention entry (the last one, so it stops first), or None when off.

    Only where the bot runs: every step is announced in Telegram a day before, and the
    warning's claim is what lets the step happen. A process without the bot (an API-only
    replica beside the one that polls, or the bot switched off) would claim warnings that
    nobody sends, and delete a day later what the user was never told about.
    """
    trial = settings.retention_jobs and settings.trial_expiry_job
    inactivity = settings.retention_jobs and settings.inactivity_job
    if not (trial or inactivity):
        logger.info("retention jobs are off (RETENTION_JOBS / per-job switches)")
        return None
    if settings.effective_bot_mode is BotMode.OFF:
        logger.info("retention jobs run only where the bot runs (it warns users first)")
        return None

    def build(app: web.Application) -> RetentionJobs:
        store = app[STORAGE].retention
        return RetentionJobs(store, notifier, trial=trial, inactivity=inactivity)

    return retention_context(build, settings.retention_interval_hours * 3600)


def _key_sync_context(
    settings: Settings, registry: Registry, notifier: NotifierSlot
) -> CleanupContext:
    """The provider keys' health, written to and read from the database (api/key_sync.py);
    the last entry, so its final sync runs before storage closes."""

    def build(app: web.Application) -> KeySync:
        health = app[CONTEXT].upstream.health
        return KeySync(health, registry.all_keys(), app[STORAGE].upstream_keys, notifier)

    return key_sync_context(build, settings.key_health_sync_seconds)


def stale_sweep_context(settings: Settings) -> CleanupContext | None:
    """The periodic release of what crashed replicas left (api/sweeper.py), or None on
    SQLite, whose one serving process owns the database and recovers it at start-up."""
    if settings.database_url.startswith("sqlite:"):
        return None
    stale_seconds = settings.stale_hold_minutes * 60

    def build(app: web.Application) -> StaleSweep:
        storage = app[STORAGE]
        return StaleSweep(storage.holds, storage.idempotency, stale_seconds)

    return sweep_context(build, settings.stale_hold_sweep_minutes * 60)


def background_poll_context(settings: Settings) -> CleanupContext:
    """The periodic settling of background responses (api/background.py), on every replica
    and on SQLite too: a response that ends while nobody retrieves it is settled here."""
    max_age = int(settings.background_max_hours * 3600)
    return periodic_context(
        "background poll",
        lambda app: BackgroundPoll(app[CONTEXT], max_age).run_once,
        settings.background_poll_seconds,
    )


def bot_config(settings: Settings) -> BotConfig:
    """The bot's plain values; only called when a token is set."""
    from bot.config import BotConfig  # lazy: importing bot imports aiogram

    assert settings.bot_token is not None
    return BotConfig(
        token=settings.bot_token.get_secret_value(),
        admin_ids=settings.admin_ids,
        public_base_url=settings.base_url_for_users,
        currency=settings.currency,
        trial_credit=to_units(settings.trial_credit),
        telegram_api_base=settings.telegram_api_base,
        webhook_url=settings.webhook_url,
        webhook_secret=_secret(settings.webhook_secret),
        stars_rate=settings.stars_rate,
        stars_amounts=settings.stars_amounts,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _log_configuration(settings: Settings, registry: Registry) -> None:
    configured = sorted(
        f"{name} ({len(p.keys)} keys)" if len(p.keys) > 1 else name
        for name, p in registry.providers.items()
        if p.available
    )
    logger.info("providers configured: %s", ", ".join(configured) or "none (set <NAME>_API_KEY)")
    served = "served at GET /metrics" if settings.metrics_token else "off (METRICS_TOKEN unset)"
    logger.info("metrics: %s", served)
    if settings.effective_bot_mode is BotMode.OFF:
        reason = "BOT_MODE=off" if settings.bot_mode is BotMode.OFF else "BOT_TOKEN is not set"
        logger.warning("the Telegram bot is off (%s): serving the API only", reason)
    elif settings.effective_bot_mode is BotMode.WEBHOOK and settings.webhook_secret is None:
        logger.info("WEBHOOK_SECRET is unset: the webhook's secret is derived from the token")
