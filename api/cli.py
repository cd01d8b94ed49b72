"""The operator's command line: `myapi [serve]`, `myapi users ...`, `myapi models`,
`myapi keys`, `myapi backup <file>`.

Every `users` command opens the database in DATABASE_URL and calls the same storage
operations as the bot's admin commands (`storage.admin.AccountAdmin`), with `cli` as the
actor, so there is one implementation of each rule. It is safe while the service runs: it
never releases holds, and each change is one transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from api.key_report import key_lines
from api.service import access_policy, image_quota
from api.settings import Settings
from providers.catalog import load_catalog
from providers.registry import Registry
from storage import Storage, open_storage
from storage.backup import backup_database
from storage.clock import wall_clock
from storage.errors import BalanceWouldGoNegativeError, StorageError, UnknownAccountError
from storage.models import Account
from storage.money import format_money, to_decimal, to_units

_MEBIBYTE = 1024 * 1024

ACTOR = "cli"


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal amount") from error
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite amount")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="myapi", description="Run or administer myapi.")
    commands = parser.add_subparsers(dest="command", metavar="{serve,users,models,keys,backup}")
    commands.add_parser("serve", help="run the API and the bot (the default)")
    commands.add_parser("models", help="list the models, their prices and availability")
    commands.add_parser("keys", help="list the provider keys (by a short label) and their health")
    backup = commands.add_parser(
        "backup", help="copy the SQLite database to a new file (PostgreSQL: use pg_dump)"
    )
    backup.add_argument("file", type=Path, help="the copy to write (must not exist)")
    users = commands.add_parser("users", help="manage accounts").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = users.add_parser("add", help="create an account and print its key once")
    add.add_argument("username")
    add.add_argument("--credit", type=_amount, help="initial credit (default TRIAL_CREDIT)")
    users.add_parser("list", help="list every account")
    for name, text in (
        ("show", "show one account and its admin history"),
        ("unblock", "clear the strikes and the lock"),
        ("rotate-key", "replace the key and print the new one once"),
    ):
        users.add_parser(name, help=text).add_argument("username")
    block = users.add_parser("block", help="lock the account until unblocked")
    block.add_argument("username")
    block.add_argument("--reason")
    credit = users.add_parser("credit", help="add (or, negative, take) an amount")
    credit.add_argument("username")
    credit.add_argument("amount", type=_amount)
    credit.add_argument("--note")
    return parser


def _lock_state(account: Account, now: int) -> str:
    if not account.is_locked(now):
        return "active"
    if account.locked_until_unblocked:
        return "locked until unblocked"
    assert account.locked_until is not None
    until = datetime.fromtimestamp(account.locked_until, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"locked until {until}"


def _account_line(account: Account, currency: str, now: int) -> str:
    balance = format_money(account.balance, currency)
    return (
        f"{account.username:<24} {balance:>18}  strikes {account.strikes}  "
        f"{_lock_state(account, now)}  key {account.key_prefix}…"
    )


async def _users(args: argparse.Namespace, storage: Storage, settings: Settings) -> None:
    admin, currency, now = storage.admin, settings.currency, wall_clock()
    if args.action == "add":
        credit = to_units(args.credit if args.credit is not None else settings.trial_credit)
        created = await admin.create_account(args.username, credit, ACTOR)
        print(_account_line(created.account, currency, now))
        print(f"key: {created.secret}")
        print("The key is shown only this once: store it now.")
    elif args.action == "list":
        for account in await admin.list_accounts():
            print(_account_line(account, currency, now))
    elif args.action == "show":
        await _show(storage, args.username, currency, now)
    elif args.action == "credit":
        account = await admin.credit(args.username, to_units(args.amount), args.note, ACTOR)
        print(_account_line(account, currency, now))
    elif args.action in ("block", "unblock"):
        if args.action == "block":
            account = await admin.block(args.username, ACTOR, args.reason)
        else:
            account = await admin.unblock(args.username, ACTOR)
        print(_account_line(account, currency, now))
    elif args.action == "rotate-key":
        account, secret = await admin.rotate_key(args.username, ACTOR)
        print(_account_line(account, currency, now))
        print(f"key: {secret}")
        print("The old key stopped working. The new one is shown only this once.")


async def _show(storage: Storage, username: str, currency: str, now: int) -> None:
    account = await storage.accounts.by_username(username)
    if account is None:
        raise UnknownAccountError(username)
    print(_account_line(account, currency, now))
    print(f"balance {to_decimal(account.balance)} {currency}, held {account.reserved} units")
    usage, quota = await storage.images.usage(account.id), storage.images.quota
    print(
        f"images {usage.count} of {quota.max_count}, "
        f"{usage.bytes / _MEBIBYTE:.1f} of {quota.max_bytes / _MEBIBYTE:.1f} MiB"
    )
    for action in await storage.admin.history(username):
        when = datetime.fromtimestamp(action.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        print(f"  {when}  {action.actor:<16} {action.action:<10} {action.detail or ''}")


def _models(settings: Settings) -> None:
    """One line per model: availability, each category's price, and the prices' source;
    an unavailable model's reason on the next line."""
    catalog = load_catalog(settings.catalog_file, settings.price_markup)
    registry = Registry(catalog, settings.provider_configs(catalog.keys))
    for model in catalog.models.values():
        reason = registry.unavailable_reason(model)
        state = "unpriced" if model.unpriced else "not configured" if reason else "available"
        prices = ", ".join(f"{name} {value}" for name, value in model.prices().items())
        print(
            f"{model.name:<44} {model.provider:<11} {state:<15} {prices} {settings.currency} "
            f"(from {model.price_source()})"
        )
        if reason:
            print(f"    {reason}")
        if not model.max_output_documented:
            print(
                f"    no documented maximum output: the whole {model.context_window}-token "
                "window is held as output"
            )


async def _keys(storage: Storage, settings: Settings) -> None:
    """Each configured key with its health (api/key_report.py)."""
    catalog = load_catalog(settings.catalog_file, settings.price_markup)
    providers = settings.provider_configs(catalog.keys)
    keys = [(key, p.base_url) for p in providers.values() for key in p.keys]
    store = storage.upstream_keys
    lines = key_lines(keys, await store.statuses(), await store.last_hour(), wall_clock())
    print("\n".join(lines))


async def execute(argv: Sequence[str], settings: Settings) -> None:
    """Run one `users` or `keys` command to completion (storage errors propagate)."""
    args = build_parser().parse_args(argv)
    policy = access_policy(settings)
    storage = await open_storage(
        settings.database_url,
        policy,
        wall_clock,
        image_quota=image_quota(settings),
        timeouts=settings.database_timeouts,
    )
    try:
        if args.command == "keys":
            await _keys(storage, settings)
        else:
            await _users(args, storage, settings)
    finally:
        await storage.close()


def run_command(argv: Sequence[str], settings: Settings | None = None) -> int:
    """Run an administrative command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    settings = settings or Settings()
    if args.command == "models":
        _models(settings)
        return 0
    try:
        if args.command == "backup":
            size = asyncio.run(backup_database(settings.database_url, args.file))
            print(f"backed up the database to {args.file} ({size} bytes)")
            return 0
        asyncio.run(execute(argv, settings))
    except StorageError as error:
        print(f"error: {storage_error_text(error, settings.currency)}", file=sys.stderr)
        return 1
    return 0


def storage_error_text(error: StorageError, currency: str) -> str:
    """The error for a person: amounts in the currency, never in minor units."""
    if isinstance(error, BalanceWouldGoNegativeError):
        return (
            f"{error.username}'s balance {format_money(error.balance, currency)} "
            f"({format_money(error.held, currency)} held by running calls) cannot take "
            f"{format_money(error.amount, currency)}: never below zero, nor below what "
            "running calls hold"
        )
    return str(error)


def wants_server(argv: Sequence[str]) -> bool:
    """True for `myapi` and `myapi serve`; the parser still rejects anything unknown."""
    args = build_parser().parse_args(argv)
    return args.command in (None, "serve")
