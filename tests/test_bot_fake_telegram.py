"""The fake Telegram Bot API server keeps the promises other tests (and the e2e test) rely on.

Calls go through a real aiogram Bot, so the fake is checked against the client it serves.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MediaUnion,
    Update,
)
from PIL import Image

from tests.bot_harness import png
from tests.fakes.telegram import FakeTelegram, serve_fake_telegram

TOKEN = "123456:TEST-token"


@dataclass
class Served:
    fake: FakeTelegram
    base_url: str
    bot: Bot


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serve_fake_telegram() as (fake, base_url):
        session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
        bot = Bot(TOKEN, session=session)
        try:
            yield Served(fake, base_url, bot)
        finally:
            await bot.session.close()


async def test_multipart_fields_are_decoded_to_json_types(served: Served) -> None:
    button = InlineKeyboardButton(text="Docs", url="https://example.test")
    markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    await served.bot.send_message(42, "[1, 2]", reply_markup=markup)
    params = served.fake.calls_to("sendMessage")[0].params
    assert params["chat_id"] == 42
    assert params["text"] == "[1, 2]"  # a string field stays a string even if it looks like JSON
    assert params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Docs"


async def test_json_bodies_are_accepted(served: Served) -> None:
    async with aiohttp.ClientSession() as client:
        url = f"{served.base_url}/bot{TOKEN}/sendMessage"
        async with client.post(url, json={"chat_id": 7, "text": "hi"}) as response:
            body = await response.json()
    assert body["ok"] is True
    assert body["result"]["chat"]["id"] == 7
    assert served.fake.calls_to("sendMessage")[0].params == {"chat_id": 7, "text": "hi"}


async def test_send_message_returns_a_message(served: Served) -> None:
    message = await served.bot.send_message(42, "hello")
    assert message.chat.id == 42
    assert message.text == "hello"
    assert message.message_id >= 1


async def test_get_me_describes_the_bot_of_the_token(served: Served) -> None:
    me = await served.bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "myapi_test_bot")


async def test_get_updates_long_poll_returns_a_pushed_update(served: Served) -> None:
    polling = asyncio.create_task(served.bot.get_updates(timeout=30))
    await served.fake.wait_for_call("getUpdates")
    served.fake.push_update(served.fake.make_message_update(42, "/start"))
    updates = await polling
    assert [u.message.text for u in updates if u.message] == ["/start"]


async def test_get_updates_offset_confirms_earlier_updates(served: Served) -> None:
    first = served.fake.push_update(served.fake.make_message_update(42, "/one"))
    second = served.fake.push_update(served.fake.make_message_update(42, "/two"))
    assert [u.update_id for u in await served.bot.get_updates()] == [
        first["update_id"],
        second["update_id"],
    ]
    later = await served.bot.get_updates(offset=second["update_id"])
    assert [u.update_id for u in later] == [second["update_id"]]
    assert [u.update_id for u in await served.bot.get_updates()] == [second["update_id"]]


async def test_get_updates_without_updates_and_timeout_is_empty(served: Served) -> None:
    assert await served.bot.get_updates(timeout=0) == []


async def test_close_ends_a_pending_long_poll(served: Served) -> None:
    polling = asyncio.create_task(served.bot.get_updates(timeout=30))
    await served.fake.wait_for_call("getUpdates")
    served.fake.close()
    assert await polling == []


async def test_get_updates_conflicts_with_a_webhook(served: Served) -> None:
    await served.bot.set_webhook("https://bot.example.test/hook", secret_token="s")
    assert served.fake.webhook_secret == "s"
    with pytest.raises(TelegramConflictError):
        await served.bot.get_updates()


async def test_unparsable_html_is_refused_like_telegram(served: Served) -> None:
    with pytest.raises(TelegramBadRequest, match="Unsupported start tag"):
        await served.bot.send_message(42, "Hi <script>", parse_mode="HTML")


async def test_bare_ampersand_in_html_is_refused(served: Served) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await served.bot.send_message(42, "Tom & Jerry", parse_mode="HTML")


async def test_html_text_comes_back_as_plain_text(served: Served) -> None:
    message = await served.bot.send_message(42, "<b>1 &lt; 2</b>", parse_mode="HTML")
    assert message.text == "1 < 2"


async def test_other_methods_answer_true(served: Served) -> None:
    assert await served.bot.delete_my_commands() is True


async def test_wait_for_call_fails_when_nothing_comes(served: Served) -> None:
    with pytest.raises(AssertionError, match="no matching sendMessage"):
        await served.fake.wait_for_call("sendMessage", timeout=0.01)


async def test_made_updates_parse_as_bot_commands(served: Served) -> None:
    raw = served.fake.make_message_update(42, "/unblock bob", "Alice", "ru")
    message = Update.model_validate(raw).message
    assert message is not None
    assert message.from_user is not None
    assert message.entities
    assert (message.from_user.username, message.from_user.language_code) == ("Alice", "ru")
    assert (message.entities[0].type, message.entities[0].length) == ("bot_command", 8)


# --- photos and albums (tests/fakes/telegram_media.py) ------------------------------------


def album(*items: bytes | str) -> list[MediaUnion]:
    """Photos captioned 0, 1, ...: uploads for bytes, earlier photos' file ids for str."""
    return [
        InputMediaPhoto(
            media=BufferedInputFile(item, f"{n}.png") if isinstance(item, bytes) else item,
            caption=str(n),
        )
        for n, item in enumerate(items)
    ]


async def test_an_album_answers_one_photo_message_per_item(served: Served) -> None:
    messages = await served.bot.send_media_group(42, album(png("red"), png("blue")))
    assert [m.caption for m in messages] == ["0", "1"]
    assert all(m.photo for m in messages)
    assert len({m.media_group_id for m in messages}) == 1
    assert messages[0].media_group_id is not None


async def test_album_uploads_are_kept_in_order(served: Served) -> None:
    pictures = [png(color) for color in ("red", "green", "blue")]
    await served.bot.send_media_group(42, album(*pictures))
    assert [photo.data for photo in served.fake.sent_photos] == pictures
    assert {photo.chat_id for photo in served.fake.sent_photos} == {42}


async def test_album_items_refer_to_their_uploads_by_attach(served: Served) -> None:
    await served.bot.send_media_group(42, album(png("red"), png("blue")))
    [call] = served.fake.calls_to("sendMediaGroup")
    references = [item["media"] for item in call.params["media"]]
    assert all(reference.startswith("attach://") for reference in references)
    assert {r.removeprefix("attach://") for r in references} == set(call.files)


@pytest.mark.parametrize("count", [1, 11])
async def test_albums_of_fewer_than_two_or_more_than_ten_are_refused(
    served: Served, count: int
) -> None:
    with pytest.raises(TelegramBadRequest, match="wrong number of media"):
        await served.bot.send_media_group(42, album(*[png("red")] * count))
    assert served.fake.sent_photos == []


async def test_an_album_with_one_bad_item_sends_nothing(served: Served) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await served.bot.send_media_group(42, album(png("red"), b"not an image"))
    assert served.fake.sent_photos == []


async def test_album_captions_must_be_valid_html(served: Served) -> None:
    media = album(png("red"), png("blue"))
    media[0] = InputMediaPhoto(media=media[0].media, caption="a & b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await served.bot.send_media_group(42, media)


async def test_a_sent_photo_can_be_sent_again_by_its_file_id(served: Served) -> None:
    first = await served.bot.send_photo(42, BufferedInputFile(png("red"), "a.png"))
    assert first.photo is not None
    await served.bot.send_media_group(42, album(first.photo[-1].file_id, png("blue")))
    assert served.fake.sent_photos[1].data == png("red")


async def test_an_unknown_file_id_is_refused(served: Served) -> None:
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await served.bot.send_photo(42, "no-such-file-id")


async def test_a_photo_sent_by_file_id_answers_with_that_id(served: Served) -> None:
    first = await served.bot.send_photo(42, BufferedInputFile(png("red"), "a.png"))
    assert first.photo is not None
    again = await served.bot.send_photo(42, first.photo[-1].file_id)
    assert again.photo is not None
    assert again.photo[-1].file_id == first.photo[-1].file_id


async def test_a_large_photo_lists_a_thumbnail_first_each_id_naming_its_bytes(
    served: Served,
) -> None:
    picture = png("red", (180, 120))
    message = await served.bot.send_photo(42, BufferedInputFile(picture, "a.png"))
    assert message.photo is not None
    thumbnail, largest = message.photo
    assert [(size.width, size.height) for size in (thumbnail, largest)] == [(90, 60), (180, 120)]
    await served.bot.send_photo(42, largest.file_id)
    await served.bot.send_photo(42, thumbnail.file_id)
    assert served.fake.sent_photos[1].data == picture
    with Image.open(io.BytesIO(served.fake.sent_photos[2].data)) as shown:
        assert shown.size == (90, 60)


async def test_forgotten_file_ids_are_refused_as_after_a_new_token(served: Served) -> None:
    first = await served.bot.send_photo(42, BufferedInputFile(png("red"), "a.png"))
    assert first.photo is not None
    served.fake.media.forget_file_ids()
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await served.bot.send_photo(42, first.photo[-1].file_id)
    second = await served.bot.send_photo(42, BufferedInputFile(png("red"), "a.png"))
    assert second.photo is not None
    assert second.photo[-1].file_id != first.photo[-1].file_id  # an old id never comes back


async def test_photo_sizes_are_measured(served: Served) -> None:
    message = await served.bot.send_photo(42, BufferedInputFile(png("red", (30, 20)), "a.png"))
    assert message.photo is not None
    assert (message.photo[-1].width, message.photo[-1].height) == (30, 20)


async def test_html_captions_come_back_as_shown(served: Served) -> None:
    photo = BufferedInputFile(png("red"), "a.png")
    message = await served.bot.send_photo(42, photo, caption="<b>1 &lt; 2</b>", parse_mode="HTML")
    assert message.caption == "1 < 2"
    assert served.fake.sent_photos[0].caption == "1 < 2"
