"""/images re-sends photos Telegram already has by their file ids, not their bytes.

Set up as test_bot_images (production dispatcher, real storage, the fake Telegram over
loopback HTTP). The fake answers each photo with its sizes, a thumbnail first for these
120x100 pictures, and resolves every file id back to its bytes: "the user sees the same
picture" is checked on the bytes the fake shows, where re-sending a thumbnail's id instead
of the photo's would show. `fake.media.forget_file_ids()` plays a new bot token, after
which Telegram refuses every file id the bot kept.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from bot.texts import ENGLISH
from tests.bot_harness import BotHarness, png
from tests.bot_images import load_more
from tests.fakes.telegram import Call, message_update

SENDS = {"sendphoto", "sendmediagroup"}


@dataclass
class Sent:
    """The photo sends of one update (refused ones included) and the photos the user saw."""

    calls: list[Call]
    shown: list[bytes]

    @property
    def uploaded(self) -> list[bytes]:
        return [data for call in self.calls for data in call.files.values()]

    def references(self, call: int = 0) -> list[str]:
        """What each photo of the `call`th send named: `attach://<part>` (an upload) or a
        file id."""
        sent = self.calls[call]
        if sent.method.lower() == "sendphoto":
            return [str(sent.params["photo"])]
        return [str(item["media"]) for item in sent.params["media"]]


def uploads(references: list[str]) -> list[bool]:
    return [reference.startswith("attach://") for reference in references]


async def sent_for(tested: BotHarness, action: Awaitable[object]) -> Sent:
    calls, photos = len(tested.fake.calls), len(tested.fake.sent_photos)
    await action
    sends = [call for call in tested.fake.calls[calls:] if call.method.lower() in SENDS]
    return Sent(sends, [photo.data for photo in tested.fake.sent_photos[photos:]])


async def images(tested: BotHarness) -> Sent:
    update_id = tested.next_id()
    return await sent_for(tested, tested.feed(message_update(update_id, update_id, 42, "/images")))


async def both_pages(tested: BotHarness) -> tuple[Sent, Sent]:
    """/images, then its "Load more"."""
    first = await images(tested)
    more = tested.fake.sent_messages[-1]
    return first, await sent_for(tested, load_more(tested, more))


async def library(tested: BotHarness, count: int) -> list[bytes]:
    """`count` 120x100 pictures of their own colours in alice's library; their bytes,
    newest first as /images shows them."""
    pictures = [png((n * 20, 100, 200), (120, 100)) for n in range(count)]
    for number, data in enumerate(pictures):
        await tested.store_image("alice", f"img-{number}", data)
    return pictures[::-1]


async def kept_file_ids(tested: BotHarness) -> list[str | None]:
    """The file ids stored for alice's newest ten images, newest first."""
    account = await tested.account("alice")
    return [i.file_id for i in await tested.storage.images.latest_with_content(account.id, 10)]


async def test_the_first_images_uploads_the_bytes_and_keeps_each_photos_file_id(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 3)
    sent = await images(bot_harness)
    assert uploads(sent.references()) == [True] * 3
    assert sorted(sent.uploaded) == sorted(pictures)
    photos = bot_harness.fake.sent_photos
    assert await kept_file_ids(bot_harness) == [photo.file_ids[-1] for photo in photos]


async def test_the_kept_file_id_is_the_photos_not_its_thumbnails(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 1)
    await images(bot_harness)
    [photo] = bot_harness.fake.sent_photos
    assert len(photo.file_ids) == 2  # a thumbnail, then the photo itself
    assert await kept_file_ids(bot_harness) == [photo.file_ids[-1]]


async def test_a_second_images_sends_file_ids_only_and_shows_the_same_pictures(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 3)
    await images(bot_harness)
    kept = await kept_file_ids(bot_harness)
    again = await images(bot_harness)
    assert [call.method.lower() for call in again.calls] == ["sendmediagroup"]
    assert (again.uploaded, again.references()) == ([], kept)
    assert again.shown == pictures
    assert await kept_file_ids(bot_harness) == kept  # nothing new to keep


async def test_a_single_photo_is_sent_again_by_its_file_id(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 1)
    await images(bot_harness)
    again = await images(bot_harness)
    assert [call.method.lower() for call in again.calls] == ["sendphoto"]
    assert (again.uploaded, again.references()) == ([], await kept_file_ids(bot_harness))
    assert again.shown == pictures


async def test_only_a_new_image_is_uploaded_among_known_ones(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await library(bot_harness, 2)
    await images(bot_harness)
    newest = png("green", (120, 100))
    await bot_harness.store_image("alice", "new", newest)
    sent = await images(bot_harness)
    assert (uploads(sent.references()), sent.uploaded) == ([True, False, False], [newest])
    assert None not in await kept_file_ids(bot_harness)


async def test_load_more_pages_are_sent_by_file_id_too(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 12)
    await both_pages(bot_harness)
    first, second = await both_pages(bot_harness)
    assert (first.uploaded, second.uploaded) == ([], [])
    assert first.shown + second.shown == pictures


async def test_refused_file_ids_are_sent_again_as_bytes_once_and_the_new_ids_kept(
    bot_harness: BotHarness,
) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 3)
    await images(bot_harness)
    old = await kept_file_ids(bot_harness)
    bot_harness.fake.media.forget_file_ids()  # a new bot token
    sent = await images(bot_harness)
    assert (sent.references(0), uploads(sent.references(1))) == (old, [True] * 3)
    assert sent.shown == pictures  # each photo once: the refused album showed nothing
    new = await kept_file_ids(bot_harness)
    assert None not in new
    assert not set(new) & set(old)
    assert (await images(bot_harness)).uploaded == []


async def test_a_refused_single_photo_is_sent_again_as_bytes(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    pictures = await library(bot_harness, 1)
    await images(bot_harness)
    bot_harness.fake.media.forget_file_ids()
    sent = await images(bot_harness)
    assert [call.method.lower() for call in sent.calls] == ["sendphoto", "sendphoto"]
    assert (sent.uploaded, sent.shown) == (pictures, pictures)


async def test_bytes_refused_after_a_refused_file_id_are_not_tried_again(
    bot_harness: BotHarness,
) -> None:
    """Fallback is once: a picture Telegram refuses either way fails as any send does."""
    await bot_harness.register(42, "alice")
    image = await bot_harness.store_image("alice", "broken", b"not an image")
    await bot_harness.storage.images.remember_telegram_files(image.account_id, {image.id: "x"})
    sent = await images(bot_harness)
    assert sent.references(0) == ["x"]
    assert (len(sent.calls), sent.uploaded, sent.shown) == (2, [b"not an image"], [])
    assert bot_harness.fake.sent_messages[-1]["text"] == ENGLISH.internal_error
    assert await kept_file_ids(bot_harness) == [None]


async def test_a_refused_upload_is_not_retried(bot_harness: BotHarness) -> None:
    await bot_harness.register(42, "alice")
    await bot_harness.store_image("alice", "broken", b"not an image")
    sent = await images(bot_harness)
    assert (len(sent.calls), sent.shown) == (1, [])
    assert bot_harness.fake.sent_messages[-1]["text"] == ENGLISH.internal_error
