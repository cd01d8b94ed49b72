"""The API harness: the real API app over aiohttp's test client, its storage (SQLite or
PostgreSQL) and the fake upstream, with what money tests need to look at afterwards."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient

from api.context import ApiContext, build_api_context
from providers.catalog import Catalog, load_catalog
from providers.registry import PROVIDER_NAMES, ProviderConfig, Registry
from providers.transport import Transports
from storage import AccessPolicy, Storage, open_storage
from storage.database import Row
from tests.clock import FakeClock
from tests.fakes.upstream import FakeUpstream

OPERATOR_KEY = "sk-operator-secret-0123456789"
#: The start-up's stale-hold bound in `ApiHarness.after_restart` (the service's default).
STALE_HOLD_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class AccountMoney:
    """One account's money as the database has it."""

    username: str
    balance: int
    reserved: int


@dataclass
class ApiHarness:
    """A running API app (aiohttp test client), its storage and its fake upstream."""

    client: TestClient[web.Request, web.Application]
    storage: Storage
    upstream: FakeUpstream
    clock: FakeClock
    context: ApiContext
    database_url: str
    policy: AccessPolicy

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

    async def settled_calls(self, count: int = 1) -> list[Row]:
        """The usage records, once `count` calls have settled.

        A stream settles after its last byte has reached the client, so a test that reads the
        balance as soon as the body ends races the settlement (and loses more often on
        PostgreSQL). Polled with a bound, never a fixed sleep.
        """
        for _ in range(500):
            rows = await self.storage.database.fetch_all("SELECT * FROM calls ORDER BY id")
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.01)
        raise AssertionError(f"{count} calls never settled")

    async def after_restart(self) -> list[AccountMoney]:
        """Every account as the service's next start-up leaves it, once it has released the
        holds a crash could have left (past the stale bound, so on PostgreSQL too).

        A hold recorded for a call that never held anything makes this fail: releasing it
        would take `reserved` below zero, and the database refuses that start-up.
        """
        later = FakeClock(self.clock.now + STALE_HOLD_SECONDS + 1)
        reopened = await open_storage(
            self.database_url,
            self.policy,
            later,
            recover_holds=True,
            stale_hold_seconds=STALE_HOLD_SECONDS,
        )
        try:
            assert await reopened.accounts.mismatched_balances() == []
            rows = await reopened.database.fetch_all(
                "SELECT username, balance, reserved FROM accounts ORDER BY id"
            )
        finally:
            await reopened.close()
        return [AccountMoney(row["username"], row["balance"], row["reserved"]) for row in rows]


def operator_providers(provider_urls: dict[str, str]) -> dict[str, ProviderConfig]:
    """Every provider at its URL in `provider_urls` with the one key OPERATOR_KEY, and the
    built-in echo."""
    providers = {
        name: ProviderConfig.with_key(name, provider_urls[name], OPERATOR_KEY)
        for name in PROVIDER_NAMES
    }
    providers["echo"] = ProviderConfig("echo", "builtin:", builtin=True)
    return providers


def build_context(
    storage: Storage,
    providers: dict[str, ProviderConfig],
    session: ClientSession,
    catalog: Catalog | None = None,
) -> ApiContext:
    """The harness's context, from the service's own factory: the `providers` (see
    `operator_providers`), the catalog (the built-in one by default), storage's clock."""
    registry = Registry(catalog or load_catalog(), providers)
    # The per-address limit is off (0): tests of the limit build their own.
    return build_api_context(storage, registry, Transports(session), currency="USD")
