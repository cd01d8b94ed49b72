"""/images: the newest images as albums of up to ten with their names, and "Load more".

Same set-up as test_bot_usage: real Update objects fed to the production dispatcher, real
SQLite storage, the bot's calls recorded by the fake Telegram server over loopback HTTP. The
fake opens every photo and parses every HTML caption as Telegram does, and keeps what each
photo message shows (`sent_photos`), so tests compare the user's view with the library.
Images are stored directly in storage (`BotHarness.store_image`), named `img-0`, `img-1`,
... in the order they were made, so the newest has the highest number.
"""

from __future__ import annotations

from bot.images import MAX_CAPTION_NAME
from bot.texts import ENGLISH, RUSSIAN
from storage.images import StoredImage
from tests.bot_harness import BASE_URL, BotHarness, buttons, png
from tests.bot_images import Sent, load_more, sent_for
from tests.fakes.telegram import callback_update, message_update


async def images(tested: BotHarness, user_id: int = 42, language_code: str = "en") -> Sent:
    update_id = tested.next_id()
    raw = message_update(update_id, update_id, user_id, "/images", language_code=language_code)
    return await sent_for(tested, raw)


async def library(tested: BotHarness, count: int, username: str = "alice") -> list[StoredImage]:
    """`count` images `img-0`.. in `username`'s library, each a PNG of its own colour."""
    return [
        await tested.store_image(username, f"img-{n}", png((n, 100, 200))) for n in range(count)
    ]


def newest(first: int, last: int) -> list[str]:
    """Names from `img-<first>` down to `img-<last>`, the order the bot shows them."""
    return [f"img-{n}" for n in range(first, last - 1, -1)]


async def test_images_sends_the_newest_ten_as_one_album_newest_first(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 12)
    sent = await images(bot_harness)
    assert sent.methods[0] == "sendmediagroup"
    assert sent.names == newest(11, 2)
    assert len({photo.media_group_id for photo in sent.photos}) == 1


async def test_album_photos_are_the_stored_bytes_in_order(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    stored = await library(bot_harness, 3)
    sent = await images(bot_harness)
    contents = [await bot_harness.storage.images.content(i.account_id, i.id) for i in stored]
    assert [photo.data for photo in sent.photos] == [c.data for c in reversed(contents) if c]
    assert {photo.chat_id for photo in sent.photos} == {42}


async def test_each_caption_is_the_name_and_the_api_id(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    first, second = await library(bot_harness, 2)
    sent = await images(bot_harness)
    assert [photo.caption for photo in sent.photos] == [
        f"img-1\nid {second.id}",
        f"img-0\nid {first.id}",
    ]


async def test_names_are_shown_exactly_as_given(bot_harness: BotHarness) -> None:
    """The fake refuses a caption whose HTML does not parse, so this also checks escaping."""
    await bot_harness.register(42, "alice")
    name = "<b>Tom & Jerry</b> &amp;"
    await bot_harness.store_image("alice", name, png())
    sent = await images(bot_harness)
    assert sent.names == [name]


async def test_a_long_name_is_shortened_to_fit_a_caption(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.store_image("alice", "&" * 1500, png())
    [name] = (await images(bot_harness)).names
    assert name == "&" * (MAX_CAPTION_NAME - 1) + "…"


async def test_a_single_image_goes_as_a_photo(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 1)
    sent = await images(bot_harness)
    assert sent.methods == ["sendphoto"]
    assert sent.names == ["img-0"]
    assert sent.photos[0].media_group_id is None


async def test_no_button_when_every_image_fits_one_album(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 10)
    sent = await images(bot_harness)
    assert sent.methods == ["sendmediagroup"]
    assert len(sent.photos) == 10


async def test_a_load_more_button_follows_when_more_remain(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    stored = await library(bot_harness, 11)
    sent = await images(bot_harness)
    assert sent.methods == ["sendmediagroup", "sendmessage"]
    [message] = sent.messages
    assert message["text"] == "Images 1 to 10 of 11, newest first."
    # The button carries the id of the oldest image shown: the next page is older ones.
    assert buttons(message) == {"Load more": f"images:{stored[1].id}"}


async def test_load_more_sends_the_next_page_and_the_next_button(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    stored = await library(bot_harness, 25)
    first = await images(bot_harness)
    second = await load_more(bot_harness, first.messages[-1])
    assert second.methods == ["sendmediagroup", "sendmessage"]
    assert second.names == newest(14, 5)
    assert second.messages[-1]["text"] == "Images 11 to 20 of 25, newest first."
    assert buttons(second.messages[-1]) == {"Load more": f"images:{stored[5].id}"}


async def test_an_image_stored_between_pages_neither_repeats_nor_skips_one(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 12)
    first = await images(bot_harness)
    await bot_harness.store_image("alice", "brand-new", png("green"))
    second = await load_more(bot_harness, first.messages[-1])
    assert second.names == newest(1, 0)


async def test_the_last_page_has_no_button(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 23)
    first = await images(bot_harness)
    second = await load_more(bot_harness, first.messages[-1])
    third = await load_more(bot_harness, second.messages[-1])
    assert third.methods == ["sendmediagroup"]
    assert third.names == newest(2, 0)


async def test_a_last_page_of_one_image_is_a_photo(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 11)
    first = await images(bot_harness)
    last = await load_more(bot_harness, first.messages[-1])
    assert last.methods == ["sendphoto"]
    assert last.names == ["img-0"]


async def test_a_press_removes_its_button_and_is_answered(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 11)
    first = await images(bot_harness)
    await load_more(bot_harness, first.messages[-1])
    [edit] = bot_harness.fake.calls_to("editMessageReplyMarkup")
    assert edit.params["message_id"] == first.messages[-1]["message_id"]
    assert "reply_markup" not in edit.params
    assert len(bot_harness.fake.calls_to("answerCallbackQuery")) == 1


async def test_a_page_emptied_since_the_button_says_there_is_no_more(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    stored = await library(bot_harness, 11)
    first = await images(bot_harness)
    await bot_harness.storage.images.delete(stored[0].account_id, stored[0].id)
    sent = await load_more(bot_harness, first.messages[-1])
    assert sent.methods == ["sendmessage"]
    assert sent.messages[0]["text"] == ENGLISH.images_no_more


async def test_an_empty_library_explains_how_to_create_an_image(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    text = await bot_harness.reply(42, "/images")
    assert text == ENGLISH.images_empty.format(base_url=BASE_URL)
    assert f"POST {BASE_URL}/api/v1/images" in text
    assert bot_harness.fake.sent_photos == []


async def test_images_without_an_account_points_to_start(bot_harness: BotHarness) -> None:
    assert await bot_harness.reply(42, "/images") == ENGLISH.not_registered
    assert bot_harness.fake.sent_photos == []


async def test_another_users_images_never_appear(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.register(43, "bob")
    await library(bot_harness, 3, "alice")
    await bot_harness.store_image("bob", "bobs-only", png("blue"))
    sent = await images(bot_harness, 43)
    assert sent.methods == ["sendphoto"]
    assert sent.names == ["bobs-only"]


async def test_a_forwarded_button_pages_the_pressers_own_library(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.register(43, "bob")
    await library(bot_harness, 11, "alice")
    alices = (await images(bot_harness, 42)).messages[-1]
    sent = await load_more(bot_harness, {**alices, "chat": {"id": 43, "type": "private"}}, 43)
    assert sent.photos == []
    assert sent.messages[0]["text"] == ENGLISH.images_no_more


async def test_a_forged_button_without_a_positive_id_is_ignored(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 11)
    message = (await images(bot_harness)).messages[-1]
    for data in ("images:0", "images:-5"):
        update_id = bot_harness.next_id()
        sent = await sent_for(bot_harness, callback_update(update_id, "q", 42, data, message))
        assert (sent.methods, bot_harness.fake.calls_to("editMessageReplyMarkup")) == ([], [])


async def test_images_in_russian(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 12)
    sent = await images(bot_harness, language_code="ru")
    assert sent.messages[-1]["text"] == RUSSIAN.images_more.format(first=1, last=10, total=12)
    assert list(buttons(sent.messages[-1])) == [RUSSIAN.images_load_more]


async def test_an_empty_library_in_russian(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    text = await bot_harness.reply(42, "/images", language_code="ru")
    assert text == RUSSIAN.images_empty.format(base_url=BASE_URL)


async def test_images_in_a_group_asks_for_a_private_chat(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 2)
    reply = await bot_harness.send(42, "/images", chat_type="supergroup")
    assert reply.params["text"] == ENGLISH.private_only
    assert bot_harness.fake.sent_photos == []
