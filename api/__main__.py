"""`python -m api` and the `myapi` console script: serve (the default) or administer."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from api.cli import run_command, wants_server
from api.inflight import SETTLE_SECONDS
from api.service import create_service
from api.settings import Settings
from api.tls import server_ssl_context
from storage.errors import DatabaseInUseError, DatabaseUnavailableError


def serve() -> None:
    """Run until SIGINT/SIGTERM, then shut down gracefully (run_app owns the signals).

    On a signal aiohttp closes the listening socket first and lets in-flight requests and
    streams run; billed calls still running after SHUTDOWN_GRACE_SECONDS are cancelled
    (api.inflight) and settle; aiohttp's own timeout leaves SETTLE_SECONDS more for that.
    Only then are the cleanup_ctx entries closed in reverse: the bot's polling, the wait
    for settlement, the upstream session, storage.

    A second process serving the same SQLite file stops at start-up, before it recovers
    anything or binds the port, with one line saying why (exit status 1); so does a start
    whose database does not answer within DATABASE_CONNECT_TIMEOUT (a supervisor such as
    Docker's restart policy starts it again).
    """
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        web.run_app(
            create_service(settings),
            host=settings.api_host,
            port=settings.api_port,
            access_log=None,
            shutdown_timeout=settings.shutdown_grace_seconds + SETTLE_SECONDS,
            ssl_context=server_ssl_context(settings),
        )
    except (DatabaseInUseError, DatabaseUnavailableError) as error:
        raise SystemExit(f"myapi: {error}") from None


def main() -> None:
    argv = sys.argv[1:]
    if wants_server(argv):
        serve()
    else:
        sys.exit(run_command(argv))


if __name__ == "__main__":
    main()
