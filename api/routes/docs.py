"""`GET /openapi.json` and `GET /docs`: the API describing itself, free and without a key.

Both are built from the serving app's router the first time they are asked for, and kept
(the router is frozen once the app serves, so the document cannot go stale; a cache keeps
an unauthenticated route from rebuilding it on every hit). The docs routes leave themselves
out of the document, which describes the product's API only.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any
from weakref import WeakKeyDictionary

from aiohttp import web

from api.docs_page import CONTENT_SECURITY_POLICY, render_docs
from api.json_answer import json_answer
from api.openapi import build_openapi
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow


def _version() -> str:
    try:
        return metadata.version("myapi")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0.0.0"


_DOCUMENTS: WeakKeyDictionary[web.Application, dict[str, Any]] = WeakKeyDictionary()


def _document(request: web.Request) -> dict[str, Any]:
    document = _DOCUMENTS.get(request.app)
    if document is None:
        document = build_openapi(request.app, version=_version(), hidden=DOCS_HANDLERS)
        _DOCUMENTS[request.app] = document
    return document


async def openapi_json(request: web.Request) -> web.Response:
    return json_answer(_document(request))


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(
        text=render_docs(_document(request)),
        content_type="text/html",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )


DOCS_HANDLERS = frozenset({openapi_json, docs_page})

ROUTES = (RouteRow("GET", "/openapi.json", openapi_json), RouteRow("GET", "/docs", docs_page))
#: None: the docs routes leave themselves out of the document (DOCS_HANDLERS).
OPERATIONS: dict[Handler, OperationDoc] = {}
