"""What a client may send to the image library, read the seed's way and checked strictly.

Bodies come form-urlencoded (the seed's examples) or as JSON; the list's filters come in the
query. Invariants: every value outside the seed's sets is a 400 naming the allowed values,
an unknown field is a 400 naming it, a field sent twice is a 400, and an empty value is the
same as leaving the field out (as the seed's own forms send unset fields). All of it is
checked before the gate, so bad input costs no strike and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.body import parse_json_object, read_body
from api.errors import InvalidRequestError
from api.library.imaging import ImageFilter
from api.library.vocabulary import (
    PER_PAGE_CHOICES,
    Medium,
    Resolution,
    SearchBy,
    SortBy,
    SortOrder,
    Style,
)
from storage.images import ImageQuery

#: DALL·E 2 reads at most 1000 characters; the style and medium words need the rest.
MAX_DESCRIPTION = 900
MAX_NAME = 255
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CreateImage(_Strict):
    """POST /api/v1/images: the seed's Store parameters."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    resolution: Resolution
    style: Style | None = None
    medium: Medium | None = None
    filter: ImageFilter | None = None


class UpdateImage(_Strict):
    """PUT/PATCH /api/v1/images/{id}: neither field is required (the seed's example sends
    none), and an empty update changes nothing."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    favorite: bool | None = None


class ListImages(_Strict):
    """GET /api/v1/images: the seed's List parameters, plus `page`."""

    search: str | None = Field(default=None, max_length=MAX_NAME)
    search_by: SearchBy = SearchBy.NAME
    resolution: Resolution | None = None
    style: Style | None = None
    medium: Medium | None = None
    filter: ImageFilter | None = None
    favorite: bool | None = None
    sort_by: SortBy = SortBy.ID
    sort: SortOrder = SortOrder.DESC
    per_page: int = PER_PAGE_CHOICES[0]
    page: int = Field(default=1, ge=1, le=1_000_000)

    @field_validator("per_page")
    @classmethod
    def _offered_page_size(cls, value: int) -> int:
        if value not in PER_PAGE_CHOICES:
            choices = ", ".join(str(size) for size in PER_PAGE_CHOICES)
            raise ValueError(f"must be one of {choices}")
        return value

    def storage_query(self) -> ImageQuery:
        return ImageQuery(
            search=self.search,
            resolution=_plain(self.resolution),
            style=_plain(self.style),
            medium=_plain(self.medium),
            filter=_plain(self.filter),
            favorite=self.favorite,
            sort_by="name" if self.sort_by is SortBy.NAME else "id",
            descending=self.sort is SortOrder.DESC,
            per_page=self.per_page,
            page=self.page,
        )


def _plain(value: StrEnum | None) -> str | None:
    """A vocabulary value as the plain string the database binds."""
    return None if value is None else value.value


def _fields(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Pairs as a dict: a repeated name is refused, an empty value is left out."""
    fields: dict[str, Any] = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            message = f"`{name}` was sent more than once: send it once"
            raise InvalidRequestError(message, param=name)
        seen.add(name)
        if value != "":
            fields[name] = value
    return fields


def query_fields(request: web.Request) -> dict[str, Any]:
    return _fields(request.query.items())


async def body_fields(request: web.Request) -> dict[str, Any]:
    """The body's fields, form-urlencoded or JSON; no body at all is no fields."""
    raw = await read_body(request)
    if not raw.strip():
        return {}
    if request.content_type == _JSON:
        return {name: value for name, value in parse_json_object(raw).items() if value != ""}
    if request.content_type == _FORM:
        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
        except UnicodeDecodeError as error:
            raise InvalidRequestError(f"the form body cannot be read: {error}") from error
        return _fields(pairs)
    raise InvalidRequestError(
        f"send the fields as {_FORM} (as the seed's examples do) or as {_JSON}, "
        f"not {request.content_type}"
    )


def image_id(request: web.Request) -> int | None:
    """The path's image id; None when it is not a positive integer (then no image has it)."""
    text = request.match_info["image_id"]
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None
