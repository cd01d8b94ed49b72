"""The image library's answers as models: what `render` builds and `/openapi.json` shows.

One definition serves both, so the documented shape cannot drift from the sent one; the
fuzz test also checks every 2xx answer against these schemas.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True)

    def body(self) -> dict[str, Any]:
        """The JSON object sent: field names as documented (`from`, not `from_`)."""
        return self.model_dump(mode="json", by_alias=True)


class ImageRecord(_Answer):
    """One stored image. `cost` is its price as a decimal string, `cost_units` the same in
    minor units (10^-6); `url` serves its bytes; times are UTC, ISO 8601."""

    id: int
    name: str
    description: str
    prompt: str
    resolution: str
    style: str | None
    medium: str | None
    filter: str | None
    favorite: bool
    model: str
    cost: str
    cost_units: int
    content_type: str
    size_bytes: int
    url: str
    created_at: str
    updated_at: str


class ImageAnswer(_Answer):
    """One image, wrapped as a Laravel resource."""

    data: ImageRecord


class PageLinks(_Answer):
    first: str
    last: str
    prev: str | None
    next: str | None


class PageMeta(_Answer):
    """Laravel's paging facts: `from`/`to` are 1-based positions, null on an empty page."""

    current_page: int
    from_: int | None = Field(alias="from")
    to: int | None
    last_page: int
    per_page: int
    total: int
    path: str


class ImagePageAnswer(_Answer):
    data: list[ImageRecord]
    links: PageLinks
    meta: PageMeta


class Deleted(_Answer):
    id: int
    deleted: bool


class DeletedAnswer(_Answer):
    data: Deleted
