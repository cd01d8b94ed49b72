"""`GET /openapi.json` and `GET /docs`: the API describing itself, free and without a key.

The document is built from the serving app's router the first time it is asked for, and
kept (the router is frozen once the app serves, so the document cannot go stale; a cache
keeps an unauthenticated route from rebuilding it on every hit). Only its `servers` is per
request: PUBLIC_BASE_URL, else the address the request came to. The docs routes leave
themselves out of the document, which describes the product's API only.

`/docs` is Redoc when its bundle is installed (`api.docs_assets`), its script served from
`/docs/assets/`, else the built-in page; both show the same document.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any
from weakref import WeakKeyDictionary

from aiohttp import web

from api.context import base_url_of
from api.docs_assets import ASSETS, renderer_folder
from api.docs_page import (
    CONTENT_SECURITY_POLICY,
    RENDERER_SECURITY_POLICY,
    render_docs,
    render_redoc,
)
from api.errors import NotFoundError
from api.json_answer import json_answer
from api.openapi import build_openapi, with_server
from api.openapi_models import Handler, OperationDoc
from api.route_rows import RouteRow

#: How long a browser may keep the renderer's script (it changes only with the package).
_ASSET_CACHE = "public, max-age=86400"


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
    return with_server(document, base_url_of(request))


async def openapi_json(request: web.Request) -> web.Response:
    return json_answer(_document(request))


async def docs_page(request: web.Request) -> web.Response:
    if renderer_folder(request.app) is not None:
        info = _document(request)["info"]
        text, policy = render_redoc(f"{info['title']} {info['version']}"), RENDERER_SECURITY_POLICY
    else:
        text, policy = render_docs(_document(request)), CONTENT_SECURITY_POLICY
    return web.Response(
        text=text, content_type="text/html", headers={"Content-Security-Policy": policy}
    )


async def docs_asset(request: web.Request) -> web.StreamResponse:
    """One of the renderer's files, by its fixed name; anything else is 404."""
    name = request.match_info["name"]
    folder = renderer_folder(request.app)
    if folder is None or name not in ASSETS:
        raise NotFoundError(f"there is no documentation asset {name!r}")
    headers = {"Content-Type": ASSETS[name], "Cache-Control": _ASSET_CACHE}
    return web.FileResponse(folder / name, headers=headers)


DOCS_HANDLERS = frozenset({openapi_json, docs_page, docs_asset})

ROUTES = (
    RouteRow("GET", "/openapi.json", openapi_json),
    RouteRow("GET", "/docs", docs_page),
    RouteRow("GET", "/docs/assets/{name}", docs_asset),
)
#: None: the docs routes leave themselves out of the document (DOCS_HANDLERS).
OPERATIONS: dict[Handler, OperationDoc] = {}
