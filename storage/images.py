"""The image library (seed 004): each user's stored pictures, their quota, and the queries.

Invariants:

- Every statement is scoped by `account_id`, so one user can never read, change or delete
  another's image; an id that is not theirs looks exactly like an id that does not exist.
- An image is stored only if it fits the account's quota, checked in the INSERT itself
  against the trigger-kept `accounts.image_count`/`image_bytes` (see `storage.schema_images`).
  On PostgreSQL the account row is locked (`FOR UPDATE`) by that statement, so two replicas
  storing at once re-check against each other's result instead of both passing.
- An account deleted by retention stores no image: the INSERT requires `deleted_at IS NULL`,
  so a generation that finishes after the deletion cannot bring pictures back.
- Search and name order compare `name_folded` (`str.casefold`, the same on both databases),
  never SQL LOWER(), which on SQLite leaves every non-ASCII letter as it is.
- Listing reads no image bytes; only `content` and `latest_with_content` do, and the latter
  only for images Telegram does not have yet (no `telegram_file_id`), so a page the bot
  sent before reads no blob.
- `telegram_file_id` is the bot's own cache, never part of a record: remembering or
  forgetting one changes no `updated_at`. An image's bytes never change once stored, so
  a file id stays right for its image until Telegram itself refuses it (see `bot.images`).

The values (`StoredImage`, `ImageQuery`, ...) live in `storage.image_models` and are
re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from storage.clock import Clock
from storage.database import Database, Row
from storage.image_models import (
    AlbumItem,
    ImageContent,
    ImagePage,
    ImageQuery,
    ImageQuota,
    NewImage,
    QuotaUsage,
    SortBy,
    StoredImage,
)

__all__ = [
    "AlbumItem",
    "ImageContent",
    "ImagePage",
    "ImageQuery",
    "ImageQuota",
    "ImageStore",
    "NewImage",
    "QuotaUsage",
    "SortBy",
    "StoredImage",
]

_RECORD_COLUMNS = (
    "id, account_id, name, description, prompt, resolution, style, medium, filter, favorite, "
    "model, cost, content_type, size_bytes, created_at, updated_at"
)
_INSERT = f"""
INSERT INTO images (
    account_id, name, name_folded, description, prompt, resolution, style, medium, filter,
    model, cost, request_id, content_type, size_bytes, data, created_at, updated_at
)
SELECT id, :name, :name_folded, :description, :prompt, :resolution, :style, :medium, :filter,
    :model, :cost, :request_id, :content_type, :size_bytes, :data, :now, :now
FROM accounts
WHERE id = :account_id AND deleted_at IS NULL
  AND image_count < :max_count AND image_bytes + :size_bytes <= :max_bytes
{{lock}}
RETURNING {_RECORD_COLUMNS}
"""
_USAGE = "SELECT image_count, image_bytes FROM accounts WHERE id = :account_id"
_GET = f"SELECT {_RECORD_COLUMNS} FROM images WHERE account_id = :account_id AND id = :id"
_CONTENT = (
    "SELECT name, content_type, data FROM images WHERE account_id = :account_id AND id = :id"
)
_DELETE = "DELETE FROM images WHERE account_id = :account_id AND id = :id RETURNING id"
_OLDER = f"""
SELECT {_RECORD_COLUMNS}, telegram_file_id,
    CASE WHEN telegram_file_id IS NULL THEN data END AS data
FROM images WHERE account_id = :account_id AND id < :before
ORDER BY id DESC LIMIT :limit
"""
_REMEMBER = (
    "UPDATE images SET telegram_file_id = :file_id WHERE account_id = :account_id AND id = :id"
)
_FORGET = "UPDATE images SET telegram_file_id = NULL WHERE account_id = :account_id AND id = :id"
_COUNT_OLDER = (
    "SELECT COUNT(*) AS older FROM images WHERE account_id = :account_id AND id < :before"
)
#: Above every id either database hands out (BIGINT's largest value).
_NO_BOUND = 2**63 - 1


def _record(row: Row) -> StoredImage:
    values = {name: row[name] for name in StoredImage.__dataclass_fields__}
    values["favorite"] = bool(values["favorite"])
    return StoredImage(**values)


def _album_item(row: Row) -> AlbumItem:
    data = row["data"]
    return AlbumItem(_record(row), row["telegram_file_id"], None if data is None else bytes(data))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(account_id: int, query: ImageQuery) -> tuple[str, dict[str, object]]:
    """The WHERE clause of a listing; values are always bound, never formatted in."""
    conditions = ["account_id = :account_id"]
    params: dict[str, object] = {"account_id": account_id}
    if query.search:
        conditions.append("name_folded LIKE :pattern ESCAPE '\\'")
        params["pattern"] = f"%{_escape_like(query.search.casefold())}%"
    for column in ("resolution", "style", "medium", "filter"):
        value = getattr(query, column)
        if value is not None:
            conditions.append(f"{column} = :{column}")
            params[column] = value
    if query.favorite is not None:
        conditions.append("favorite = :favorite")
        params["favorite"] = query.favorite
    return " AND ".join(conditions), params


def _order(query: ImageQuery) -> str:
    direction = "DESC" if query.descending else "ASC"
    if query.sort_by == "name":
        return f"name_folded {direction}, id {direction}"
    return f"id {direction}"


class ImageStore:
    """The library's queries; `clock` gives epoch seconds for created/updated times."""

    def __init__(self, database: Database, clock: Clock, quota: ImageQuota) -> None:
        self._db = database
        self._clock = clock
        self.quota = quota
        lock = "FOR UPDATE" if database.dialect == "postgresql" else ""
        self._insert = _INSERT.format(lock=lock)

    async def usage(self, account_id: int) -> QuotaUsage:
        row = await self._db.fetch_one(_USAGE, {"account_id": account_id})
        if row is None:
            return QuotaUsage(0, 0)
        return QuotaUsage(int(row["image_count"]), int(row["image_bytes"]))

    async def add(self, image: NewImage) -> StoredImage | None:
        """Store `image`, or None (nothing written) when it would exceed the quota."""
        params: dict[str, object] = {
            name: getattr(image, name) for name in NewImage.__dataclass_fields__
        }
        params.update(
            name_folded=image.name.casefold(),
            size_bytes=len(image.data),
            now=self._clock(),
            max_count=self.quota.max_count,
            max_bytes=self.quota.max_bytes,
        )
        row = await self._db.fetch_one(self._insert, params)
        return None if row is None else _record(row)

    async def find(self, account_id: int, query: ImageQuery) -> ImagePage:
        where, params = _where(account_id, query)
        count = await self._db.fetch_one(
            f"SELECT COUNT(*) AS total FROM images WHERE {where}", params
        )
        total = int(count["total"]) if count is not None else 0
        rows = await self._db.fetch_all(
            f"SELECT {_RECORD_COLUMNS} FROM images WHERE {where} ORDER BY {_order(query)} "
            "LIMIT :limit OFFSET :offset",
            {**params, "limit": query.per_page, "offset": (query.page - 1) * query.per_page},
        )
        return ImagePage([_record(row) for row in rows], total, query.page, query.per_page)

    async def get(self, account_id: int, image_id: int) -> StoredImage | None:
        row = await self._db.fetch_one(_GET, {"account_id": account_id, "id": image_id})
        return None if row is None else _record(row)

    async def content(self, account_id: int, image_id: int) -> ImageContent | None:
        row = await self._db.fetch_one(_CONTENT, {"account_id": account_id, "id": image_id})
        if row is None:
            return None
        return ImageContent(row["name"], row["content_type"], bytes(row["data"]))

    async def update(
        self,
        account_id: int,
        image_id: int,
        *,
        name: str | None = None,
        favorite: bool | None = None,
    ) -> StoredImage | None:
        """Rename and/or (un)mark as favourite in one statement; None: no such image."""
        changes: dict[str, object] = {"updated_at": self._clock()}
        if name is not None:
            changes["name"] = name
            changes["name_folded"] = name.casefold()
        if favorite is not None:
            changes["favorite"] = favorite
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        row = await self._db.fetch_one(
            f"UPDATE images SET {assignments} WHERE account_id = :account_id AND id = :id "
            f"RETURNING {_RECORD_COLUMNS}",
            {**changes, "account_id": account_id, "id": image_id},
        )
        return None if row is None else _record(row)

    async def delete(self, account_id: int, image_id: int) -> bool:
        """Delete one image; its count and bytes leave the quota in the same statement."""
        row = await self._db.fetch_one(_DELETE, {"account_id": account_id, "id": image_id})
        return row is not None

    async def latest_with_content(
        self, account_id: int, limit: int, before_id: int | None = None
    ) -> list[AlbumItem]:
        """Newest first, older than `before_id` when given: what the bot sends as an album,
        each by its Telegram file id when it has one, by its bytes otherwise. Paging by id,
        not by offset: an image stored or deleted between two pages neither repeats nor
        skips one."""
        before = _NO_BOUND if before_id is None else before_id
        params = {"account_id": account_id, "limit": limit, "before": before}
        rows = await self._db.fetch_all(_OLDER, params)
        return [_album_item(row) for row in rows]

    async def remember_telegram_files(self, account_id: int, file_ids: Mapping[int, str]) -> None:
        """Keep the file id Telegram gave each image (image id -> file id) when it was sent.

        One statement per image, each scoped by `account_id`: an id that is not the
        account's changes nothing."""
        for image_id, file_id in file_ids.items():
            params = {"account_id": account_id, "id": image_id, "file_id": file_id}
            await self._db.execute(_REMEMBER, params)

    async def forget_telegram_files(self, account_id: int, image_ids: Iterable[int]) -> None:
        """Drop the images' file ids (Telegram refused one), so they go as bytes again."""
        for image_id in image_ids:
            await self._db.execute(_FORGET, {"account_id": account_id, "id": image_id})

    async def count_older(self, account_id: int, image_id: int) -> int:
        """How many of the account's images are older than `image_id` (still to page)."""
        params = {"account_id": account_id, "before": image_id}
        row = await self._db.fetch_one(_COUNT_OLDER, params)
        return 0 if row is None else int(row["older"])
