"""Fixtures shared by the suite: an injected clock, and storage on SQLite and PostgreSQL.

The storage fixture runs each test against a real SQLite file, and against PostgreSQL in a
schema of its own when a server answers at MYAPI_TEST_POSTGRES_DSN (default: the local one),
skipping with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from api.context import ApiContext
from api.limits import FailedAuthLimiter
from providers.backends import ChatBackends
from providers.catalog import load_catalog
from providers.http import Upstream, UpstreamLimits, create_client_session
from providers.openai_client import OpenAICompatibleClient
from providers.registry import PROVIDER_NAMES, ProviderConfig, Registry
from storage import DEFAULT_IMAGE_QUOTA, AccessPolicy, ImageQuota, Storage, open_storage
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.gemini import FakeGemini
from tests.fakes.server import serve_app
from tests.fakes.stability import FakeStability
from tests.fakes.upstream import FakeUpstream, serve

if TYPE_CHECKING:
    from tests.bot_harness import BotHarness

POSTGRES_DSN = os.environ.get(
    "MYAPI_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
START = 1_800_000_000


@dataclass
class FakeClock:
    """Epoch seconds that move only when a test says so."""

    now: int = START

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def policy() -> AccessPolicy:
    """The seed's lock rule; no rate limit (the clock stands still, so every call of a test
    falls in one minute: rate tests bring their own policy)."""
    return AccessPolicy(lock_strikes=5, lock_seconds=30 * 60, requests_per_minute=0)


async def _postgres_unreachable_reason() -> str | None:
    try:
        connection = await asyncpg.connect(POSTGRES_DSN, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        return f"PostgreSQL is not reachable at MYAPI_TEST_POSTGRES_DSN ({error!r})"
    await connection.close()
    return None


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A DSN whose search_path is a fresh schema, dropped after the test.

    Sync on purpose: schema set-up runs on its own short loop, before the test's loop.
    """
    reason = asyncio.run(_postgres_unreachable_reason())
    if reason:
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_DSN else "?"
    try:
        yield f"{POSTGRES_DSN}{separator}search_path={schema}"
    finally:
        asyncio.run(_admin(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'myapi.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every storage test runs on both databases (PostgreSQL skips when absent)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


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

OPERATOR_KEY = "sk-operator-secret-0123456789"


@dataclass
class ApiHarness:
    """A running API app (aiohttp test client), its storage and its fake upstream."""

    client: TestClient[web.Request, web.Application]
    storage: Storage
    upstream: FakeUpstream
    clock: FakeClock
    context: ApiContext

    async def register(
        self, telegram_id: int = 7, name: str = "alice", credit: int = 10**6
    ) -> str:
        registration = await self.storage.accounts.register_telegram_user(
            telegram_id, name, credit, "en"
        )
        assert registration.secret is not None
        return registration.secret

    async def balance(self, username: str = "alice") -> int:
        account = await self.storage.accounts.by_username(username)
        assert account is not None
        return account.balance


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


def build_context(
    storage: Storage, provider_urls: dict[str, str], session: ClientSession, clock: FakeClock
) -> ApiContext:
    providers = {
        name: ProviderConfig(name, provider_urls[name], OPERATOR_KEY) for name in PROVIDER_NAMES
    }
    providers["echo"] = ProviderConfig("echo", "builtin:", None, builtin=True)
    upstream = Upstream(session)
    return ApiContext(
        accounts=storage.accounts,
        registry=Registry(load_catalog(), providers),
        chat=ChatBackends(OpenAICompatibleClient(upstream)),
        upstream=upstream,
        currency="USD",
        clock=clock,
        idempotency=storage.idempotency,
        images=storage.images,
        failed_auth=FailedAuthLimiter(0, clock),  # off: tests of the limit build their own
    )


@pytest.fixture
def upstream_read_timeout() -> float:
    """Seconds the gateway waits for the fake upstream; a test parametrizes it to time out."""
    return 10.0


@pytest.fixture
def image_quota() -> ImageQuota:
    """The image library's quota in the API harness; a module overrides it to test limits."""
    return DEFAULT_IMAGE_QUOTA


@pytest.fixture
async def api(
    aiohttp_client: AiohttpClient,
    image_quota: ImageQuota,
    upstream_read_timeout: float,
    sqlite_url: str,
    provider_urls: dict[str, str],
    fake_upstream: FakeUpstream,
    clock: FakeClock,
    policy: AccessPolicy,
) -> AsyncIterator[ApiHarness]:
    storage = await open_storage(sqlite_url, policy, clock, image_quota=image_quota)
    limits = UpstreamLimits(
        connect_timeout=2, read_timeout=upstream_read_timeout, max_connections=16
    )
    session = create_client_session(limits)
    context = build_context(storage, provider_urls, session, clock)
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    try:
        yield ApiHarness(client, storage, fake_upstream, clock, context)
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
    sqlite_url: str, clock: FakeClock, policy: AccessPolicy, bot_harness_type: type[BotHarness]
) -> AsyncIterator[BotHarness]:
    from tests.bot_harness import open_bot_harness

    async with open_bot_harness(sqlite_url, clock, policy, harness_type=bot_harness_type) as bot:
        yield bot
