"""API keys at rest, on both databases: only the SHA-256 of the whole key is stored, and
only the whole key opens the account.

A reversible encoding would hand every key to whoever reads the database; a hash of the
display prefix alone would let anyone who saw the prefix (it is shown in the bot, the
command line and the logs) log in. Both looked fine to a test that only checked that the
stored value is not the key itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

import pytest

from storage import Storage
from storage.keys import KEY_PREFIX
from storage.models import AuthOutcome
from tests.key_forms import with_wrong_tail


def sha256_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def _registered(storage: Storage) -> str:
    registration = await storage.accounts.register_telegram_user(7, "alice", 1000, "en")
    assert registration.secret is not None
    return registration.secret


async def _created_by_the_operator(storage: Storage) -> str:
    registration = await storage.admin.create_account("alice", 1000, "cli")
    assert registration.secret is not None
    return registration.secret


async def _rotated(storage: Storage) -> str:
    await _registered(storage)
    return (await storage.admin.rotate_key("alice", "cli"))[1]


KeyMaker = Callable[[Storage], Awaitable[str]]
MAKERS = [_registered, _created_by_the_operator, _rotated]


@pytest.mark.parametrize("make_key", MAKERS, ids=["registered", "operator", "rotated"])
async def test_the_stored_hash_is_the_sha256_of_the_whole_key(
    storage: Storage, make_key: KeyMaker
) -> None:
    secret = await make_key(storage)
    row = await storage.database.fetch_one("SELECT key_hash, key_prefix FROM accounts")
    assert row is not None
    assert row["key_hash"] == sha256_of(secret)
    assert row["key_prefix"] == secret[: len(row["key_prefix"])]
    assert secret.startswith(KEY_PREFIX)
    assert len(secret) - len(row["key_prefix"]) >= 32  # the tail carries the secret


@pytest.mark.parametrize("make_key", MAKERS, ids=["registered", "operator", "rotated"])
async def test_the_right_prefix_with_a_wrong_tail_opens_nothing(
    storage: Storage, make_key: KeyMaker
) -> None:
    secret = await make_key(storage)
    forged = with_wrong_tail(secret)
    assert (await storage.accounts.authorize("alice", forged, 0)).outcome is AuthOutcome.BAD_KEY
    assert (await storage.accounts.authorize(None, forged, 0)).outcome is AuthOutcome.UNKNOWN
    assert (await storage.accounts.authorize("alice", secret, 0)).outcome is AuthOutcome.OK
