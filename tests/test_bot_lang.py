"""/lang: the language chosen with a button is stored and wins over Telegram's language.

Same set-up as test_bot_newkey: real Update objects fed to the production dispatcher, real
SQLite storage, the bot's calls recorded by the fake Telegram server over loopback HTTP.
"""

from __future__ import annotations

from bot.runner import bot_commands
from bot.texts import ENGLISH, LANGUAGE_NAMES, RUSSIAN
from tests.bot_harness import BotHarness, Message, buttons
from tests.fakes.telegram import callback_update


async def offer(tested: BotHarness, user_id: int, language_code: str = "en") -> Message:
    """Send /lang; return the message with the buttons, as Telegram stored it."""
    await tested.send(user_id, "/lang", language_code=language_code)
    return tested.fake.sent_messages[-1]


async def test_lang_offers_both_languages_named_in_themselves(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    message = await offer(bot_harness, 42)
    assert message["text"] == ENGLISH.lang_choose
    assert list(buttons(message)) == ["English", "Русский"]


async def test_choosing_russian_answers_in_russian(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    reply = await bot_harness.press(42, await offer(bot_harness, 42), "Русский")
    assert reply.params["text"] == RUSSIAN.lang_set


async def test_chosen_russian_wins_over_an_english_telegram(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.press(42, await offer(bot_harness, 42), "Русский")
    assert await bot_harness.reply(42, "hello", language_code="en") == RUSSIAN.unknown_command
    assert (await bot_harness.account("alice")).language == "ru"


async def test_chosen_english_wins_over_a_russian_telegram(bot_harness: BotHarness) -> None:
    await bot_harness.reply(42, "/start", username="ivan", language_code="ru")
    await bot_harness.press(42, await offer(bot_harness, 42, "ru"), "English", language_code="ru")
    assert await bot_harness.reply(42, "hello", language_code="ru") == ENGLISH.unknown_command


async def test_the_choice_can_be_changed_back(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.press(42, await offer(bot_harness, 42), "Русский")
    reply = await bot_harness.press(42, await offer(bot_harness, 42), "English")
    assert reply.params["text"] == ENGLISH.lang_set
    assert await bot_harness.reply(42, "hello", language_code="ru") == ENGLISH.unknown_command


async def test_without_a_choice_telegrams_language_still_decides(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    assert await bot_harness.reply(42, "hello", language_code="ru") == RUSSIAN.unknown_command


async def test_choice_removes_the_buttons(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    message = await offer(bot_harness, 42)
    await bot_harness.press(42, message, "Русский")
    [edit] = bot_harness.fake.calls_to("editMessageReplyMarkup")
    assert (edit.params["chat_id"], edit.params["message_id"]) == (42, message["message_id"])
    assert len(bot_harness.fake.calls_to("answerCallbackQuery")) == 1


async def test_lang_without_an_account_points_to_start(bot_harness: BotHarness) -> None:
    assert await bot_harness.reply(42, "/lang") == ENGLISH.not_registered
    assert await bot_harness.reply(42, "/lang", language_code="ru") == RUSSIAN.not_registered


async def test_a_forged_language_changes_nothing(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    message = await offer(bot_harness, 42)
    sent = len(bot_harness.fake.calls_to("sendMessage"))
    await bot_harness.feed(callback_update(900, "q900", 42, "lang:de", message))
    assert len(bot_harness.fake.calls_to("sendMessage")) == sent
    assert (await bot_harness.account("alice")).language == "en"
    assert await bot_harness.reply(42, "hello") == ENGLISH.unknown_command


async def test_a_choice_touches_only_the_pressers_account(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.register(43, "bob")
    await bot_harness.press(43, await offer(bot_harness, 42), "Русский")
    assert (await bot_harness.account("alice")).language == "en"
    assert await bot_harness.reply(42, "hello") == ENGLISH.unknown_command


def test_command_menu_lists_lang_and_usage_in_both_languages() -> None:
    for texts in (ENGLISH, RUSSIAN):
        commands = {command.command for command in bot_commands(texts)}
        assert {"lang", "usage"} <= commands
    assert set(LANGUAGE_NAMES) == {ENGLISH.language, RUSSIAN.language}
