"""`/docs`: Redoc served by the service itself when its bundle is installed, the built-in
page otherwise; never anything loaded from elsewhere."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.docs_assets import DOCS_ASSETS, RENDERER_SCRIPT, installed_renderer
from tests.conftest import ApiHarness
from tests.error_shape import assert_openai_shape

Client = TestClient[web.Request, web.Application]
#: A stand-in for Redoc's bundle: the test checks the service serves these very bytes.
SCRIPT = b"/* redoc standalone, as the package ships it */\nvar Redoc = {};\n"


async def docs_client(
    api: ApiHarness, aiohttp_client: AiohttpClient, folder: Path | None
) -> Client:
    app = create_api_app(api.context, max_body_bytes=64 * 1024)
    app[DOCS_ASSETS] = folder
    return await aiohttp_client(app)


@pytest.fixture
def renderer(tmp_path: Path) -> Path:
    folder = tmp_path / "vendor"
    folder.mkdir()
    (folder / RENDERER_SCRIPT).write_bytes(SCRIPT)
    (folder / "index.html").write_text("<html>the package's own demo page</html>")
    return folder


async def test_redoc_renders_the_document_from_the_services_own_files(
    api: ApiHarness, aiohttp_client: AiohttpClient, renderer: Path
) -> None:
    client = await docs_client(api, aiohttp_client, renderer)
    response = await client.get("/docs")
    page = await response.text()
    assert response.status == 200
    assert response.content_type == "text/html"
    assert f"<script src='docs/assets/{RENDERER_SCRIPT}'></script>" in page
    assert "<redoc spec-url='openapi.json'" in page
    assert re.search(r"(https?:)?//", page) is None  # no CDN, no other host: works offline
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy
    asset = await client.get(f"/docs/assets/{RENDERER_SCRIPT}")
    assert asset.status == 200
    assert asset.headers["Content-Type"].startswith("text/javascript")
    assert await asset.read() == SCRIPT


@pytest.mark.parametrize(
    "name", ["index.html", "other.js", "..%2F..%2F..%2Fetc%2Fpasswd", "%2E%2E%2Fvendor"]
)
async def test_only_the_renderers_script_is_served(
    api: ApiHarness, aiohttp_client: AiohttpClient, renderer: Path, name: str
) -> None:
    client = await docs_client(api, aiohttp_client, renderer)
    response = await client.get(f"/docs/assets/{name}")
    assert response.status == 404
    assert_openai_shape(await response.json())


async def test_without_the_renderer_the_page_is_built_in_and_loads_nothing(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    client = await docs_client(api, aiohttp_client, None)
    document = await (await client.get("/openapi.json")).json()
    response = await client.get("/docs")
    page = await response.text()
    assert response.status == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page
    assert "<script" not in page
    assert "src=" not in page
    assert "**Ключ.**" in page  # the introduction, both languages
    assert "curl -X POST &quot;$MYAPI_BASE_URL/v1/chat/completions&quot;" in page
    assert (await client.get(f"/docs/assets/{RENDERER_SCRIPT}")).status == 404


async def test_the_assets_route_is_not_part_of_the_api_document(api: ApiHarness) -> None:
    document: dict[str, Any] = await (await api.client.get("/openapi.json")).json()
    assert not any(path.startswith("/docs") for path in document["paths"])


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`openapi_ui_bundles` laid out as its release 0.3.0 is: `redoc.static_path` is the
    folder of Redoc's files. Importable for the test only."""
    folder = tmp_path / "site" / "openapi_ui_bundles" / "redoc" / "vendor"
    folder.mkdir(parents=True)
    (folder.parent.parent / "__init__.py").write_text("")
    (folder.parent / "__init__.py").write_text(
        "import pathlib\nstatic_path = pathlib.Path(__file__).parent / 'vendor'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in ("openapi_ui_bundles", "openapi_ui_bundles.redoc"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    installed_renderer.cache_clear()
    yield folder
    installed_renderer.cache_clear()


def test_the_installed_package_is_found_once_it_ships_the_script(fake_package: Path) -> None:
    assert installed_renderer() is None  # a package without the script is no renderer
    installed_renderer.cache_clear()
    (fake_package / RENDERER_SCRIPT).write_bytes(SCRIPT)
    assert installed_renderer() == fake_package


async def test_the_service_uses_the_installed_package_by_default(
    fake_package: Path, api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    (fake_package / RENDERER_SCRIPT).write_bytes(SCRIPT)
    client = await aiohttp_client(create_api_app(api.context, max_body_bytes=64 * 1024))
    assert "<redoc spec-url='openapi.json'" in await (await client.get("/docs")).text()
    assert await (await client.get(f"/docs/assets/{RENDERER_SCRIPT}")).read() == SCRIPT
