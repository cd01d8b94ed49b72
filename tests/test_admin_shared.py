"""The command line and the bot's /unblock are one implementation: storage's AccountAdmin."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.types import Update

from api.cli import execute
from api.settings import Settings
from bot import create_bot, create_dispatcher
from bot.config import BotConfig
from storage import AccessPolicy, open_storage
from storage.admin import AccountAdmin
from storage.models import Account
from tests.conftest import FakeClock
from tests.fakes.telegram import message_update, serve_fake_telegram

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
    storage = await open_storage(url, AccessPolicy(), clock)
    await storage.admin.create_account("acme", 0, actor="test")

    await execute(["users", "unblock", "acme"], settings)
    async with serve_fake_telegram() as (_, api_base):
        config = BotConfig("1:t", frozenset({ADMIN_ID}), "http://x", "USD", 0, api_base)
        bot = create_bot(config)
        dispatcher = create_dispatcher(storage, config, clock=clock)
        update = message_update(1, 1, ADMIN_ID, "/unblock acme")
        await dispatcher.feed_update(bot, Update.model_validate(update, context={"bot": bot}))
        await bot.session.close()
    history = await storage.admin.history("acme")
    await storage.close()

    assert calls == [("acme", "cli"), ("acme", f"telegram:{ADMIN_ID}")]
    assert [(a.actor, a.action) for a in history][1:] == [
        ("cli", "unblock"),
        (f"telegram:{ADMIN_ID}", "unblock"),
    ]
