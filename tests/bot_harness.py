"""One harness for the bot's tests: the production dispatcher, real storage, a fake Telegram.

Updates are real `aiogram.types.Update` objects fed to `create_dispatcher(...)`, the same
dispatcher production runs; the bot's replies are real HTTP calls to the fake Bot API server
on loopback (tests/fakes/telegram.py), asserted as it recorded them. The clock is injected,
so lock times are whatever a test says. Images for the library are stored directly in
storage, as the API stores a generated one (`BotHarness.store_image`), as small real PNGs
(`png`), since the fake opens every photo it is sent as Telegram does.

The `bot_harness` fixture in tests/conftest.py builds it; a test that must tear the parts
down inside its own body (to check nothing was left running) opens `open_bot_harness`.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from PIL import Image

from api.bot_prices import price_list
from bot import create_bot, create_dispatcher
from bot.config import BotConfig
from bot.price_list import PriceList
from providers.catalog import load_catalog
from providers.registry import PROVIDER_NAMES, ProviderConfig, Registry
from storage import AccessPolicy, AccountStore, DatabaseTimeouts, Storage, open_storage
from storage.images import StoredImage
from storage.models import Account
from tests.conftest import FakeClock
from tests.fakes.telegram import (
    Call,
    FakeTelegram,
    callback_update,
    message_update,
    serve_fake_telegram,
)
from tests.stored_images import new_image, stored

TOKEN = "123456:TEST-token"
ADMIN_ID = 1
BASE_URL = "https://api.example.test"
TRIAL_CREDIT = 1_500_000  # 1.50 USD
#: A key as the bot shows it once: the prefix and 32 random bytes, URL-safe base64.
KEY_IN_CODE = re.compile(r"<code>(myapi-[A-Za-z0-9_-]{43,})</code>")

Message = dict[str, Any]


def served_price_list(*configured: str, echo: bool = True) -> PriceList:
    """The bot's price list for the built-in catalog with keys for `configured` providers
    only (and the built-in echo when `echo`), made as the service makes it."""
    providers = {
        name: ProviderConfig.with_key(
            name, "http://127.0.0.1:9", "key" if name in configured else None
        )
        for name in PROVIDER_NAMES
    }
    if echo:
        providers["echo"] = ProviderConfig("echo", "builtin:", builtin=True)
    return price_list(Registry(load_catalog(), providers))


Color = str | tuple[int, int, int]


def png(color: Color = "red", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real PNG of one colour: different colours give different bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def key_of(reply: Call | str) -> str:
    """The key shown in a reply (its sendMessage call, or its text)."""
    text = reply if isinstance(reply, str) else str(reply.params["text"])
    match = KEY_IN_CODE.search(text)
    assert match is not None, f"no key in a <code> block: {text}"
    return match.group(1)


def buttons(message: Message) -> dict[str, str]:
    """Button label -> callback data, from the message's inline keyboard."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def button_data(message: Message, label: str) -> str:
    return buttons(message)[label]


@dataclass
class BotHarness:
    """The production dispatcher wired to real storage and a bot talking to the fake.

    Update ids (and message ids) are numbered by the harness, so `last_id` is the id of the
    latest update fed through `send`, `reply` or `press`.
    """

    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    storage: Storage
    config: BotConfig
    clock: FakeClock
    last_id: int = 0

    @property
    def accounts(self) -> AccountStore:
        return self.storage.accounts

    async def feed(self, raw: dict[str, Any]) -> None:
        """Feed one raw update dict, as Telegram would send it, to the dispatcher."""
        update = Update.model_validate(raw, context={"bot": self.bot})
        await self.dispatcher.feed_update(self.bot, update)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    async def send(self, user_id: int, text: str, **user: Any) -> Call:
        """Feed one message update; return the single sendMessage it caused."""
        update_id = self.next_id()
        return await self._only_reply(message_update(update_id, update_id, user_id, text, **user))

    async def reply(self, user_id: int, text: str, **user: Any) -> str:
        """Feed one message; return the text of the single reply, sent to that user's chat."""
        call = await self.send(user_id, text, **user)
        assert call.params["chat_id"] == user_id
        return str(call.params["text"])

    async def press(self, user_id: int, message: Message, button: str, **user: Any) -> Call:
        """Press the button labelled `button` under `message`; return the private reply."""
        update_id = self.next_id()
        data = button_data(message, button)
        query = callback_update(update_id, f"q{update_id}", user_id, data, message, **user)
        call = await self._only_reply(query)
        assert call.params["chat_id"] == user_id
        return call

    async def register(self, user_id: int, username: str) -> str:
        """Register through /start and return the key it showed."""
        return key_of(await self.reply(user_id, "/start", username=username))

    async def lock(self, username: str) -> None:
        """Lock the account the way a client does: the policy's number of bad keys in a row."""
        for _ in range(self.accounts.policy.lock_strikes):
            await self.accounts.authorize(username, "wrong", 1)

    async def account(self, username: str) -> Account:
        account = await self.accounts.by_username(username)
        assert account is not None
        return account

    async def store_image(self, username: str, name: str, data: bytes) -> StoredImage:
        """Add an image to `username`'s library as the API stores a generated one."""
        account = await self.account(username)
        return await stored(self.storage, new_image(account.id, name, data=data))

    async def _only_reply(self, raw: dict[str, Any]) -> Call:
        before = len(self.fake.calls_to("sendMessage"))
        await self.feed(raw)
        replies = self.fake.calls_to("sendMessage")[before:]
        assert len(replies) == 1, f"expected one reply, got {replies}"
        return replies[0]


@asynccontextmanager
async def open_bot_harness(
    database_url: str,
    clock: FakeClock,
    policy: AccessPolicy | None = None,
    *,
    harness_type: type[BotHarness] = BotHarness,
    token: str = TOKEN,
    admin_ids: frozenset[int] = frozenset({ADMIN_ID}),
    public_base_url: str = BASE_URL,
    trial_credit: int = TRIAL_CREDIT,
    prices: PriceList | None = None,
    currency: str = "USD",
    timeouts: DatabaseTimeouts | None = None,
) -> AsyncIterator[BotHarness]:
    """Open storage, serve a fake Telegram and build the bot; close them in reverse.

    The bot offers `prices`, by default every provider's models, as the API harness serves.
    """
    storage = await open_storage(database_url, policy or AccessPolicy(), clock, timeouts=timeouts)
    try:
        async with serve_fake_telegram() as (fake, api_base):
            config = BotConfig(
                token=token,
                admin_ids=admin_ids,
                public_base_url=public_base_url,
                currency=currency,
                trial_credit=trial_credit,
                telegram_api_base=api_base,
                price_list=prices if prices is not None else served_price_list(*PROVIDER_NAMES),
            )
            bot = create_bot(config)
            try:
                dispatcher = create_dispatcher(storage, config)
                yield harness_type(fake, bot, dispatcher, storage, config, clock)
            finally:
                await bot.session.close()
    finally:
        await storage.close()
