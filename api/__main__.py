"""`python -m api` and the `myapi` console script: serve (the default) or administer."""

from __future__ import annotations

import gc
import logging
import sys

from aiohttp import web

from api.cli import run_command, wants_server
from api.inflight import SETTLE_SECONDS
from api.logs import configure_logging
from api.service import create_service
from api.settings import Settings
from api.tls import server_ssl_context
from storage.errors import DatabaseInUseError, DatabaseUnavailableError
from storage.money_journal import JournalInUseError

logger = logging.getLogger("api.serve")


def serve() -> None:
    """Run until SIGINT/SIGTERM, then shut down gracefully (run_app owns the signals).

    On a signal aiohttp closes the listening socket first and lets in-flight requests and
    streams run; billed calls still running after SHUTDOWN_GRACE_SECONDS are cancelled
    (api.inflight) and settle; aiohttp's own timeout leaves SETTLE_SECONDS more for that.
    Only then are the cleanup_ctx entries closed in reverse: the bot's polling, the wait
    for settlement, the upstream session, storage.

    A second process serving the same SQLite file stops at start-up, before it recovers
    anything or binds the port, with one line saying why (exit status 1); so does a start
    whose money journal another process holds, or whose database does not answer
    within DATABASE_CONNECT_TIMEOUT (a supervisor such as
    Docker's restart policy starts it again).
    """
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_service(settings)
    app.on_startup.append(_freeze_startup_heap)
    try:
        web.run_app(
            app,
            host=settings.api_host,
            port=settings.api_port,
            access_log=None,
            shutdown_timeout=settings.shutdown_grace_seconds + SETTLE_SECONDS,
            ssl_context=server_ssl_context(settings),
            print=_log_listening,
        )
    except (DatabaseInUseError, DatabaseUnavailableError, JournalInUseError) as error:
        raise SystemExit(f"myapi: {error}") from None


async def _freeze_startup_heap(_app: web.Application) -> None:
    """Leave what start-up built (modules, the catalog and its prices, the bot's types: most
    of the heap, and it lives as long as the process) out of every garbage collection, and
    collect the young generation every 10 000 allocations rather than 700.

    A billed call allocates a few thousand objects, nearly all freed by their reference
    counts; at CPython's default threshold the collector ran several times a call and each
    full collection walked the start-up heap again: measured at about 9 % of a call's
    instructions, 1.5 % after this. Cycles are still collected, a little later. Runs after
    every other start-up step (`on_startup` entries run after `cleanup_ctx`'s).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def _log_listening(banner: str) -> None:
    """aiohttp's start-up banner as a log record, so a JSON log stays all JSON."""
    logger.info("%s", banner.splitlines()[0].strip("= "))


def main() -> None:
    argv = sys.argv[1:]
    if wants_server(argv):
        serve()
    else:
        sys.exit(run_command(argv))


if __name__ == "__main__":
    main()
