"""Providers with several operator keys, for the failover and fallback tests.

Every key points at the same fake provider unless a test gives it another address; the
fake tells them apart by the key each request carries (tests/fakes/key_faults.py).
"""

from __future__ import annotations

from typing import Any

from providers.registry import ProviderConfig
from providers.upstream_keys import UpstreamKey
from tests.conftest import ApiHarness
from tests.ledger import calls

KEY_A = "sk-key-a-0123456789abcdefghij"
KEY_B = "sk-key-b-0123456789abcdefghij"
KEY_C = "sk-key-c-0123456789abcdefghij"
SECRETS = (KEY_A, KEY_B, KEY_C)


def keyed(
    provider: str, base_url: str, count: int = 2, **options: dict[str, Any]
) -> ProviderConfig:
    """`provider` with `count` keys (KEY_A, KEY_B...), named a, b, c; `options` by name
    override a key's fields (`{"a": {"weight": 3}}`)."""
    keys = []
    for name, secret in zip("abc"[:count], SECRETS[:count], strict=True):
        fields: dict[str, Any] = {"base_url": base_url, **options.get(name, {})}
        keys.append(UpstreamKey(provider, name, secret, **fields))
    return ProviderConfig(provider, base_url, tuple(keys))


def key_named(api: ApiHarness, provider: str, name: str) -> UpstreamKey:
    [key] = [k for k in api.context.registry.providers[provider].keys if k.name == name]
    return key


async def charges(api: ApiHarness) -> list[int]:
    """The amounts of every charge in the ledger (one per billed call)."""
    rows = await api.storage.database.fetch_all(
        "SELECT amount FROM ledger WHERE kind = 'charge' ORDER BY id"
    )
    return [row["amount"] for row in rows]


async def one_call_billed(api: ApiHarness) -> dict[str, Any]:
    """The one usage record, after checking the call left one charge of its cost (or
    none when free) and nothing held."""
    [call] = await calls(api)
    assert await charges(api) == ([-call["cost"]] if call["cost"] else [])
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert account.reserved == 0
    assert await api.storage.accounts.ledger_total(account.id) == account.balance
    return call
