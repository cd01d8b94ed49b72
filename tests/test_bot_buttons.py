"""The buttons under /start (Balance, Usage, Images, New key, Models, Help) and the command
menu.

A button must answer exactly as its command does, so each test sends the command, presses
the button, and compares every message, photo and album the bot sent for the two.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.runner import bot_commands
from bot.texts import ENGLISH, RUSSIAN, Texts
from storage.models import CallRecord
from tests.bot_harness import BotHarness, buttons, png
from tests.fakes.telegram import callback_update, message_update

#: Each button's label (English, Russian) and the command it stands for.
PAIRS = [
    ("Balance", "Баланс", "/balance"),
    ("Usage", "Расходы", "/usage"),
    ("Images", "Изображения", "/images"),
    ("New key", "Новый ключ", "/newkey"),
    ("Models", "Модели", "/models"),
    ("Help", "Помощь", "/help"),
]
SENDS = ("sendmessage", "sendphoto", "sendmediagroup")

Sent = list[tuple[str, dict[str, Any], list[bytes]]]


def without_attachment_names(value: Any) -> Any:
    """`attach://<name>` references with the name (random per send) left out."""
    if isinstance(value, str) and value.startswith("attach://"):
        return "attach://"
    if isinstance(value, list):
        return [without_attachment_names(item) for item in value]
    if isinstance(value, dict):
        return {key: without_attachment_names(item) for key, item in value.items()}
    return value


async def sent_for(tested: BotHarness, raw: dict[str, Any]) -> Sent:
    """What the bot sent for one update: method, params and file bytes; uploads' random
    part names are left out, so two sends of the same photos compare equal."""
    before = len(tested.fake.calls)
    await tested.feed(raw)
    sent: Sent = []
    for call in tested.fake.calls[before:]:
        if call.method.lower() in SENDS:
            params = {k: v for k, v in call.params.items() if k not in call.files}
            files = sorted(call.files.values())
            sent.append((call.method.lower(), without_attachment_names(params), files))
    return sent


async def command(tested: BotHarness, user_id: int, text: str, language: str = "en") -> Sent:
    update_id = tested.next_id()
    raw = message_update(update_id, update_id, user_id, text, language_code=language)
    return await sent_for(tested, raw)


async def press(
    tested: BotHarness, user_id: int, message: dict[str, Any], label: str, language: str = "en"
) -> Sent:
    update_id = tested.next_id()
    data = buttons(message)[label]
    raw = callback_update(
        update_id, f"q{update_id}", user_id, data, message, language_code=language
    )
    return await sent_for(tested, raw)


async def start_message(tested: BotHarness, user_id: int, language: str = "en") -> dict[str, Any]:
    """The bot's /start message (with its keyboard) as Telegram stored it."""
    await command(tested, user_id, "/start", language)
    return tested.fake.sent_messages[-1]


async def test_new_users_start_has_the_six_buttons(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42)
    assert set(buttons(message)) == {english for english, _, _ in PAIRS}


async def test_returning_users_start_has_the_same_buttons(bot_harness: BotHarness) -> None:
    first = await start_message(bot_harness, 42)
    second = await start_message(bot_harness, 42)
    assert buttons(second) == buttons(first)


async def test_russian_start_has_russian_buttons(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42, "ru")
    assert set(buttons(message)) == {russian for _, russian, _ in PAIRS}


@pytest.mark.parametrize(("label", "text"), [(en, text) for en, _, text in PAIRS])
async def test_each_button_answers_as_its_command(
    bot_harness: BotHarness, label: str, text: str
) -> None:
    message = await start_message(bot_harness, 42)
    by_command = await command(bot_harness, 42, text)
    assert by_command
    assert await press(bot_harness, 42, message, label) == by_command


@pytest.mark.parametrize(("label", "text"), [(ru, text) for _, ru, text in PAIRS])
async def test_each_russian_button_answers_as_its_command(
    bot_harness: BotHarness, label: str, text: str
) -> None:
    message = await start_message(bot_harness, 42, "ru")
    by_command = await command(bot_harness, 42, text, "ru")
    assert await press(bot_harness, 42, message, label, "ru") == by_command


async def test_usage_button_sends_the_same_text_and_chart(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42)
    account = await bot_harness.accounts.by_telegram_id(42)
    assert account is not None
    await bot_harness.accounts.finish_call(
        CallRecord("req-1", account.id, "/v1/chat/completions", "openai", "gpt-4o-mini",
                   200, 10, 20, 1_000, 0, 5)
    )  # fmt: skip
    by_command = await command(bot_harness, 42, "/usage")
    assert [method for method, _, _ in by_command] == ["sendmessage", "sendphoto"]
    assert await press(bot_harness, 42, message, "Usage") == by_command


async def test_images_button_sends_the_same_album(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42)
    stored = [
        await bot_harness.store_image("id42", color, png(color))
        for color in ("red", "green", "blue")
    ]
    by_command = await command(bot_harness, 42, "/images")
    assert [method for method, _, _ in by_command] == ["sendmediagroup"]
    assert len(by_command[0][2]) == 3
    # The command left Telegram's file ids behind: start the button from the same state.
    await bot_harness.storage.images.forget_telegram_files(
        stored[0].account_id, [image.id for image in stored]
    )
    assert await press(bot_harness, 42, message, "Images") == by_command


@pytest.mark.parametrize(("label", "text"), [(en, text) for en, _, text in PAIRS])
async def test_buttons_answer_an_unregistered_user_as_the_commands_do(
    bot_harness: BotHarness, label: str, text: str
) -> None:
    """As after the idle-data job: the buttons are still in the chat, the account is gone."""
    message = {**await start_message(bot_harness, 42), "chat": {"id": 43, "type": "private"}}
    by_command = await command(bot_harness, 43, text)
    assert await press(bot_harness, 43, message, label) == by_command
    assert await bot_harness.accounts.by_telegram_id(43) is None


async def test_a_press_is_answered(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42)
    await press(bot_harness, 42, message, "Balance")
    assert len(bot_harness.fake.calls_to("answerCallbackQuery")) == 1


async def test_the_menu_buttons_stay_after_a_press(bot_harness: BotHarness) -> None:
    message = await start_message(bot_harness, 42)
    await press(bot_harness, 42, message, "Help")
    assert bot_harness.fake.calls_to("editMessageReplyMarkup") == []


@pytest.mark.parametrize("texts", [ENGLISH, RUSSIAN], ids=["en", "ru"])
def test_menu_and_help_list_every_user_command(texts: Texts) -> None:
    user_commands = {"start", "balance", "models", "newkey", "usage", "images", "topup"}
    user_commands |= {"lang", "help"}
    assert {command.command for command in bot_commands(texts)} == user_commands
    for name in user_commands:
        assert f"/{name} - " in texts.help


@pytest.mark.parametrize("texts", [ENGLISH, RUSSIAN], ids=["en", "ru"])
def test_admin_commands_stay_out_of_the_menu(texts: Texts) -> None:
    menu = {command.command for command in bot_commands(texts)}
    assert menu.isdisjoint({"unblock", "block", "credit", "user", "stats", "refund"})
