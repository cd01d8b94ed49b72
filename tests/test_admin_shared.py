"""The command line and the bot's /unblock are one implementation: storage's AccountAdmin."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import execute
from api.settings import Settings
from storage.admin import AccountAdmin
from storage.models import Account
from tests.bot_harness import open_bot_harness
from tests.conftest import FakeClock
from tests.fakes.telegram import message_update

ADMIN_ID = 5


async def test_cli_and_bot_unblock_call_the_same_storage_operation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    calls: list[tuple[str, str]] = []
    original = AccountAdmin.unblock

    async def spy(self: AccountAdmin, username: str, actor: str) -> Account:
        calls.append((username, actor))
        return await original(self, username, actor)

    monkeypatch.setattr(AccountAdmin, "unblock", spy)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = Settings(_env_file=None, database_url=url)
    async with open_bot_harness(url, clock, admin_ids=frozenset({ADMIN_ID})) as tested:
        await tested.storage.admin.create_account("acme", 0, actor="test")

        await execute(["users", "unblock", "acme"], settings)
        await tested.feed(message_update(1, 1, ADMIN_ID, "/unblock acme"))
        history = await tested.storage.admin.history("acme")

    assert calls == [("acme", "cli"), ("acme", f"telegram:{ADMIN_ID}")]
    assert [(a.actor, a.action) for a in history][1:] == [
        ("cli", "unblock"),
        (f"telegram:{ADMIN_ID}", "unblock"),
    ]
