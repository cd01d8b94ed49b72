"""The bot's lifecycles: real polling against the fake Telegram, and the webhook route.

Each test builds its parts inside its own body, so that after they are torn down it can
check that nothing was left running.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramUnauthorizedError
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import (
    mount_webhook,
    polling_cleanup_ctx,
    polling_lifecycle,
    serve_bot,
    webhook_cleanup_ctx,
)
from bot.config import BotConfig
from bot.texts import ENGLISH, RUSSIAN
from tests.bot_harness import BotHarness, open_bot_harness
from tests.conftest import FakeClock
from tests.fakes.telegram import Call

TOKEN = "123456:TEST-secret-token"
WEBHOOK_URL = "https://bot.example.test/telegram/webhook"
WEBHOOK_PATH = "/telegram/webhook"
SECRET = "webhook-secret"


def bot_parts(tmp_path: Path) -> AbstractAsyncContextManager[BotHarness]:
    """Storage, the fake Telegram, and the production bot and dispatcher pointed at it."""
    return open_bot_harness(
        f"sqlite:///{tmp_path / 't.db'}",
        FakeClock(0),
        token=TOKEN,
        admin_ids=frozenset(),
        trial_credit=1_000_000,
    )


def to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.params.get("chat_id") == chat_id


def session_closed(bot: Bot) -> bool:
    """Whether the bot's HTTP session is closed (aiogram reopens it lazily on a new call)."""
    session = bot.session
    assert isinstance(session, AiohttpSession)
    return session._session is None or session._session.closed


def other_tasks() -> set[asyncio.Task[object]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


async def test_polling_sets_english_and_russian_command_menus(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts, polling_lifecycle(parts.bot, parts.dispatcher):
        menus = {c.params.get("language_code"): c for c in parts.fake.calls_to("setMyCommands")}
    assert menus[None].params["commands"][0] == {
        "command": "start",
        "description": ENGLISH.command_start,
    }
    assert menus["ru"].params["commands"][0]["description"] == RUSSIAN.command_start


async def test_polling_deletes_a_webhook_before_polling(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        parts.fake.webhook_url = "https://old.example.test/hook"
        async with polling_lifecycle(parts.bot, parts.dispatcher):
            await parts.fake.wait_for_call("getUpdates")
        methods = [call.method for call in parts.fake.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert parts.fake.calls_to("deleteWebhook")[0].params.get("drop_pending_updates") is False


async def test_polling_answers_a_pushed_start(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        async with polling_lifecycle(parts.bot, parts.dispatcher):
            parts.fake.push_update(parts.fake.make_message_update(42, "/start", "alice"))
            reply = await parts.fake.wait_for_call("sendMessage", to(42))
        assert await parts.accounts.by_username("alice") is not None
    assert "<code>alice</code>" in reply.params["text"]


async def test_polling_stops_cleanly_and_leaves_no_tasks(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        async with polling_lifecycle(parts.bot, parts.dispatcher):
            await parts.fake.wait_for_call("getUpdates")
        assert session_closed(parts.bot)
    assert other_tasks() == set()


async def test_polling_stop_lets_a_running_handler_finish(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stopped = asyncio.Event()
    async with bot_parts(tmp_path) as parts:
        parts.dispatcher.shutdown.register(stopped.set)
        parts.fake.reply_gate = asyncio.Event()
        lifecycle = polling_lifecycle(parts.bot, parts.dispatcher)
        with caplog.at_level(logging.WARNING):
            await lifecycle.__aenter__()
            parts.fake.push_update(parts.fake.make_message_update(42, "/start", "alice"))
            await parts.fake.wait_for_call("sendMessage", to(42))
            exiting = asyncio.create_task(lifecycle.__aexit__(None, None, None))
            await stopped.wait()  # polling has stopped while the reply is still held
            parts.fake.reply_gate.set()
            await exiting
        assert await parts.accounts.by_username("alice") is not None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert other_tasks() == set()


async def test_polling_stop_cancels_a_handler_after_the_grace_period(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with bot_parts(tmp_path) as parts:
        parts.fake.reply_gate = asyncio.Event()  # never set: the reply hangs
        with caplog.at_level(logging.WARNING, logger="bot.middlewares"):
            async with polling_lifecycle(parts.bot, parts.dispatcher, drain_seconds=0.05):
                parts.fake.push_update(parts.fake.make_message_update(42, "/start", "alice"))
                await parts.fake.wait_for_call("sendMessage", to(42))
    assert "cancelling 1 bot updates" in caplog.text
    assert other_tasks() == set()


async def test_polling_with_a_wrong_token_fails_at_start(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        parts.fake.token = "123456:the-real-token"
        with pytest.raises(TelegramUnauthorizedError):
            async with polling_lifecycle(parts.bot, parts.dispatcher):
                pytest.fail("polling must not start with a wrong token")
        assert session_closed(parts.bot)
        assert parts.fake.calls_to("getUpdates") == []
    assert other_tasks() == set()


async def test_polling_runs_inside_an_aiohttp_app(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        app = web.Application()
        app.cleanup_ctx.append(polling_cleanup_ctx(parts.bot, parts.dispatcher))
        async with TestClient(TestServer(app)):
            parts.fake.push_update(parts.fake.make_message_update(7, "/help"))
            reply = await parts.fake.wait_for_call("sendMessage", to(7))
    assert "/balance" in reply.params["text"]


async def test_polling_never_logs_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with bot_parts(tmp_path) as parts, polling_lifecycle(parts.bot, parts.dispatcher):
            parts.fake.push_update(parts.fake.make_message_update(42, "/start", "alice"))
            await parts.fake.wait_for_call("sendMessage", to(42))
    assert "polling mode" in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


@asynccontextmanager
async def webhook_app(
    parts: BotHarness,
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    mount_webhook(app, parts.dispatcher, parts.bot, WEBHOOK_PATH, SECRET)
    app.cleanup_ctx.append(webhook_cleanup_ctx(parts.bot, parts.dispatcher, WEBHOOK_URL, SECRET))
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_webhook_registers_its_url_and_secret(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts, webhook_app(parts):
        call = await parts.fake.wait_for_call("setWebhook")
    assert call.params["url"] == WEBHOOK_URL
    assert call.params["secret_token"] == SECRET
    assert "message" in call.params["allowed_updates"]


async def test_webhook_answers_an_update_with_the_secret(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts, webhook_app(parts) as client:
        update = parts.fake.make_message_update(42, "/start", "alice")
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status == 200
        reply = await parts.fake.wait_for_call("sendMessage", to(42))
    assert "<code>alice</code>" in reply.params["text"]


async def test_webhook_refuses_an_update_without_the_secret(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        async with webhook_app(parts) as client:
            update = parts.fake.make_message_update(42, "/start", "alice")
            headers = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
        assert response.status == 401
        assert await parts.accounts.by_username("alice") is None
    assert parts.fake.calls_to("sendMessage") == []


async def test_webhook_exit_keeps_the_webhook_and_closes_the_session(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        async with webhook_app(parts):
            await parts.fake.wait_for_call("setWebhook")
        assert parts.fake.webhook_url == WEBHOOK_URL
        assert parts.fake.calls_to("deleteWebhook") == []
        assert session_closed(parts.bot)
    assert other_tasks() == set()


def app_serving_bot(parts: BotHarness, config: BotConfig, *, webhook: bool) -> web.Application:
    """An app whose bot starts in a cleanup_ctx entry, as the composition root runs it."""
    app = web.Application()

    async def bot_context(app: web.Application) -> AsyncIterator[None]:
        async with serve_bot(app, config, parts.storage, webhook=webhook):
            yield

    app.cleanup_ctx.append(bot_context)
    return app


async def test_serve_bot_polls_while_the_app_runs(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        async with TestClient(TestServer(app_serving_bot(parts, parts.config, webhook=False))):
            parts.fake.push_update(parts.fake.make_message_update(42, "/start", "alice"))
            reply = await parts.fake.wait_for_call("sendMessage", to(42))
        assert "<code>alice</code>" in reply.params["text"]
    assert other_tasks() == set()


async def test_serve_bot_mounts_the_webhook_route_at_startup(tmp_path: Path) -> None:
    async with bot_parts(tmp_path) as parts:
        config = dataclasses.replace(parts.config, webhook_url=WEBHOOK_URL, webhook_secret=SECRET)
        app = app_serving_bot(parts, config, webhook=True)
        async with TestClient(TestServer(app)) as client:
            update = parts.fake.make_message_update(42, "/start", "alice")
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            response = await client.post(WEBHOOK_PATH, json=update, headers=headers)
            assert response.status == 200
            reply = await parts.fake.wait_for_call("sendMessage", to(42))
        assert "<code>alice</code>" in reply.params["text"]
        assert parts.fake.webhook_url == WEBHOOK_URL
