"""The examples every /start and /help show: the address, a curl line and an SDK script,
calling a model this service can call now, through the production dispatcher."""

from __future__ import annotations

import json
import re

import pytest

from bot.render import KEY_PLACEHOLDER, USERNAME_PLACEHOLDER
from bot.texts import ENGLISH, RUSSIAN, Texts
from tests.bot_harness import BASE_URL, BotHarness, key_of, open_bot_harness, served_price_list
from tests.clock import FakeClock

CODE = re.compile(r'<pre><code class="language-(\w+)">(.*?)</code></pre>', re.S)


def curl_body(text: str) -> dict[str, object]:
    """The JSON body of the (only) curl example in a reply."""
    [curl] = [code for language, code in CODE.findall(text) if language == "bash"]
    assert curl.startswith(f"curl {BASE_URL}/v1/chat/completions")
    body: dict[str, object] = json.loads(curl.split("-d '", 1)[1].rsplit("'", 1)[0])
    return body


def sdk_script(text: str) -> str:
    [script] = [code for _, code in CODE.findall(text) if "from openai import OpenAI" in code]
    compile(script, "example.py", "exec")
    return str(script)


@pytest.mark.parametrize(
    ("configured", "model"),
    [(("anthropic",), "claude-3-5-haiku-latest"), ((), "echo"), (("openai",), "gpt-4o-mini")],
)
async def test_a_new_users_examples_call_a_model_this_service_serves(
    sqlite_url: str, clock: FakeClock, configured: tuple[str, ...], model: str
) -> None:
    prices = served_price_list(*configured)
    async with open_bot_harness(sqlite_url, clock, prices=prices) as bot:
        text = await bot.reply(42, "/start", username="alice")
    assert curl_body(text)["model"] == model
    assert f'model="{model}"' in sdk_script(text)
    [requests] = [code for _, code in CODE.findall(text) if "import requests" in code]
    assert f'"model": "{model}",' in requests
    assert ("gpt-4o-mini" in text) == ("openai" in configured)


async def test_a_returning_user_sees_the_examples_again_without_the_key(
    bot_harness: BotHarness,
) -> None:
    key = await bot_harness.register(42, "alice")
    text = await bot_harness.reply(42, "/start", username="alice")
    assert key not in text
    assert curl_body(text) == {
        "username": "alice",
        "key": KEY_PLACEHOLDER,
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "Hello!"}],
    }
    script = sdk_script(text)
    assert f'base_url="{BASE_URL}/v1"' in script
    assert f'api_key="{KEY_PLACEHOLDER}"' in script
    assert f"<code>{BASE_URL}</code>" in text


@pytest.mark.parametrize("texts", [ENGLISH, RUSSIAN], ids=["en", "ru"])
async def test_help_names_models_prices_docs_and_shows_a_first_call(
    bot_harness: BotHarness, texts: Texts
) -> None:
    language = "ru" if texts is RUSSIAN else "en"
    await bot_harness.register(42, "alice")
    text = await bot_harness.reply(42, "/help", language_code=language)
    assert "/models - " in text
    assert f"<code>{BASE_URL}/v1/models</code>" in text
    assert f"{BASE_URL}/docs" in text
    assert curl_body(text)["username"] == "alice"
    assert curl_body(text)["model"] == "gpt-4o-mini"
    sdk_script(text)


async def test_help_before_start_uses_placeholders(bot_harness: BotHarness) -> None:
    text = await bot_harness.reply(42, "/help")
    body = curl_body(text)
    assert (body["username"], body["key"]) == (USERNAME_PLACEHOLDER, KEY_PLACEHOLDER)
    assert await bot_harness.accounts.by_telegram_id(42) is None


async def test_usage_points_to_help_which_shows_a_first_call(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    usage = await bot_harness.reply(42, "/usage")
    assert usage == ENGLISH.usage_empty
    assert "/help" in usage
    curl_body(await bot_harness.reply(42, "/help"))


async def test_the_key_shown_once_is_the_one_in_every_example(bot_harness: BotHarness) -> None:
    text = await bot_harness.reply(42, "/start", username="alice")
    key = key_of(text)
    assert curl_body(text)["key"] == key
    assert f'api_key="{key}"' in sdk_script(text)
