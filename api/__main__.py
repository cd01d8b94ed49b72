"""`python -m api` and the `myapi` console script: serve (the default) or administer."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from api.cli import run_command, wants_server
from api.service import create_service
from api.settings import Settings


def serve() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    web.run_app(
        create_service(settings),
        host=settings.api_host,
        port=settings.api_port,
        access_log=None,
    )


def main() -> None:
    argv = sys.argv[1:]
    if wants_server(argv):
        serve()
    else:
        sys.exit(run_command(argv))


if __name__ == "__main__":
    main()
