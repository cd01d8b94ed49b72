"""/newkey: a user replaces their own key after pressing "Yes" under a warning.

Same set-up as test_bot_commands: real Update objects (messages, and button presses shaped
like Telegram's callback queries) fed to the production dispatcher, real SQLite storage, and
the bot's calls recorded by the fake Telegram server over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot import create_bot, create_dispatcher
from bot.config import BotConfig
from bot.runner import bot_commands
from bot.texts import ENGLISH, RUSSIAN, Texts
from storage import AccessPolicy, Storage, open_storage
from storage.models import AuthOutcome
from tests.fakes.telegram import (
    Call,
    FakeTelegram,
    callback_update,
    message_update,
    serve_fake_telegram,
)

START = 1_700_000_000
KEY_IN_CODE = re.compile(r"<code>(myapi-[^<]{20,})</code>")

Message = dict[str, Any]


def clock() -> int:
    return START


@dataclass
class NewKeyBot:
    """The production dispatcher wired to real storage and a bot talking to the fake."""

    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    storage: Storage
    last_id: int = 0

    async def feed(self, raw: dict[str, Any]) -> None:
        update = Update.model_validate(raw, context={"bot": self.bot})
        await self.dispatcher.feed_update(self.bot, update)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    async def send(self, user_id: int, text: str, **user: Any) -> Call:
        """Feed one message; return the single sendMessage it caused."""
        before = len(self.fake.calls_to("sendMessage"))
        update_id = self.next_id()
        await self.feed(message_update(update_id, update_id, user_id, text, **user))
        replies = self.fake.calls_to("sendMessage")[before:]
        assert len(replies) == 1, f"expected one reply, got {replies}"
        return replies[0]

    async def register(self, user_id: int, username: str) -> str:
        """Register through /start and return the key it showed."""
        return key_of(await self.send(user_id, "/start", username=username))

    async def confirmation(self, user_id: int, **user: Any) -> Message:
        """Send /newkey and return the confirmation message as Telegram stored it."""
        await self.send(user_id, "/newkey", **user)
        return self.fake.sent_messages[-1]

    async def press(self, user_id: int, message: Message, button: str, **user: Any) -> Call:
        """Press the button labelled `button` under `message`; return the private reply."""
        before = len(self.fake.calls_to("sendMessage"))
        update_id = self.next_id()
        data = button_data(message, button)
        await self.feed(
            callback_update(update_id, f"q{update_id}", user_id, data, message, **user)
        )
        replies = self.fake.calls_to("sendMessage")[before:]
        assert len(replies) == 1, f"expected one reply, got {replies}"
        assert replies[0].params["chat_id"] == user_id
        return replies[0]

    async def authorize(self, key: str) -> AuthOutcome:
        return (await self.storage.accounts.authorize("alice", key, 1)).outcome

    async def actions(self) -> list[tuple[str, str]]:
        return [(a.actor, a.action) for a in await self.storage.admin.history("alice")]


def key_of(call: Call) -> str:
    match = KEY_IN_CODE.search(str(call.params["text"]))
    assert match is not None, call.params["text"]
    return match.group(1)


def buttons(message: Message) -> dict[str, str]:
    """Button label -> callback data, from the message's inline keyboard."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def button_data(message: Message, label: str) -> str:
    return buttons(message)[label]


@pytest.fixture
async def tested(tmp_path: Path) -> AsyncIterator[NewKeyBot]:
    storage = await open_storage(f"sqlite:///{tmp_path}/t.db", AccessPolicy(), clock)
    try:
        async with serve_fake_telegram() as (fake, api_base):
            config = BotConfig(
                token="123456:TEST-token",
                admin_ids=frozenset({1}),
                public_base_url="https://api.example.test",
                currency="USD",
                trial_credit=1_500_000,
                telegram_api_base=api_base,
            )
            bot = create_bot(config)
            try:
                yield NewKeyBot(
                    fake, bot, create_dispatcher(storage, config, clock=clock), storage
                )
            finally:
                await bot.session.close()
    finally:
        await storage.close()


async def test_newkey_warns_and_offers_yes_and_cancel(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    reply = await tested.send(42, "/newkey")
    account = await tested.storage.accounts.by_username("alice")
    assert account is not None
    expected = ENGLISH.newkey_confirm.format(username="alice", prefix=account.key_prefix)
    assert reply.params["text"] == expected
    assert list(buttons(tested.fake.sent_messages[-1])) == [
        ENGLISH.newkey_yes,
        ENGLISH.newkey_cancel,
    ]


async def test_confirmation_changes_nothing(tested: NewKeyBot) -> None:
    key = await tested.register(42, "alice")
    await tested.confirmation(42)
    assert await tested.authorize(key) is AuthOutcome.OK
    assert await tested.actions() == []


async def test_buttons_carry_nothing_secret(tested: NewKeyBot) -> None:
    key = await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    for data in buttons(confirmation).values():
        assert data.startswith("newkey:")
        assert key not in data
        assert len(data.encode()) <= 64


async def test_yes_replaces_the_key_and_shows_the_new_one_once(tested: NewKeyBot) -> None:
    old = await tested.register(42, "alice")
    reply = await tested.press(42, await tested.confirmation(42), ENGLISH.newkey_yes)
    new = key_of(reply)
    assert new != old
    assert ENGLISH.key_once in reply.params["text"]
    assert await tested.authorize(old) is AuthOutcome.BAD_KEY
    assert await tested.authorize(new) is AuthOutcome.OK


async def test_yes_is_recorded_with_the_users_telegram_id(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    await tested.press(42, await tested.confirmation(42), ENGLISH.newkey_yes)
    assert await tested.actions() == [("telegram:42", "rotate-key")]


async def test_yes_answers_the_button_and_removes_the_keyboard(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    await tested.press(42, confirmation, ENGLISH.newkey_yes)
    [answer] = tested.fake.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == f"q{tested.last_id}"
    [edit] = tested.fake.calls_to("editMessageReplyMarkup")
    assert edit.params["chat_id"] == 42
    assert edit.params["message_id"] == confirmation["message_id"]
    assert not edit.params.get("reply_markup", {}).get("inline_keyboard")


async def test_second_yes_on_the_same_confirmation_is_expired(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    new = key_of(await tested.press(42, confirmation, ENGLISH.newkey_yes))
    again = await tested.press(42, confirmation, ENGLISH.newkey_yes)
    assert again.params["text"] == ENGLISH.newkey_expired
    assert await tested.actions() == [("telegram:42", "rotate-key")]
    assert await tested.authorize(new) is AuthOutcome.OK


async def test_yes_on_an_older_confirmation_is_expired(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    older = await tested.confirmation(42)
    await tested.press(42, await tested.confirmation(42), ENGLISH.newkey_yes)
    stale = await tested.press(42, older, ENGLISH.newkey_yes)
    assert stale.params["text"] == ENGLISH.newkey_expired
    assert len(await tested.actions()) == 1


async def test_double_tap_rotates_once(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    data = button_data(confirmation, ENGLISH.newkey_yes)
    taps = [callback_update(900 + n, f"tap{n}", 42, data, confirmation) for n in range(2)]
    await asyncio.gather(*(tested.feed(tap) for tap in taps))
    texts = sorted(str(call.params["text"]) for call in tested.fake.calls_to("sendMessage")[2:])
    assert len(texts) == 2
    assert texts.count(ENGLISH.newkey_expired) == 1
    assert await tested.actions() == [("telegram:42", "rotate-key")]


async def test_cancel_changes_nothing_and_removes_the_keyboard(tested: NewKeyBot) -> None:
    key = await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    reply = await tested.press(42, confirmation, ENGLISH.newkey_cancel)
    assert reply.params["text"] == ENGLISH.newkey_cancelled
    assert await tested.authorize(key) is AuthOutcome.OK
    assert await tested.actions() == []
    assert len(tested.fake.calls_to("answerCallbackQuery")) == 1
    [edit] = tested.fake.calls_to("editMessageReplyMarkup")
    assert edit.params["message_id"] == confirmation["message_id"]


async def test_newkey_of_unregistered_user_points_to_start(tested: NewKeyBot) -> None:
    reply = await tested.send(42, "/newkey")
    assert reply.params["text"] == ENGLISH.not_registered
    assert "reply_markup" not in reply.params


async def test_newkey_in_a_group_is_refused_without_buttons(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    reply = await tested.send(42, "/newkey", chat_type="supergroup")
    assert reply.params["text"] == ENGLISH.private_only
    assert reply.params["chat_id"] != 42
    assert "reply_markup" not in reply.params
    assert await tested.actions() == []


async def test_newkey_in_russian(tested: NewKeyBot) -> None:
    await tested.register(42, "alice")
    confirmation = await tested.confirmation(42, language_code="ru")
    assert confirmation["text"].startswith("Заменить API-ключ alice")
    reply = await tested.press(42, confirmation, RUSSIAN.newkey_yes, language_code="ru")
    assert reply.params["text"].startswith(RUSSIAN.newkey_done.format(username="alice"))
    assert RUSSIAN.key_once in reply.params["text"]


async def test_failure_under_a_button_is_apologised_for(
    tested: NewKeyBot, caplog: pytest.LogCaptureFixture
) -> None:
    await tested.register(42, "alice")
    confirmation = await tested.confirmation(42)
    data = button_data(confirmation, ENGLISH.newkey_yes)
    await tested.storage.close()
    with caplog.at_level(logging.ERROR, logger="bot.handlers"):
        await tested.feed(callback_update(900, "broken", 42, data, confirmation))
    [answer] = tested.fake.calls_to("answerCallbackQuery")
    assert (answer.params["text"], answer.params["show_alert"]) == (ENGLISH.internal_error, True)
    assert any(record.exc_info for record in caplog.records if record.name == "bot.handlers")


@pytest.mark.parametrize("texts", [ENGLISH, RUSSIAN], ids=["en", "ru"])
def test_start_and_help_point_to_newkey(texts: Texts) -> None:
    assert "/newkey" in texts.key_lost
    assert "/newkey" in texts.help
    assert "admin" not in texts.key_lost
    assert "администратор" not in texts.key_lost


@pytest.mark.parametrize("texts", [ENGLISH, RUSSIAN], ids=["en", "ru"])
def test_command_menu_offers_newkey(texts: Texts) -> None:
    menu = {command.command: command.description for command in bot_commands(texts)}
    assert menu["newkey"] == texts.command_newkey
