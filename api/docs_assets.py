"""Where `/docs` finds its renderer: Redoc's standalone bundle, served by the service itself.

The bundle comes from the `openapi-ui-bundles` package (it ships Redoc, Swagger UI and
RapiDoc as plain files, with no dependencies): `openapi_ui_bundles.redoc.static_path` is
the folder holding `redoc.standalone.js`. Nothing is loaded from elsewhere, so the page
works offline and behind a firewall. The package is a dependency of the service; should
its files be missing all the same, `/docs` serves the service's own script-free page
instead of failing.

Only the files in `ASSETS` are served, each by its fixed name, never a path the client
chose: nothing else of the folder (or the disk) can be reached through `/docs/assets/`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path

from aiohttp import web

RENDERER_MODULE = "openapi_ui_bundles.redoc"
RENDERER_SCRIPT = "redoc.standalone.js"
#: The renderer's files the service serves, and their media types.
ASSETS = {RENDERER_SCRIPT: "text/javascript"}

#: The renderer's folder for this app: a Path, or None for the built-in page. Unset: the
#: installed package's, when there is one (tests set it to a folder of their own).
DOCS_ASSETS: web.AppKey[Path | None] = web.AppKey("docs_assets")


@functools.cache
def installed_renderer() -> Path | None:
    """The installed package's folder holding the renderer's files, or None."""
    if importlib.util.find_spec(RENDERER_MODULE.partition(".")[0]) is None:
        return None
    module = importlib.import_module(RENDERER_MODULE)
    folder = Path(getattr(module, "static_path", ""))
    return folder if (folder / RENDERER_SCRIPT).is_file() else None


def renderer_folder(app: web.Application) -> Path | None:
    """The renderer's folder for `app`, or None when `/docs` is the built-in page."""
    if DOCS_ASSETS in app:
        return app[DOCS_ASSETS]
    return installed_renderer()
