"""The image library's values: what is stored, what a query asks, what comes back.

Kept apart from `storage.images` (the queries) for size; `storage.images` re-exports every
name here, so callers import from either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SortBy = Literal["id", "name"]


@dataclass(frozen=True, slots=True)
class ImageQuota:
    """How much one account may keep. Invariant: both limits are positive."""

    max_count: int
    max_bytes: int

    def __post_init__(self) -> None:
        if self.max_count < 1 or self.max_bytes < 1:
            message = f"image quota limits must be positive, not {self.max_count}/{self.max_bytes}"
            raise ValueError(message)


@dataclass(frozen=True, slots=True)
class QuotaUsage:
    count: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What a generated image is and what made it: shared by the image about to be stored
    and its stored record."""

    account_id: int
    name: str
    description: str
    prompt: str
    resolution: str
    style: str | None
    medium: str | None
    filter: str | None
    model: str
    cost: int
    content_type: str


@dataclass(frozen=True, slots=True)
class NewImage(ImageFacts):
    """A generated image about to be stored, with the request that paid for it."""

    request_id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class StoredImage(ImageFacts):
    """One image's record (never its bytes). Times are epoch seconds."""

    id: int
    favorite: bool
    size_bytes: int
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class ImageContent:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class AlbumItem:
    """One image as the bot sends it: by the Telegram `file_id` it got when the photo was
    last sent, or by its bytes. Invariant: exactly one of `file_id` and `data` is set, so a
    photo Telegram already has costs no blob read."""

    image: StoredImage
    file_id: str | None
    data: bytes | None


@dataclass(frozen=True, slots=True)
class ImageQuery:
    """A page of one user's images. `search` matches the name, case-insensitively, as a
    substring; every other filter is exact. Ties in `name` order break by id, so pages
    never overlap or skip a row."""

    search: str | None = None
    resolution: str | None = None
    style: str | None = None
    medium: str | None = None
    filter: str | None = None
    favorite: bool | None = None
    sort_by: SortBy = "id"
    descending: bool = True
    per_page: int = 10
    page: int = 1

    def __post_init__(self) -> None:
        """A page below 1 would be a negative OFFSET, which PostgreSQL refuses, and a negative
        page size is no LIMIT at all on SQLite: refused here, the same on both."""
        if self.page < 1 or self.per_page < 1:
            message = f"page and per_page must be positive, not {self.page}/{self.per_page}"
            raise ValueError(message)


@dataclass(frozen=True, slots=True)
class ImagePage:
    items: list[StoredImage]
    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        """At least 1, as an empty library still has one (empty) page."""
        return max(1, -(-self.total // self.per_page))
