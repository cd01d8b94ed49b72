"""What the bot's /images reads and writes in the image library, on both databases: album
pages newest first by id (`latest_with_content`), and the Telegram file ids remembered for
photos already sent, which stand in for the bytes until they are forgotten. Remembering and
forgetting are scoped by account like every other statement."""

from __future__ import annotations

from storage import Storage
from storage.images import AlbumItem
from tests.stored_images import an_account, new_image, stored


def shown(page: list[AlbumItem]) -> list[tuple[str, str | None, bytes | None]]:
    """Each item's name, file id and bytes."""
    return [(item.image.name, item.file_id, item.data) for item in page]


async def test_latest_with_content_is_newest_first_with_the_bytes(storage: Storage) -> None:
    account = await an_account(storage)
    for number in range(3):
        await stored(storage, new_image(account, f"n{number}", data=bytes([number]) * 4))
    latest = await storage.images.latest_with_content(account, 10)
    assert shown(latest) == [
        ("n2", None, b"\x02" * 4),
        ("n1", None, b"\x01" * 4),
        ("n0", None, b"\x00" * 4),
    ]


async def test_latest_with_content_pages_by_id_and_limit(storage: Storage) -> None:
    account = await an_account(storage)
    images = [await stored(storage, new_image(account, f"n{number}")) for number in range(5)]
    latest = await storage.images.latest_with_content(account, 2, before_id=images[4].id)
    assert [item.image.name for item in latest] == ["n3", "n2"]
    assert await storage.images.count_older(account, images[2].id) == 2


async def test_an_image_stored_between_two_pages_shifts_nothing(storage: Storage) -> None:
    account = await an_account(storage)
    for number in range(4):
        await stored(storage, new_image(account, f"n{number}"))
    first = await storage.images.latest_with_content(account, 2)
    await stored(storage, new_image(account, "newer"))
    second = await storage.images.latest_with_content(account, 2, before_id=first[-1].image.id)
    assert [item.image.name for item in first + second] == ["n3", "n2", "n1", "n0"]


async def test_an_image_with_a_file_id_comes_by_it_without_its_bytes(storage: Storage) -> None:
    account = await an_account(storage)
    old = await stored(storage, new_image(account, "old", data=b"old"))
    await stored(storage, new_image(account, "new", data=b"new"))
    await storage.images.remember_telegram_files(account, {old.id: "file-old"})
    latest = await storage.images.latest_with_content(account, 10)
    assert shown(latest) == [("new", None, b"new"), ("old", "file-old", None)]


async def test_a_remembered_file_id_is_replaced_by_the_next(storage: Storage) -> None:
    account = await an_account(storage)
    image = await stored(storage, new_image(account))
    await storage.images.remember_telegram_files(account, {image.id: "first"})
    await storage.images.remember_telegram_files(account, {image.id: "second"})
    [item] = await storage.images.latest_with_content(account, 10)
    assert item.file_id == "second"


async def test_forgotten_file_ids_bring_the_bytes_back(storage: Storage) -> None:
    account = await an_account(storage)
    images = [
        await stored(storage, new_image(account, f"n{n}", data=bytes([n]))) for n in range(3)
    ]
    await storage.images.remember_telegram_files(
        account, {image.id: f"file-{image.name}" for image in images}
    )
    await storage.images.forget_telegram_files(account, [images[0].id, images[2].id])
    latest = await storage.images.latest_with_content(account, 10)
    assert shown(latest) == [("n2", None, b"\x02"), ("n1", "file-n1", None), ("n0", None, b"\x00")]


async def test_a_file_id_changes_nothing_in_the_record(storage: Storage) -> None:
    """The bot's cache is not an edit: `updated_at`, which the API shows, stays."""
    account = await an_account(storage)
    image = await stored(storage, new_image(account))
    await storage.images.remember_telegram_files(account, {image.id: "file"})
    assert await storage.images.get(account, image.id) == image
    await storage.images.forget_telegram_files(account, [image.id])
    assert await storage.images.get(account, image.id) == image


async def test_remembering_another_accounts_image_changes_nothing(storage: Storage) -> None:
    alice = await an_account(storage, 1, "alice")
    bob = await an_account(storage, 2, "bob")
    alices = await stored(storage, new_image(alice, data=b"alice's"))
    await storage.images.remember_telegram_files(bob, {alices.id: "bobs-file"})
    [item] = await storage.images.latest_with_content(alice, 10)
    assert (item.file_id, item.data) == (None, b"alice's")


async def test_forgetting_another_accounts_image_changes_nothing(storage: Storage) -> None:
    alice = await an_account(storage, 1, "alice")
    bob = await an_account(storage, 2, "bob")
    alices = await stored(storage, new_image(alice))
    await storage.images.remember_telegram_files(alice, {alices.id: "alices-file"})
    await storage.images.forget_telegram_files(bob, [alices.id])
    [item] = await storage.images.latest_with_content(alice, 10)
    assert (item.file_id, item.data) == ("alices-file", None)
