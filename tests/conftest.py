"""Fixtures shared by the suite: an injected clock, storage on SQLite and PostgreSQL, the API
harness and the bot harness.

Storage tests run on both databases (`database_url`); the API harness runs on SQLite, and on
both in a module marked `pytest.mark.both_databases` (the money modules). PostgreSQL lives in
a schema of its own per test at MYAPI_TEST_POSTGRES_DSN (default: the local server); where
none answers its tests skip with the reason, or fail under CI (tests/databases.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from providers.catalog import Catalog, load_catalog
from providers.registry import PROVIDER_NAMES, ProviderConfig
from providers.transport import UpstreamLimits, create_client_session
from storage import (
    DEFAULT_IMAGE_QUOTA,
    AccessPolicy,
    DatabaseTimeouts,
    ImageQuota,
    Storage,
    open_storage,
)
from tests.api_harness import OPERATOR_KEY, ApiHarness, build_context, operator_providers
from tests.clock import START, FakeClock
from tests.databases import POSTGRES_DSN, postgres_schema, require_postgres
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.fakes.server import serve_app
from tests.fakes.stability import FakeStability
from tests.fakes.upstream import FakeUpstream, serve

if TYPE_CHECKING:
    from tests.bot_harness import BotHarness

__all__ = ["OPERATOR_KEY", "START", "ApiHarness", "FakeClock"]

#: Each database a test can run on, and the fixture that makes its URL.
DATABASES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> AccessPolicy:
    """The seed's lock rule; no rate limit (the clock stands still, so every call of a test
    falls in one minute: rate tests bring their own policy)."""
    return AccessPolicy(lock_strikes=5, lock_seconds=30 * 60, requests_per_minute=0)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped after the test.

    Sync on purpose: schema set-up runs on its own short loop, before the test's loop.
    """
    require_postgres(POSTGRES_DSN, os.environ)
    with postgres_schema(POSTGRES_DSN) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'myapi.db'}"


@pytest.fixture(params=list(DATABASES))
def database_url(request: pytest.FixtureRequest) -> str:
    """Every storage test runs on both databases."""
    return str(request.getfixturevalue(DATABASES[request.param]))


@pytest.fixture
def api_database_url(request: pytest.FixtureRequest) -> str:
    """The API harness's database: SQLite, or each of both where `pytest_generate_tests`
    parametrizes it (modules marked `both_databases`)."""
    return str(request.getfixturevalue(DATABASES[getattr(request, "param", "sqlite")]))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the API harness of `both_databases` tests on SQLite and on PostgreSQL: the money
    rules over HTTP must hold on the database that several replicas share, too."""
    marked = metafunc.definition.get_closest_marker("both_databases") is not None
    if marked and "api_database_url" in metafunc.fixturenames:
        metafunc.parametrize("api_database_url", list(DATABASES), indirect=True)


@pytest.fixture
async def storage(
    database_url: str, clock: FakeClock, policy: AccessPolicy
) -> AsyncIterator[Storage]:
    opened = await open_storage(database_url, policy, clock)
    try:
        yield opened
    finally:
        await opened.close()


# --- the API over a real fake upstream -------------------------------------------------


@pytest.fixture
def fake_upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
async def upstream_url(fake_upstream: FakeUpstream) -> AsyncIterator[str]:
    async with serve(fake_upstream) as url:
        yield url


@pytest.fixture
def fake_anthropic() -> FakeAnthropic:
    return FakeAnthropic(api_key=OPERATOR_KEY)


@pytest.fixture
def fake_gemini() -> FakeGemini:
    return FakeGemini()


@pytest.fixture
def fake_stability() -> FakeStability:
    return FakeStability()


_FAKE_OPTIONS: dict[str, dict[str, Any]] = {
    # Some Anthropic tests hang a handler on purpose: cancel it when the client leaves.
    "anthropic": {"handler_cancellation": True, "shutdown_timeout": 1},
}


@pytest.fixture
async def provider_urls(
    request: pytest.FixtureRequest, upstream_url: str
) -> AsyncIterator[dict[str, str]]:
    """Each provider's base URL in the API harness: the fake OpenAI upstream by default.

    A module marked `pytest.mark.fake_providers("gemini", ...)` gets each named provider
    served by its own fake (the `fake_<name>` fixture), every one with OPERATOR_KEY.
    """
    urls = dict.fromkeys(PROVIDER_NAMES, upstream_url)
    marker = request.node.get_closest_marker("fake_providers")
    async with AsyncExitStack() as stack:
        for name in marker.args if marker else ():
            fake = request.getfixturevalue(f"fake_{name}")
            served = serve_app(fake.app(), **_FAKE_OPTIONS.get(name, {}))
            urls[name] = await stack.enter_async_context(served)
        yield urls


@pytest.fixture
def provider_configs(provider_urls: dict[str, str]) -> dict[str, ProviderConfig]:
    """The API harness's providers: each at its URL with one key; a module overrides this
    to give a provider several keys."""
    return operator_providers(provider_urls)


@pytest.fixture
def catalog() -> Catalog:
    """The API harness's catalog: the built-in one; a module overrides it (fallbacks)."""
    return load_catalog()


@pytest.fixture
def upstream_read_timeout() -> float:
    """Seconds the gateway waits for the fake upstream; a test parametrizes it to time out."""
    return 10.0


@pytest.fixture
def image_quota() -> ImageQuota:
    """The image library's quota in the API harness; a module overrides it to test limits."""
    return DEFAULT_IMAGE_QUOTA


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    """The API harness's bounds on waiting for the database; outage tests make them short."""
    return DatabaseTimeouts()


@pytest.fixture
async def api(
    aiohttp_client: AiohttpClient,
    image_quota: ImageQuota,
    database_timeouts: DatabaseTimeouts,
    upstream_read_timeout: float,
    api_database_url: str,
    provider_configs: dict[str, ProviderConfig],
    catalog: Catalog,
    fake_upstream: FakeUpstream,
    clock: FakeClock,
    policy: AccessPolicy,
) -> AsyncIterator[ApiHarness]:
    storage = await open_storage(
        api_database_url, policy, clock, image_quota=image_quota, timeouts=database_timeouts
    )
    limits = UpstreamLimits(
        connect_timeout=2, read_timeout=upstream_read_timeout, max_connections=16
    )
    session = create_client_session(limits)
    context = build_context(storage, provider_configs, session, catalog)
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    try:
        yield ApiHarness(client, storage, fake_upstream, clock, context, api_database_url, policy)
    finally:
        await session.close()
        await storage.close()


@pytest.fixture
async def production_url(api: ApiHarness) -> AsyncIterator[str]:
    """The harness's API served as `web.run_app` serves it, unlike the test client's server:
    a client that leaves does not cancel its handler, so only the relay's next write notices."""
    app = create_api_app(api.context, max_body_bytes=64 * 1024)
    async with serve_app(app, handler_cancellation=False, shutdown_timeout=1) as url:
        yield url


# --- the bot over a fake Telegram (tests/bot_harness.py) --------------------------------
# Imported inside the fixtures: aiogram takes seconds to import, and only bot tests need it.


@pytest.fixture
def bot_harness_type() -> type[BotHarness]:
    """The class `bot_harness` builds; a module overrides this to add its own helpers."""
    from tests.bot_harness import BotHarness

    return BotHarness


@pytest.fixture
async def bot_harness(
    sqlite_url: str,
    clock: FakeClock,
    policy: AccessPolicy,
    bot_harness_type: type[BotHarness],
    database_timeouts: DatabaseTimeouts,
) -> AsyncIterator[BotHarness]:
    from tests.bot_harness import open_bot_harness

    async with open_bot_harness(
        sqlite_url, clock, policy, harness_type=bot_harness_type, timeouts=database_timeouts
    ) as bot:
        yield bot
