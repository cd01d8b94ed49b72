"""Two replicas in `BOT_MODE=webhook` behind one token and one PostgreSQL database: any
replica takes any update, because everything the bot remembers between updates is in the
database or in the button pressed.

The test plays Telegram behind a load balancer: it posts each update to one replica's
webhook (with the secret derived from the token) and the next one of the same conversation
to the other. Registration, /newkey's single-use confirmation, /lang, a Stars payment
(invoice, checkout, payment, a repeated delivery) and /images' Load more all cross
replicas, and the key works on both.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import derive_webhook_secret
from storage import AccessPolicy, open_storage
from tests.bot_harness import buttons, key_of, png
from tests.fakes.telegram import (
    Call,
    callback_update,
    message_update,
    pre_checkout_update,
    serve_fake_telegram,
    successful_payment_update,
)
from tests.fakes.upstream import FakeUpstream, serve
from tests.replicas import Replicas, running_replicas
from tests.stored_images import new_image, stored

USER = 5001
WEBHOOK_PATH = "/telegram/webhook"
CHAT_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


class Conversation:
    """One user's updates, numbered as Telegram numbers them, posted to either replica."""

    def __init__(self, replicas: Replicas) -> None:
        self.replicas = replicas
        self._ids = itertools.count(1)
        self.secret = derive_webhook_secret(replicas.token)

    async def post(self, via: str, update: dict[str, Any]) -> None:
        url = f"{self.replicas.services[via].base_url}{WEBHOOK_PATH}"
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret}
        async with httpx.AsyncClient() as client:
            response = await client.post(url, json=update, headers=headers, timeout=10)
        assert response.status_code == 200

    def message(self, reply: Call) -> dict[str, Any]:
        """The message the fake answered a sendMessage call with, buttons included."""
        index = self.replicas.telegram.calls_to("sendMessage").index(reply)
        return self.replicas.telegram.sent_messages[index]

    async def say(self, via: str, text: str, **user: Any) -> Call:
        """Post a message to replica `via`; its reply, made by that same replica."""
        mark = len(self.replicas.telegram.calls)
        number = next(self._ids)
        await self.post(via, message_update(number, number, USER, text, **user))
        return await self.replicas.next_call(mark, "sendMessage", via)

    async def press(self, via: str, message: dict[str, Any], label: str) -> int:
        """Press a button of `message` at replica `via`; the mark to look for its effects."""
        mark = len(self.replicas.telegram.calls)
        number = next(self._ids)
        data = buttons(message)[label]
        await self.post(via, callback_update(number, f"q{number}", USER, data, message))
        return mark


@pytest.fixture
async def replicas(tmp_path: Path, postgres_url: str) -> AsyncIterator[Replicas]:
    upstream = FakeUpstream()
    async with (
        serve(upstream) as upstream_url,
        serve_fake_telegram() as (telegram, telegram_url),
        running_replicas(
            tmp_path,
            ("a", "b"),
            telegram,
            telegram_url,
            postgres_url,
            BOT_MODE="webhook",
            WEBHOOK_URL=f"https://bot.example.test{WEBHOOK_PATH}",
            OPENAI_BASE_URL=upstream_url,
            OPENAI_API_KEY="sk-replicas-operator",
        ) as started,
    ):
        yield started


async def chat_status(replicas: Replicas, via: str, key: str) -> int:
    url = f"{replicas.services[via].base_url}/v1/chat/completions"
    async with httpx.AsyncClient() as client:
        response = await client.post(
            url, json=CHAT_BODY, headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
    return response.status_code


async def ledger_kinds(postgres_url: str) -> list[str]:
    storage = await open_storage(postgres_url, AccessPolicy(), lambda: 1_800_000_000)
    try:
        rows = await storage.database.fetch_all("SELECT kind FROM ledger ORDER BY id")
    finally:
        await storage.close()
    return [row["kind"] for row in rows]


async def store_images(postgres_url: str, count: int) -> None:
    """`count` images in the user's library, as the API stores generated ones."""
    storage = await open_storage(postgres_url, AccessPolicy(), lambda: 1_800_000_000)
    try:
        account = await storage.accounts.by_telegram_id(USER)
        assert account is not None
        for n in range(count):
            await stored(storage, new_image(account.id, f"image {n}", data=png((n, 0, 0))))
    finally:
        await storage.close()


async def test_one_conversation_moves_between_replicas_and_nothing_is_lost(
    replicas: Replicas, postgres_url: str
) -> None:
    talk = Conversation(replicas)

    # Each replica told Telegram the same webhook and the secret derived from the token.
    for via in ("a", "b"):
        [registered] = [c for c in replicas.telegram.calls_to("setWebhook") if c.via == via]
        assert registered.params["secret_token"] == talk.secret
        assert str(registered.params["url"]).endswith(WEBHOOK_PATH)

    # Registered on a, the key works on b.
    key = key_of(await talk.say("a", "/start", username="rita"))
    assert await chat_status(replicas, "b", key) == 200

    # /newkey asked on b, confirmed on a; the same confirmation pressed again on b expired.
    confirmation = talk.message(await talk.say("b", "/newkey"))
    yes = next(iter(buttons(confirmation)))
    new_key = key_of(
        await replicas.next_call(await talk.press("a", confirmation, yes), "sendMessage", "a")
    )
    expired = await replicas.next_call(
        await talk.press("b", confirmation, yes), "sendMessage", "b"
    )
    assert "expired" in str(expired.params["text"]).lower()
    assert (await chat_status(replicas, "a", key), await chat_status(replicas, "b", new_key)) == (
        401,
        200,
    )

    # /lang offered on a, Russian chosen on b, spoken by a.
    offer = talk.message(await talk.say("a", "/lang"))
    await replicas.next_call(await talk.press("b", offer, "Русский"), "sendMessage", "b")
    assert "Баланс" in str((await talk.say("a", "/balance")).params["text"])

    # Stars: amounts on b, invoice from a, checkout on b, paid on a, delivered again to b.
    amounts = talk.message(await talk.say("b", "/topup"))
    invoice = await replicas.next_call(
        await talk.press("a", amounts, next(iter(buttons(amounts)))), "sendInvoice", "a"
    )
    payload, stars = str(invoice.params["payload"]), int(invoice.params["prices"][0]["amount"])
    mark = len(replicas.telegram.calls)
    await talk.post("b", pre_checkout_update(900, "checkout-1", USER, payload, stars))
    assert (await replicas.next_call(mark, "answerPreCheckoutQuery", "b")).params["ok"] is True
    paid = successful_payment_update(901, 901, USER, payload, stars, "stxCROSS-1")
    await talk.post("a", paid)
    await replicas.next_call(mark, "sendMessage", "a")  # the receipt
    await talk.post("b", {**paid, "update_id": 902})
    await talk.say("b", "/balance")  # after the repeat, which had its chance to credit
    assert (await ledger_kinds(postgres_url)).count("topup") == 1
    receipts = [
        c
        for c in replicas.calls_since(mark, "sendMessage")
        if "stxCROSS-1" in str(c.params["text"])
    ]
    assert len(receipts) == 1

    # /images on a sends ten and a Load more button; pressed on b, the eleventh comes.
    await store_images(postgres_url, 11)
    more = talk.message(await talk.say("a", "/images"))
    last = await replicas.next_call(
        await talk.press("b", more, next(iter(buttons(more)))), "sendPhoto", "b"
    )
    assert "image 0" in str(last.params["caption"])
