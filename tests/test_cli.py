"""The operator's command line, through its entry point, against a temporary database."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from api.cli import run_command
from api.settings import Settings
from providers.catalog import load_catalog
from providers.upstream_keys import key_id, key_label
from storage import AccessPolicy, open_storage
from storage.upstream_keys import KeyStatus, KeyTally
from tests.stored_images import new_image

KEY = re.compile(r"key: (myapi-[A-Za-z0-9_\-]+)")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'cli.db'}", trial_credit="1.00"
    )


def cli(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = run_command(list(argv), settings)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_users_add_prints_the_key_once_and_grants_the_trial_credit(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(settings, capsys, "users", "add", "Partner")
    assert code == 0
    assert KEY.search(out)
    assert "1.00 USD" in out
    assert "partner" in out
    code, listing = cli(settings, capsys, "users", "list")
    assert "partner" in listing
    assert "myapi-" in listing
    assert not KEY.search(listing)


def test_users_add_with_credit(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(settings, capsys, "users", "add", "acme", "--credit", "2.5")[1].count("2.50 USD")


def test_credit_block_unblock_rotate_and_show(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first = KEY.search(cli(settings, capsys, "users", "add", "acme")[1])
    assert "1.25 USD" in cli(settings, capsys, "users", "credit", "acme", "0.25", "--note", "x")[1]
    assert "locked until unblocked" in cli(settings, capsys, "users", "block", "acme")[1]
    assert "active" in cli(settings, capsys, "users", "unblock", "acme")[1]
    rotated = KEY.search(cli(settings, capsys, "users", "rotate-key", "acme")[1])
    assert first
    assert rotated
    assert first.group(1) != rotated.group(1)
    code, shown = cli(settings, capsys, "users", "show", "acme")
    assert code == 0
    actions = re.findall(r"\bcli\s+(\S+)", shown)
    assert actions == ["create", "credit", "block", "unblock", "rotate-key"]


def test_show_tells_the_image_library_against_the_quota_from_settings(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    limited = settings.model_copy(update={"image_quota_images": 5, "image_quota_bytes": 2**21})
    cli(limited, capsys, "users", "add", "acme")

    async def store_one() -> None:
        storage = await open_storage(limited.database_url, AccessPolicy(), lambda: 0)
        try:
            account = await storage.accounts.by_username("acme")
            assert account is not None
            await storage.images.add(new_image(account.id, data=b"x" * 2**19))
        finally:
            await storage.close()

    asyncio.run(store_one())
    assert "images 1 of 5, 0.5 of 2.0 MiB" in cli(limited, capsys, "users", "show", "acme")[1]


def test_the_balance_never_goes_below_zero(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(settings, capsys, "users", "add", "acme")
    cli(settings, capsys, "users", "credit", "acme", "0.25")
    code, out = cli(settings, capsys, "users", "credit", "acme", "-5")
    assert code == 1
    assert "never below zero" in out
    assert "balance 1.25 USD (0.00 USD held by running calls) cannot take -5.00 USD" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "show", "ghost"],
        ["users", "credit", "ghost", "1"],
        ["users", "unblock", "ghost"],
        ["users", "rotate-key", "ghost"],
    ],
)
def test_an_unknown_username_says_so(
    settings: Settings, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out = cli(settings, capsys, *argv)
    assert code == 1
    assert "no account named 'ghost'" in out


@pytest.mark.parametrize(
    "argv",
    [["users"], ["users", "add"], ["users", "credit", "a", "lots"], ["nonsense"], ["--what"]],
)
def test_wrong_arguments_print_the_usage_and_exit_2(
    settings: Settings, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_command(argv, settings)
    assert exit_.value.code == 2
    assert "usage: myapi" in capsys.readouterr().err


def test_models_lists_prices_and_availability(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(settings, capsys, "models")
    assert code == 0
    assert re.search(r"echo\s+echo\s+available", out)
    model = load_catalog().get("gpt-4o-mini")
    prices = ", ".join(f"{name} {value}" for name, value in model.prices().items())
    assert prices.startswith("input_per_1m_tokens 0.15, output_per_1m_tokens 0.6")
    assert re.search(
        rf"gpt-4o-mini\s+openai\s+not configured\s+{re.escape(prices)} USD "
        rf"\(from {re.escape(model.price_source())}\)",
        out,
    )
    assert re.search(r"whisper-1\s+openai\s+not configured\s+per_minute 0.006 USD", out)


def test_models_shows_the_built_in_tools_prices_per_1000_calls(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = cli(settings, capsys, "models")
    assert re.search(r"\ngpt-5 .* web_search_per_1k 10, file_search_per_1k 2\.5 USD", out)
    assert not re.search(r"\ngpt-4\.1-nano .*_search_per_1k", out)


def test_models_says_which_output_limits_are_not_documented(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = cli(settings, capsys, "models")
    undocumented = "no documented maximum output: the whole 1050000-token window is held"
    assert re.search(rf"\ngpt-6-astra .*\n.*\n    {undocumented}", out)
    assert not re.search(rf"\ngpt-4o-mini .*\n.*\n    {undocumented}", out)


def test_the_console_entry_point_runs_commands(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}",
    }
    run = [sys.executable, "-m", "api", "users"]
    added = subprocess.run([*run, "add", "bob"], env=env, capture_output=True, text=True)
    listed = subprocess.run([*run, "list"], env=env, capture_output=True, text=True)
    wrong = subprocess.run([*run, "fly"], env=env, capture_output=True, text=True)
    assert added.returncode == 0
    assert KEY.search(added.stdout)
    assert listed.returncode == 0
    assert "bob" in listed.stdout
    assert wrong.returncode == 2
    assert "invalid choice" in wrong.stderr


def test_keys_lists_each_provider_key_by_its_label_with_its_health(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = "sk-first-0123456789abcdefgh", "sk-second-0123456789abcdefg"
    keyed = settings.model_copy(
        update={"openai_api_key": SecretStr(first), "openai_api_keys": SecretStr(second)}
    )
    now = int(time.time())

    async def record_a_bench() -> None:
        storage = await open_storage(keyed.database_url, AccessPolicy(), lambda: now)
        try:
            store = storage.upstream_keys
            await store.save(
                [
                    KeyStatus(
                        "openai",
                        key_id(first),
                        key_label(first),
                        now - 60,
                        now + 1740,
                        "refused",
                        401,
                    )
                ],
                [KeyTally("openai", key_id(first), now - now % 60, 3, 1)],
            )
        finally:
            await storage.close()

    asyncio.run(record_a_bench())
    code, out = cli(keyed, capsys, "keys")
    assert code == 0
    one, two, total = out.strip().splitlines()
    assert one.split()[:3] == ["openai", "openai#1", key_label(first)]
    assert "benched until" in one
    assert "refused (401)" in one
    assert "last hour: 3 requests, 1 errors" in one
    assert two.split()[:4] == ["openai", "openai#2", key_label(second), "healthy;"]
    assert total == "2 keys, 1 benched now"

    assert first not in out
    assert second not in out
