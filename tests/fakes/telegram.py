"""A fake Telegram Bot API server: a real aiohttp app on 127.0.0.1 that answers like Telegram.

It serves `/bot{token}/{method}`, reads JSON, urlencoded and multipart bodies (aiogram posts
multipart, with nested fields such as `reply_markup` as JSON strings), records every call
and answers the methods a bot needs: getMe, setMyCommands, deleteWebhook, setWebhook,
sendMessage (its messages, inline keyboard included, are kept in `sent_messages`), sendPhoto
and sendMediaGroup (albums; every photo kept in `sent_photos` with its bytes, see
`tests.fakes.telegram_media`), sendInvoice, refundStarPayment, getUpdates (a real long poll)
and close/logOut; any other method (answerCallbackQuery, editMessageReplyMarkup, ...) answers
`true`. Like Telegram it refuses getUpdates while a webhook is set and rejects text and
captions whose HTML it cannot parse, so escaping bugs fail tests. A base URL with a path
(`<url>/replica-a`) is served too, and each call records that prefix as `via`.

Waiting (the long poll, `wait_for_call`) is event-driven (`tests.fakes.telegram_wait`): a
change wakes the waiters, so nothing sleeps in a loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from tests.fakes.server import serve_app
from tests.fakes.telegram_html import ApiError, plain_text
from tests.fakes.telegram_media import FakeMedia, SentPhoto
from tests.fakes.telegram_params import Call, read_params
from tests.fakes.telegram_updates import (
    callback_update,
    message_update,
    pre_checkout_update,
    successful_payment_update,
)
from tests.fakes.telegram_wait import Changes

__all__ = [
    "ApiError",
    "Call",
    "FakeTelegram",
    "SentPhoto",
    "callback_update",
    "message_update",
    "plain_text",
    "pre_checkout_update",
    "serve_fake_telegram",
    "successful_payment_update",
]

Predicate = Callable[[Call], bool]
Answer = Callable[[Call, str], Awaitable[Any]]

_MAX_TEXT = 4096
#: Telegram takes multipart uploads of up to 50 MB (an album of ten 1024px PNGs fits).
_MAX_UPLOAD = 50 * 1024 * 1024


class FakeTelegram:
    """State of one fake Bot API server; `app()` builds its aiohttp application."""

    def __init__(self, bot_username: str = "myapi_test_bot", token: str | None = None) -> None:
        self.bot_username = bot_username
        self.token = token  # when set, any other token gets 401 like a revoked one
        self.calls: list[Call] = []
        #: Every message sendMessage returned, as Telegram returned it.
        self.sent_messages: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        #: When set to an unset Event, sendMessage answers only once it is set (a slow API).
        self.reply_gate: asyncio.Event | None = None
        #: Charges refundStarPayment returned; a second refund of one is refused as Telegram does.
        self.refunded_charges: set[str] = set()
        #: When set, refundStarPayment fails with this 400 description.
        self.refund_error: str | None = None
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._closed = False
        self._changes = Changes()
        self.media = FakeMedia(self._new_message)
        self._answers: dict[str, Answer] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "sendphoto": self.media.send_photo,
            "sendmediagroup": self.media.send_media_group,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "sendinvoice": self._send_invoice,
            "refundstarpayment": self._refund_star_payment,
        }

    def app(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{via}/bot{token}/{method}", self._handle)
        return app

    @property
    def sent_photos(self) -> list[SentPhoto]:
        """Every photo sent (sendPhoto and album items), in order, with its bytes."""
        return self.media.sent_photos

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue `update` for getUpdates (numbering it when it has no update_id)."""
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self._updates.append(update)
        self._changes.notify()
        return update

    def make_message_update(
        self, user_id: int, text: str, username: str | None = None, language_code: str = "en"
    ) -> dict[str, Any]:
        """A private-chat text message from `user_id`, numbered after the queued updates."""
        update_id, self._next_update_id = self._next_update_id, self._next_update_id + 1
        return message_update(
            update_id,
            self._new_message_id(),
            user_id,
            text,
            username=username,
            language_code=language_code,
        )

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for_call(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a test helper's own bound: it must never hang
    ) -> Call:
        """The first call to `method` (past or future) matching `predicate`, within `timeout`."""

        def find() -> Call | None:
            matches = (c for c in self.calls_to(method) if predicate is None or predicate(c))
            return next(matches, None)

        call = await self._changes.wait_for(find, timeout)
        if call is None:
            seen = [c.method for c in self.calls]
            raise AssertionError(f"no matching {method} call within {timeout}s; calls: {seen}")
        return call

    def close(self) -> None:
        """End pending long polls (with no updates) and held replies, so the server can stop."""
        self._closed = True
        if self.reply_gate is not None:
            self.reply_gate.set()
        self._changes.notify()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        files: dict[str, bytes] = {}
        via = request.match_info.get("via", "")
        call = Call(method, await read_params(request, files), files, via)
        self.calls.append(call)
        self._changes.notify()
        answer = self._answers.get(method.lower(), _always_true)
        token = request.match_info["token"]
        try:
            if self.token is not None and token != self.token:
                raise ApiError(401, "Unauthorized")
            result = await answer(call, token)
        except ApiError as error:
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return web.json_response(body, status=error.status)
        return web.json_response({"ok": True, "result": result})

    def _new_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id - 1

    def _new_message(self, chat_id: Any, token: str) -> dict[str, Any]:
        """A new message's common fields, numbered in the one sequence of this server."""
        return {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": _chat_type(chat_id)},
            "from": self._bot_user(token),
        }

    def _bot_user(self, token: str) -> dict[str, Any]:
        bot_id = token.split(":", 1)[0]
        return {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": "myapi test bot",
            "username": self.bot_username,
        }

    async def _get_me(self, call: Call, token: str) -> Any:
        return {**self._bot_user(token), "can_join_groups": True, "supports_inline_queries": False}

    async def _send_message(self, call: Call, token: str) -> Any:
        params = call.params
        if self.reply_gate is not None:
            await self.reply_gate.wait()
        text = str(params.get("text", ""))
        shown = plain_text(text) if params.get("parse_mode") == "HTML" else text
        if not shown.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(shown) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        message = {**self._new_message(params["chat_id"], token), "text": shown}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup  # Telegram echoes only inline keyboards
        self.sent_messages.append(message)
        return message

    async def _get_updates(self, call: Call, token: str) -> Any:
        params = call.params
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        if offset:  # Telegram forgets every update below the offset once it is asked for
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def ready() -> list[dict[str, Any]] | None:
            batch = [u for u in self._updates if u["update_id"] >= offset][:limit]
            return batch if batch or self._closed else None

        return await self._changes.wait_for(ready, float(params.get("timeout") or 0)) or []

    async def _set_webhook(self, call: Call, token: str) -> Any:
        self.webhook_url = str(call.params["url"])
        self.webhook_secret = call.params.get("secret_token")
        return True

    async def _delete_webhook(self, call: Call, token: str) -> Any:
        self.webhook_url, self.webhook_secret = "", None
        return True

    async def _send_invoice(self, call: Call, token: str) -> Any:
        """Like Telegram for Stars: XTR, no provider token, one price, plain-text fields."""
        params = call.params
        prices = params.get("prices") or []
        if params.get("currency") != "XTR" or params.get("provider_token"):
            raise ApiError(400, "Bad Request: Stars invoices need XTR and no provider token")
        if len(prices) != 1 or int(prices[0]["amount"]) <= 0:
            raise ApiError(400, "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID")
        if not 1 <= len(str(params.get("title", ""))) <= 32:
            raise ApiError(400, "Bad Request: INVOICE_TITLE_INVALID")
        return {
            **self._new_message(params["chat_id"], token),
            "invoice": {
                "title": params["title"],
                "description": params["description"],
                "start_parameter": "",
                "currency": "XTR",
                "total_amount": int(prices[0]["amount"]),
            },
        }

    async def _refund_star_payment(self, call: Call, token: str) -> Any:
        charge_id = str(call.params["telegram_payment_charge_id"])
        if self.refund_error is not None:
            raise ApiError(400, f"Bad Request: {self.refund_error}")
        if charge_id in self.refunded_charges:
            raise ApiError(400, "Bad Request: CHARGE_ALREADY_REFUNDED")
        self.refunded_charges.add(charge_id)
        return True


def _chat_type(chat_id: object) -> str:
    """Telegram's id convention: users are positive, groups negative, channels `@name`."""
    if isinstance(chat_id, int):
        return "private" if chat_id > 0 else "supergroup"
    return "channel"


async def _always_true(call: Call, token: str) -> Any:
    return True


@asynccontextmanager
async def serve_fake_telegram(
    fake: FakeTelegram | None = None,
) -> AsyncIterator[tuple[FakeTelegram, str]]:
    """Run a fake on a free loopback port; yields it and its base URL (TELEGRAM_API_BASE)."""
    fake = fake or FakeTelegram()
    async with serve_app(fake.app(), access_log=None, shutdown_timeout=5.0) as url:
        try:
            yield fake, url
        finally:
            fake.close()  # ends pending long polls first, so the server can stop at once
