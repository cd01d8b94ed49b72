"""/start through the production dispatcher, with real storage and a fake Bot API server.

Updates are real `aiogram.types.Update` objects fed to `create_dispatcher(...)`; the bot's
replies are real HTTP calls to the fake Telegram on loopback, asserted as it recorded them.
"""

from __future__ import annotations

import ast
import json
import re

import pytest

from bot.texts import ENGLISH, RUSSIAN
from storage.models import AuthOutcome
from tests.bot_harness import BASE_URL, KEY_IN_CODE, BotHarness, key_of


@pytest.fixture
def tested(bot_harness: BotHarness) -> BotHarness:
    return bot_harness


@pytest.fixture
async def welcome(tested: BotHarness) -> str:
    """The text of a brand-new user's /start reply."""
    reply = await tested.send(42, "/start", username="Alice_Dev")
    return str(reply.params["text"])


async def test_start_answers_in_the_users_chat(tested: BotHarness) -> None:
    reply = await tested.send(42, "/start", username="alice")
    assert reply.params["chat_id"] == 42
    assert reply.params["parse_mode"] == "HTML"


async def test_start_registers_the_lowercased_telegram_username(
    tested: BotHarness, welcome: str
) -> None:
    account = await tested.accounts.by_telegram_id(42)
    assert account is not None
    assert account.username == "alice_dev"
    assert "<code>alice_dev</code>" in welcome


async def test_start_shows_a_key_that_authenticates(tested: BotHarness, welcome: str) -> None:
    authorization = await tested.accounts.authorize("alice_dev", key_of(welcome), 1)
    assert authorization.outcome is AuthOutcome.OK


async def test_start_shows_the_trial_balance(welcome: str) -> None:
    assert "Balance: <b>1.50 USD</b>" in welcome


async def test_start_shows_the_api_base_url(welcome: str) -> None:
    assert f"<code>{BASE_URL}</code>" in welcome


async def test_start_gives_a_curl_example_with_credentials_in_the_body(welcome: str) -> None:
    curl = re.search(r'<pre><code class="language-bash">(.*?)</code></pre>', welcome, re.S)
    assert curl is not None
    assert f"curl {BASE_URL}/v1/chat/completions" in curl.group(1)
    body = json.loads(curl.group(1).split("-d '", 1)[1].rsplit("'", 1)[0])
    assert body["username"] == "alice_dev"
    assert body["key"] == key_of(welcome)
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"][0]["role"] == "user"


def python_blocks(welcome: str) -> list[str]:
    """The Python examples in a welcome, in the order they are shown."""
    return re.findall(r'<pre><code class="language-python">(.*?)</code></pre>', welcome, re.S)


def json_argument(code: str) -> object:
    """The literal passed as `json=` to the example's call (read, never run)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "json":
                    return ast.literal_eval(keyword.value)
    raise AssertionError(f"no json= argument in {code}")


async def test_start_gives_a_requests_example_with_credentials_in_the_body(welcome: str) -> None:
    code = python_blocks(welcome)[0]
    assert "import requests" in code
    assert f'"{BASE_URL}/v1/chat/completions"' in code
    body = json_argument(code)
    assert isinstance(body, dict)
    assert body["username"] == "alice_dev"
    assert body["key"] == key_of(welcome)
    assert body["model"] == "gpt-4o-mini"


async def test_start_gives_an_openai_sdk_example(welcome: str) -> None:
    code = python_blocks(welcome)[1]
    assert "from openai import OpenAI" in code
    assert f'base_url="{BASE_URL}/v1"' in code
    assert f'api_key="{key_of(welcome)}"' in code
    compile(code, "example.py", "exec")


async def test_second_start_keeps_one_account(tested: BotHarness) -> None:
    first = await tested.send(42, "/start", username="alice")
    await tested.send(42, "/start", username="alice")
    account = await tested.accounts.by_telegram_id(42)
    assert account is not None
    assert account.balance == 1_500_000  # the trial credit was granted once
    authorization = await tested.accounts.authorize("alice", key_of(first.params["text"]), 1)
    assert authorization.outcome is AuthOutcome.OK  # the first key still works


async def test_second_start_shows_no_key(tested: BotHarness) -> None:
    first = await tested.send(42, "/start", username="alice")
    second = await tested.send(42, "/start", username="alice")
    assert key_of(first.params["text"]) not in second.params["text"]
    assert KEY_IN_CODE.search(second.params["text"]) is None


async def test_second_start_shows_the_account_and_how_to_get_a_new_key(
    tested: BotHarness,
) -> None:
    await tested.send(42, "/start", username="alice")
    second = str((await tested.send(42, "/start", username="alice")).params["text"])
    assert "<code>alice</code>" in second
    assert "Balance: <b>1.50 USD</b>" in second
    assert ENGLISH.status_active in second
    assert ENGLISH.key_lost in second
    assert "/newkey" in second


async def test_user_without_telegram_username_gets_id_name(tested: BotHarness) -> None:
    reply = await tested.send(777, "/start")
    account = await tested.accounts.by_telegram_id(777)
    assert account is not None
    assert account.username == "id777"
    assert "<code>id777</code>" in reply.params["text"]


async def test_taken_username_falls_back_to_id_name(tested: BotHarness) -> None:
    await tested.send(42, "/start", username="alice")
    await tested.send(43, "/start", username="ALICE")
    account = await tested.accounts.by_telegram_id(43)
    assert account is not None
    assert account.username == "id43"


async def test_russian_user_is_answered_in_russian(tested: BotHarness) -> None:
    reply = await tested.send(42, "/start", username="ivan", language_code="ru")
    assert RUSSIAN.key_once in reply.params["text"]
    assert "Баланс: <b>1.50 USD</b>" in reply.params["text"]


async def test_first_name_is_html_escaped(tested: BotHarness) -> None:
    reply = await tested.send(42, "/start", first_name="<b>x</b> & <script>")
    assert "Welcome, &lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;!" in reply.params["text"]


async def test_start_in_a_group_registers_nobody_and_posts_no_key(tested: BotHarness) -> None:
    reply = await tested.send(42, "/start", username="alice", chat_type="supergroup")
    assert reply.params["text"] == ENGLISH.private_only
    assert await tested.accounts.by_telegram_id(42) is None
