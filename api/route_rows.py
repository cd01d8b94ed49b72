"""Route rows: each routes module declares its own routes and their documentation.

A module lists its `ROUTES` (method, path, handler) and its `OPERATIONS` (what each handler's
code cannot say about itself); `api.app` adds both to the app, and `api.openapi` reads the
operations from the app, so the document builder imports no routes module and a module's
paths and words stay side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiohttp import web

from api.openapi_models import Handler, OperationDoc

#: Where OpenAI's SDK calls are accepted: its own base path and the provider-named one.
OPENAI_PREFIXES = ("/v1", "/openai/v1")

#: Every added handler's documentation; `api.openapi` builds the document from it.
OPERATIONS: web.AppKey[dict[Handler, OperationDoc]] = web.AppKey("openapi_operations")


@dataclass(frozen=True, slots=True)
class RouteRow:
    """One route; a GET also answers HEAD, as aiohttp's `add_get` does."""

    method: str
    path: str
    handler: Handler


def openai_rows(method: str, path: str, handler: Handler) -> tuple[RouteRow, ...]:
    """The same route under each of OPENAI_PREFIXES (`path` starts after the prefix)."""
    return tuple(RouteRow(method, prefix + path, handler) for prefix in OPENAI_PREFIXES)


def add_routes(
    app: web.Application, rows: Iterable[RouteRow], operations: Mapping[Handler, OperationDoc]
) -> None:
    """Add `rows` to the app's router in order, and `operations` as the app's `OPERATIONS`.

    In order, because consecutive rows of one path share one aiohttp resource.
    """
    for row in rows:
        if row.method == "GET":
            app.router.add_get(row.path, row.handler)
        else:
            app.router.add_route(row.method, row.path, row.handler)
    app[OPERATIONS] = dict(operations)
