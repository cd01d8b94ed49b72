"""`python -m api` (and the `myapi` console script): run the whole service."""

from __future__ import annotations

import logging

from aiohttp import web

from api.service import create_service
from api.settings import Settings


def main() -> None:
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


if __name__ == "__main__":
    main()
