"""Updates shaped as Telegram sends them, for feeding a dispatcher or the fake's getUpdates."""

from __future__ import annotations

import time
from typing import Any


def message_update(
    update_id: int,
    message_id: int,
    user_id: int,
    text: str,
    *,
    username: str | None = None,
    language_code: str | None = "en",
    first_name: str = "Test",
    chat_type: str = "private",
) -> dict[str, Any]:
    """An Update dict as Telegram sends it for a text message (commands get their entity)."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    if chat_type == "private":
        chat = {k: v for k, v in user.items() if k in ("id", "first_name", "username")}
        chat["type"] = "private"
    else:
        chat = {"id": -1_000_000_000_000 - user_id, "type": chat_type, "title": "Test group"}
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": user,
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int,
    query_id: str,
    user_id: int,
    data: str,
    message: dict[str, Any],
    *,
    language_code: str | None = "en",
    first_name: str = "Test",
) -> dict[str, Any]:
    """An Update dict as Telegram sends it when a user presses an inline button.

    `message` is the bot's message that carries the button (see `FakeTelegram.sent_messages`).
    """
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        user["language_code"] = language_code
    query = {
        "id": query_id,
        "from": user,
        "message": message,
        "chat_instance": f"-{user_id}0{message['chat']['id']}",
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


def pre_checkout_update(
    update_id: int,
    query_id: str,
    user_id: int,
    payload: str,
    total_amount: int,
    *,
    currency: str = "XTR",
    language_code: str | None = "en",
) -> dict[str, Any]:
    """An Update dict as Telegram sends it when a user confirms paying an invoice."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Test"}
    if language_code is not None:
        user["language_code"] = language_code
    query = {
        "id": query_id,
        "from": user,
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": payload,
    }
    return {"update_id": update_id, "pre_checkout_query": query}


def successful_payment_update(
    update_id: int,
    message_id: int,
    user_id: int,
    payload: str,
    total_amount: int,
    charge_id: str,
    *,
    currency: str = "XTR",
    language_code: str | None = "en",
) -> dict[str, Any]:
    """An Update dict as Telegram sends it after a payment: a service message in the chat."""
    update = message_update(update_id, message_id, user_id, "", language_code=language_code)
    message = update["message"]
    del message["text"]
    message["successful_payment"] = {
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": payload,
        "telegram_payment_charge_id": charge_id,
        "provider_payment_charge_id": "",
    }
    return update
