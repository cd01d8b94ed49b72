"""Where each key's calls travel: its own base URL, its own proxy (HTTP, or SOCKS through
the aiohttp-socks package, whose absence stops the start-up with a message saying so)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from api.service import create_service
from api.settings import Settings
from providers.catalog import load_catalog
from providers.http import Upstream, UpstreamRequest
from providers.key_health import KeyHealth
from providers.registry import ProviderConfig, Route
from providers.transport import (
    TransportError,
    Transports,
    UpstreamLimits,
    create_transports,
    require_socks_support,
)
from providers.upstream_keys import UpstreamKey
from tests.clock import FakeClock
from tests.conftest import ApiHarness
from tests.fakes.proxy import FakeProxy
from tests.fakes.server import serve_app
from tests.fakes.socks import FakeSocks
from tests.fakes.upstream import FakeUpstream, serve
from tests.keyed import KEY_A, KEY_B, KEY_C, keyed

BODY: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def fake_proxy() -> FakeProxy:
    return FakeProxy()


@pytest.fixture
async def proxy_address(fake_proxy: FakeProxy) -> AsyncIterator[str]:
    """The proxy's host:port."""
    async with serve_app(fake_proxy.app()) as root:
        yield root.removeprefix("http://")


@pytest.fixture
def other_upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
async def other_upstream_url(other_upstream: FakeUpstream) -> AsyncIterator[str]:
    async with serve(other_upstream) as url:
        yield url


@pytest.fixture
def provider_configs(
    provider_configs: dict[str, ProviderConfig],
    provider_urls: dict[str, str],
    proxy_address: str,
    other_upstream_url: str,
) -> dict[str, ProviderConfig]:
    """OpenAI's key a goes straight to the fake, b through the proxy (with a password), c to
    another server."""
    options = {
        "b": {"proxy": f"http://user:pw@{proxy_address}"},
        "c": {"base_url": other_upstream_url},
    }
    return {**provider_configs, "openai": keyed("openai", provider_urls["openai"], 3, **options)}


async def test_each_key_travels_its_own_way(
    api: ApiHarness, fake_proxy: FakeProxy, other_upstream: FakeUpstream
) -> None:
    key = await api.register()
    for _ in range(3):
        response = await api.client.post("/v1/chat/completions", json={**BODY, "key": key})
        assert response.status == 200
    assert api.upstream.keys.attempts == [KEY_A, KEY_B]  # b's call came through the proxy
    [proxied] = fake_proxy.requests
    assert proxied.url == f"{api.context.registry.providers['openai'].base_url}/chat/completions"
    assert proxied.authorization == f"Bearer {KEY_B}"
    assert proxied.proxy_authorization == "Basic " + base64.b64encode(b"user:pw").decode()
    assert other_upstream.keys.attempts == [KEY_C]


def test_a_socks_proxy_without_aiohttp_socks_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("providers.transport.SOCKS_PACKAGE", "aiohttp_socks_absent_for_this_test")
    key = UpstreamKey(
        "openai",
        "eu",
        "sk-eu-0123456789abc",
        "https://o.test/v1",
        proxy="socks5://u:pw@p.test:1080",
    )
    with pytest.raises(TransportError, match="needs the aiohttp-socks package") as raised:
        require_socks_support([key])
    assert "pw" not in str(raised.value)
    assert "socks5://p.test:1080" in str(raised.value)


def test_the_service_refuses_to_start_with_a_socks_key_it_cannot_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("providers.transport.SOCKS_PACKAGE", "aiohttp_socks_absent_for_this_test")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(
        '[models.m]\nprovider = "openai"\ninput_per_1m = "1"\noutput_per_1m = "1"\n'
        "max_output_tokens = 10\ncontext_window = 10\n\n"
        '[keys.main]\nprovider = "openai"\nenv = "OPENAI_API_KEY"\n'
        'proxy = "socks5://127.0.0.1:1080"\n'
    )
    settings = Settings(
        _env_file=None,
        openai_api_key="sk-main-0123456789",
        catalog_file=catalog,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
    )
    with pytest.raises(TransportError, match="aiohttp-socks"):
        create_service(settings)


async def test_a_socks_keys_calls_take_its_own_session() -> None:
    http = UpstreamKey(
        "openai", "h", "sk-h-0123456789abc", "https://o.test", proxy="http://p:3128"
    )
    socks = UpstreamKey(
        "openai", "s", "sk-s-0123456789abc", "https://o.test", proxy="socks5://p:1080"
    )
    direct = UpstreamKey("openai", "d", "sk-d-0123456789abc", "https://o.test")
    async with aiohttp.ClientSession() as shared, aiohttp.ClientSession() as through_socks:
        transports = Transports(shared, {"socks5://p:1080": through_socks})
        assert transports.for_key(http) == (shared, "http://p:3128")
        assert transports.for_key(socks) == (through_socks, None)
        assert transports.for_key(direct) == (shared, None)


async def test_a_socks_key_reaches_its_provider_through_its_proxy(
    upstream_url: str, fake_upstream: FakeUpstream, clock: FakeClock
) -> None:
    """With aiohttp-socks installed, a SOCKS key's session (made by `create_transports`)
    carries its calls through the proxy, credentials included, to the provider."""
    socks = FakeSocks()
    async with socks.serve() as address:
        key = UpstreamKey("openai", "s", KEY_A, upstream_url, proxy=f"socks5://user:pw@{address}")
        limits = UpstreamLimits(connect_timeout=2, read_timeout=10, max_connections=4)
        transports = create_transports(limits, [key])
        try:
            assert transports.for_key(key)[0] is transports.socks[key.proxy or ""]
            upstream = Upstream(transports, KeyHealth(clock))
            route = Route(
                load_catalog().get("gpt-4o-mini"), ProviderConfig("openai", upstream_url, (key,))
            )
            body = json.dumps({**BODY, "model": "gpt-4o-mini"}).encode()

            def build(attempt: Route) -> UpstreamRequest:
                headers = {
                    "Authorization": f"Bearer {attempt.api_key}",
                    "Content-Type": "application/json",
                }
                return UpstreamRequest(
                    "POST", f"{attempt.openai_base_url}/chat/completions", headers, body
                )

            opened = await upstream.open(route, build)
            async with opened.response as response:
                assert response.status == 200
                assert (await response.json())["object"] == "chat.completion"
        finally:
            await transports.close()
    [connect] = socks.connects
    target = URL(upstream_url)
    assert (connect.username, connect.password) == ("user", "pw")
    assert (connect.host, connect.port) == (target.host, target.port)
    assert fake_upstream.keys.attempts == [KEY_A]
