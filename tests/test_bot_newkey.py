"""/newkey: a user replaces their own key after pressing "Yes" under a warning.

Same set-up as test_bot_commands: real Update objects (messages, and button presses shaped
like Telegram's callback queries) fed to the production dispatcher, real SQLite storage, and
the bot's calls recorded by the fake Telegram server over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.runner import bot_commands
from bot.texts import ENGLISH, RUSSIAN, Texts
from storage.models import AuthOutcome
from tests.bot_harness import BotHarness, Message, button_data, buttons, key_of
from tests.fakes.telegram import callback_update


class NewKeyBot(BotHarness):
    """The bot harness, with the steps these tests repeat on alice's account."""

    async def confirmation(self, user_id: int, **user: Any) -> Message:
        """Send /newkey and return the confirmation message as Telegram stored it."""
        await self.send(user_id, "/newkey", **user)
        return self.fake.sent_messages[-1]

    async def authorize(self, key: str) -> AuthOutcome:
        return (await self.storage.accounts.authorize("alice", key, 1)).outcome

    async def actions(self) -> list[tuple[str, str]]:
        return [(a.actor, a.action) for a in await self.storage.admin.history("alice")]


@pytest.fixture
def bot_harness_type() -> type[BotHarness]:
    return NewKeyBot


@pytest.fixture
def tested(bot_harness: BotHarness) -> NewKeyBot:
    assert isinstance(bot_harness, NewKeyBot)
    return bot_harness


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
