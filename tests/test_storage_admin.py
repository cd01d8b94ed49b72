"""Operator actions, on SQLite and PostgreSQL: each change lands with its record."""

from __future__ import annotations

import asyncio

import pytest

from storage import Storage
from storage.errors import (
    BalanceWouldGoNegativeError,
    InvalidUsernameError,
    KeyChangedError,
    UnknownAccountError,
    UsernameTakenError,
)
from storage.models import AuthOutcome


async def test_create_account_grants_credit_and_records_the_actor(storage: Storage) -> None:
    created = await storage.admin.create_account("Partner_1", 5000, actor="cli")
    assert created.secret is not None
    assert (created.account.username, created.account.balance) == ("partner_1", 5000)
    auth = await storage.accounts.authorize("partner_1", created.secret, hold=1)
    assert auth.outcome is AuthOutcome.OK
    [action] = await storage.admin.history("partner_1")
    assert (action.actor, action.action) == ("cli", "create")


@pytest.mark.parametrize("name", ["ab", "has space", "x" * 33, "dash-name"])
async def test_create_account_refuses_a_bad_username(storage: Storage, name: str) -> None:
    with pytest.raises(InvalidUsernameError):
        await storage.admin.create_account(name, 0, actor="cli")


async def test_create_account_refuses_a_taken_username(storage: Storage) -> None:
    await storage.admin.create_account("acme", 0, actor="cli")
    with pytest.raises(UsernameTakenError):
        await storage.admin.create_account("ACME", 0, actor="cli")


async def test_credit_writes_an_adjust_row_with_the_actor(storage: Storage) -> None:
    await storage.admin.create_account("acme", 100, actor="cli")
    account = await storage.admin.credit("acme", -40, "refund", actor="telegram:1")
    assert account.balance == 60
    rows = await storage.database.fetch_all(
        "SELECT kind, amount, actor, note FROM ledger WHERE kind = 'adjust'"
    )
    assert [dict(r) for r in rows] == [
        {"kind": "adjust", "amount": -40, "actor": "telegram:1", "note": "refund"}
    ]
    assert await storage.accounts.ledger_total(account.id) == 60


async def test_credit_never_takes_the_balance_below_zero(storage: Storage) -> None:
    await storage.admin.create_account("acme", 100, actor="cli")
    with pytest.raises(BalanceWouldGoNegativeError):
        await storage.admin.credit("acme", -101, None, actor="cli")
    account = await storage.accounts.by_username("acme")
    assert account is not None
    assert account.balance == 100
    assert len(await storage.admin.history("acme")) == 1  # only the creation


async def test_concurrent_debits_cannot_overdraw(storage: Storage) -> None:
    await storage.admin.create_account("acme", 100, actor="cli")
    results = await asyncio.gather(
        *(storage.admin.credit("acme", -30, None, actor="cli") for _ in range(5)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, BalanceWouldGoNegativeError) for r in results) == 2
    account = await storage.accounts.by_username("acme")
    assert account is not None
    assert account.balance == 10


async def test_block_locks_until_unblocked(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    assert created.secret is not None
    await storage.admin.block("acme", actor="cli", reason="abuse")
    auth = await storage.accounts.authorize("acme", created.secret, 1)
    assert auth.outcome is AuthOutcome.LOCKED
    await storage.admin.unblock("acme", actor="cli")
    assert (await storage.accounts.authorize("acme", created.secret, 1)).outcome is AuthOutcome.OK
    actions = [a.action for a in await storage.admin.history("acme")]
    assert actions == ["create", "block", "unblock"]


async def test_rotate_key_stops_the_old_key_at_once(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    assert created.secret is not None
    await storage.accounts.authorize("acme", "bad", 1)
    account, new_key = await storage.admin.rotate_key("acme", actor="cli")
    assert account.strikes == 0
    assert new_key != created.secret
    assert (await storage.accounts.authorize("acme", created.secret, 1)).outcome is (
        AuthOutcome.BAD_KEY
    )
    assert (await storage.accounts.authorize("acme", new_key, 1)).outcome is AuthOutcome.OK


@pytest.mark.parametrize("action", ["credit", "block", "unblock", "rotate_key"])
async def test_actions_on_an_unknown_username_raise(storage: Storage, action: str) -> None:
    operation = (
        storage.admin.credit("ghost", 1, None, actor="cli")
        if action == "credit"
        else getattr(storage.admin, action)("ghost", actor="cli")
    )
    with pytest.raises(UnknownAccountError):
        await operation


async def test_list_accounts_is_sorted_by_username(storage: Storage) -> None:
    for name in ("zeta", "alpha"):
        await storage.admin.create_account(name, 0, actor="cli")
    assert [a.username for a in await storage.admin.list_accounts()] == ["alpha", "zeta"]


async def test_rotate_key_with_a_stale_prefix_changes_nothing(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    shown = created.account.key_prefix
    await storage.admin.rotate_key("acme", actor="cli", expected_prefix=shown)
    with pytest.raises(KeyChangedError):
        await storage.admin.rotate_key("acme", actor="cli", expected_prefix=shown)
    actions = [a.action for a in await storage.admin.history("acme")]
    assert actions == ["create", "rotate-key"]


async def test_concurrent_rotations_of_one_shown_key_rotate_once(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    shown = created.account.key_prefix
    results = await asyncio.gather(
        *(storage.admin.rotate_key("acme", "t", expected_prefix=shown) for _ in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, KeyChangedError) for r in results) == 3


async def test_a_debit_cannot_take_money_held_by_a_running_call(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    assert created.secret is not None
    auth = await storage.accounts.authorize("acme", created.secret, hold=70, request_id="r-1")
    assert auth.outcome is AuthOutcome.OK
    with pytest.raises(BalanceWouldGoNegativeError) as refused:
        await storage.admin.credit("acme", -31, None, actor="cli")
    assert (refused.value.balance, refused.value.held) == (100, 70)
    account = await storage.accounts.by_username("acme")
    assert account is not None
    assert (account.balance, account.reserved) == (100, 70)
    assert len(await storage.admin.history("acme")) == 1  # only the creation
    taken = await storage.admin.credit("acme", -30, None, actor="cli")
    assert (taken.balance, taken.reserved) == (70, 70)
    assert await storage.accounts.mismatched_balances() == []


async def test_a_credit_is_never_refused_while_calls_hold_money(storage: Storage) -> None:
    created = await storage.admin.create_account("acme", 100, actor="cli")
    assert created.secret is not None
    await storage.accounts.authorize("acme", created.secret, hold=100, request_id="r-1")
    account = await storage.admin.credit("acme", 5, "bonus", actor="cli")
    assert (account.balance, account.reserved) == (105, 100)
