"""The image library's storage (storage/images.py, storage/schema_images.py) on both
databases: records and bytes, the per-account quota kept by triggers (also under concurrent
adds), isolation between accounts, renaming and favourites, and deletion by retention.
Listing, filtering, sorting and paging are in test_storage_image_queries.py; the bot's
album pages and their Telegram file ids in test_storage_image_files.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from storage import ImageQuota, Storage
from storage.images import ImageContent, ImageQuery, QuotaUsage, StoredImage
from storage.retention import DAY
from tests.conftest import START, FakeClock
from tests.stored_images import an_account, new_image, opened_with_quota, stored

SMALL = ImageQuota(max_count=3, max_bytes=100)


@pytest.fixture
async def small(database_url: str, clock: FakeClock) -> AsyncIterator[Storage]:
    """Storage whose library holds at most 3 images and 100 bytes per account."""
    async with opened_with_quota(database_url, clock, SMALL) as storage:
        yield storage


async def image_rows(storage: Storage) -> int:
    row = await storage.database.fetch_one("SELECT COUNT(*) AS n FROM images")
    assert row is not None
    return int(row["n"])


async def test_add_returns_the_whole_record_sized_and_timed_by_the_clock(
    storage: Storage, clock: FakeClock
) -> None:
    account = await an_account(storage)
    clock.now = START + 123
    image = new_image(account, "Red fox", data=b"x" * 17, style="vivid", medium="oil")
    record = await stored(storage, image)
    assert record == StoredImage(
        id=record.id,
        account_id=account,
        name="Red fox",
        description="a picture of Red fox",
        prompt="draw Red fox",
        resolution="1024x1024",
        style="vivid",
        medium="oil",
        filter=None,
        favorite=False,
        model="dall-e-3",
        cost=40_000,
        content_type="image/png",
        size_bytes=17,
        created_at=START + 123,
        updated_at=START + 123,
    )


async def test_content_is_the_exact_bytes_and_content_type(storage: Storage) -> None:
    account = await an_account(storage)
    data = bytes(range(256)) * 3  # every byte value, NUL included
    record = await stored(storage, new_image(account, "noise", data=data))
    content = await storage.images.content(account, record.id)
    assert content == ImageContent("noise", "image/png", data)


async def test_get_returns_the_stored_record(storage: Storage) -> None:
    account = await an_account(storage)
    record = await stored(storage, new_image(account))
    assert await storage.images.get(account, record.id) == record


async def test_an_image_past_the_count_quota_is_refused_and_nothing_is_written(
    small: Storage,
) -> None:
    account = await an_account(small)
    for number in range(3):
        await stored(small, new_image(account, f"n{number}", data=b"x"))
    assert await small.images.add(new_image(account, "fourth", data=b"x")) is None
    assert await image_rows(small) == 3
    assert await small.images.usage(account) == QuotaUsage(3, 3)


async def test_an_image_that_would_pass_the_byte_quota_is_refused_but_one_that_fills_it_fits(
    small: Storage,
) -> None:
    account = await an_account(small)
    await stored(small, new_image(account, "big", data=b"x" * 60))
    assert await small.images.add(new_image(account, "too big", data=b"x" * 41)) is None
    await stored(small, new_image(account, "exact", data=b"x" * 40))
    assert await small.images.usage(account) == QuotaUsage(2, 100)


async def test_usage_reports_the_count_and_bytes_stored(storage: Storage) -> None:
    account = await an_account(storage)
    assert await storage.images.usage(account) == QuotaUsage(0, 0)
    for size in (5, 7, 11):
        await stored(storage, new_image(account, f"s{size}", data=b"x" * size))
    assert await storage.images.usage(account) == QuotaUsage(3, 23)


async def test_deleting_frees_count_and_bytes_so_a_later_add_fits(small: Storage) -> None:
    account = await an_account(small)
    records = [await stored(small, new_image(account, f"n{n}", data=b"x" * 30)) for n in range(3)]
    assert await small.images.add(new_image(account, "late", data=b"x" * 30)) is None
    assert await small.images.delete(account, records[0].id)
    assert await small.images.usage(account) == QuotaUsage(2, 60)
    await stored(small, new_image(account, "late", data=b"x" * 40))


async def test_a_deleted_image_is_gone_and_deleting_it_again_is_false(storage: Storage) -> None:
    account = await an_account(storage)
    record = await stored(storage, new_image(account))
    assert await storage.images.delete(account, record.id)
    assert await storage.images.get(account, record.id) is None
    assert await storage.images.content(account, record.id) is None
    assert not await storage.images.delete(account, record.id)


async def test_the_id_of_a_deleted_newest_image_is_never_given_again(storage: Storage) -> None:
    """Clients cache an image's bytes by its URL: an id must keep meaning one image."""
    account = await an_account(storage)
    newest = await stored(storage, new_image(account, "first"))
    await storage.images.delete(account, newest.id)
    again = await stored(storage, new_image(account, "second"))
    assert again.id > newest.id


async def test_concurrent_adds_never_exceed_the_count_quota(small: Storage) -> None:
    account = await an_account(small)
    images = [new_image(account, f"n{number}", data=b"x") for number in range(10)]
    results = await asyncio.gather(*(small.images.add(image) for image in images))
    assert sum(result is not None for result in results) == 3
    assert await image_rows(small) == 3
    assert await small.images.usage(account) == QuotaUsage(3, 3)


async def test_concurrent_adds_from_two_replicas_never_exceed_the_quota(
    database_url: str, clock: FakeClock
) -> None:
    quota = ImageQuota(max_count=5, max_bytes=1000)
    async with (
        opened_with_quota(database_url, clock, quota) as first,
        opened_with_quota(database_url, clock, quota) as second,
    ):
        account = await an_account(first)
        adds = [
            replica.images.add(new_image(account, f"n{number}", data=b"x" * 10))
            for number in range(12)
            for replica in (first, second)
        ]
        results = await asyncio.gather(*adds)
        usage = await second.images.usage(account)
    assert sum(result is not None for result in results) == 5
    assert usage == QuotaUsage(5, 50)


async def test_another_accounts_image_cannot_be_read_changed_or_deleted(
    storage: Storage,
) -> None:
    alice = await an_account(storage, 1, "alice")
    bob = await an_account(storage, 2, "bob")
    record = await stored(storage, new_image(alice))
    assert await storage.images.get(bob, record.id) is None
    assert await storage.images.content(bob, record.id) is None
    assert await storage.images.update(bob, record.id, name="mine", favorite=True) is None
    assert not await storage.images.delete(bob, record.id)
    assert await storage.images.get(alice, record.id) == record
    assert await storage.images.usage(alice) == QuotaUsage(1, record.size_bytes)
    assert await storage.images.usage(bob) == QuotaUsage(0, 0)


@pytest.mark.parametrize(
    ("name", "favorite", "expected"),
    [("moon", None, ("moon", False)), (None, True, ("sun", True)), ("moon", True, ("moon", True))],
    ids=["name only", "favorite only", "both"],
)
async def test_update_changes_what_it_is_given_and_moves_updated_at(
    storage: Storage,
    clock: FakeClock,
    name: str | None,
    favorite: bool | None,
    expected: tuple[str, bool],
) -> None:
    account = await an_account(storage)
    record = await stored(storage, new_image(account, "sun"))
    clock.advance(60)
    updated = await storage.images.update(account, record.id, name=name, favorite=favorite)
    assert updated is not None
    assert (updated.name, updated.favorite) == expected
    assert (updated.created_at, updated.updated_at) == (START, START + 60)
    assert await storage.images.get(account, record.id) == updated


async def test_a_favourite_can_be_unmarked(storage: Storage) -> None:
    account = await an_account(storage)
    record = await stored(storage, new_image(account))
    await storage.images.update(account, record.id, favorite=True)
    updated = await storage.images.update(account, record.id, favorite=False)
    assert updated is not None
    assert not updated.favorite


async def idle_alice_deleted_by_retention(storage: Storage, clock: FakeClock) -> tuple[int, int]:
    """Alice (with an image) goes idle and retention deletes her data; Bob, registered later
    with an image of his own, stays. Returns (alice, bob)."""
    retention = storage.retention
    alice = await an_account(storage, 1, "alice")
    await stored(storage, new_image(alice, "alices"))
    clock.advance(13 * DAY)
    bob = await an_account(storage, 2, "bob")
    await stored(storage, new_image(bob, "bobs"))
    assert len(await retention.warn_inactive()) == 1
    clock.advance(DAY)
    assert await retention.delete_inactive() == 1
    return alice, bob


async def test_retention_deletes_an_accounts_images_and_zeroes_its_counters(
    storage: Storage, clock: FakeClock
) -> None:
    alice, bob = await idle_alice_deleted_by_retention(storage, clock)
    assert (await storage.images.find(alice, ImageQuery())).total == 0
    assert await storage.images.usage(alice) == QuotaUsage(0, 0)
    left = await storage.images.find(bob, ImageQuery())
    assert [record.name for record in left.items] == ["bobs"]
    assert await image_rows(storage) == 1


async def test_no_image_is_stored_for_an_account_deleted_by_retention(
    storage: Storage, clock: FakeClock
) -> None:
    alice, _ = await idle_alice_deleted_by_retention(storage, clock)
    assert await storage.images.add(new_image(alice, "late")) is None  # e.g. a call in flight
    assert await storage.images.usage(alice) == QuotaUsage(0, 0)


async def test_the_counters_equal_count_and_sum_over_images_after_adds_and_deletes(
    storage: Storage,
) -> None:
    alice = await an_account(storage, 1, "alice")
    bob = await an_account(storage, 2, "bob")
    records = [
        await stored(storage, new_image(owner, f"n{n}", data=b"x" * (n + 1)))
        for n in range(8)
        for owner in (alice, bob)
    ]
    for record in records[::3]:
        assert await storage.images.delete(record.account_id, record.id)
    rows = await storage.database.fetch_all(
        "SELECT a.id, a.image_count, a.image_bytes, COUNT(i.id) AS n, "
        "COALESCE(SUM(i.size_bytes), 0) AS total "
        "FROM accounts a LEFT JOIN images i ON i.account_id = a.id "
        "GROUP BY a.id, a.image_count, a.image_bytes"
    )
    assert len(rows) == 2
    for row in rows:
        assert (row["image_count"], row["image_bytes"]) == (row["n"], row["total"])
        assert 0 < row["n"] < 8
