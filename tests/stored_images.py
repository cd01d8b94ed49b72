"""Accounts and images made directly in storage, for the image library's tests (storage,
HTTP and bot), as the API stores a generated image."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage import AccessPolicy, ImageQuota, Storage, open_storage
from storage.images import NewImage, StoredImage
from tests.conftest import FakeClock


async def an_account(storage: Storage, telegram_id: int = 1, name: str = "alice") -> int:
    """A Telegram user's account with no credit (images do not need money in storage)."""
    registration = await storage.accounts.register_telegram_user(telegram_id, name, 0, "en")
    return registration.account.id


def new_image(
    account_id: int,
    name: str = "sunset",
    *,
    data: bytes = b"\x89PNG-image",
    resolution: str = "1024x1024",
    style: str | None = None,
    medium: str | None = None,
    filter: str | None = None,
    content_type: str = "image/png",
) -> NewImage:
    return NewImage(
        account_id=account_id,
        name=name,
        description=f"a picture of {name}",
        prompt=f"draw {name}",
        resolution=resolution,
        style=style,
        medium=medium,
        filter=filter,
        model="dall-e-3",
        cost=40_000,
        request_id=f"req-{name}",
        content_type=content_type,
        data=data,
    )


async def stored(storage: Storage, image: NewImage) -> StoredImage:
    """Add `image`, which the test expects to fit the quota."""
    record = await storage.images.add(image)
    assert record is not None, f"{image.name!r} did not fit the quota"
    return record


@asynccontextmanager
async def opened_with_quota(
    url: str, clock: FakeClock, quota: ImageQuota
) -> AsyncIterator[Storage]:
    """Storage at `url` whose image library has `quota`, closed on leaving."""
    storage = await open_storage(url, AccessPolicy(), clock, image_quota=quota)
    try:
        yield storage
    finally:
        await storage.close()
