"""The library's JSON: a stored image as a record, and a page of them with its paging facts.

The shapes follow the Laravel API resources the seed's service answers with: one record as
`{"data": {...}}`, a list as `{"data": [...], "links": {...}, "meta": {...}}`, the links
absolute and carrying the same filters, so a client written for it pages unchanged. They
are built as `api.library.answers` models, the ones `/openapi.json` documents.
Invariant: nothing here reads storage or the image bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from yarl import URL

from api.library.answers import (
    Deleted,
    DeletedAnswer,
    ImageAnswer,
    ImagePageAnswer,
    ImageRecord,
    PageLinks,
    PageMeta,
)
from storage.images import ImagePage, StoredImage
from storage.money import to_decimal

_CREDENTIAL_PARAMS = ("key", "username")


def _timestamp(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_url(root: str, image_id: int) -> str:
    """Where the image's bytes are fetched (same credentials as every library call)."""
    return f"{root}/api/v1/images/{image_id}/content"


def _record(image: StoredImage, root: str) -> ImageRecord:
    return ImageRecord(
        id=image.id,
        name=image.name,
        description=image.description,
        prompt=image.prompt,
        resolution=image.resolution,
        style=image.style,
        medium=image.medium,
        filter=image.filter,
        favorite=image.favorite,
        model=image.model,
        cost=str(to_decimal(image.cost)),
        cost_units=image.cost,
        content_type=image.content_type,
        size_bytes=image.size_bytes,
        url=content_url(root, image.id),
        created_at=_timestamp(image.created_at),
        updated_at=_timestamp(image.updated_at),
    )


def image_record(image: StoredImage, root: str) -> dict[str, Any]:
    """One image as the seed's clients read it, `{"data": {...}}`; `root` is the service's
    address as users reach it (PUBLIC_BASE_URL, or the request's own scheme and host)."""
    return ImageAnswer(data=_record(image, root)).body()


def deleted(image_id: int) -> dict[str, Any]:
    return DeletedAnswer(data=Deleted(id=image_id, deleted=True)).body()


def _page_link(url: URL, page: int) -> str:
    return str(url.update_query(page=page))


def image_page(page: ImagePage, root: str, request_url: URL) -> dict[str, Any]:
    """A page as Laravel paginates: `from`/`to` are 1-based positions, null when empty.

    The links are under `root` and keep the request's filters but never its credentials
    (`?key=` is accepted for clients that cannot set headers, and must not be echoed into
    logged URLs).
    """
    query = request_url.without_query_params(*_CREDENTIAL_PARAMS).query
    url = URL(f"{root}{request_url.raw_path}", encoded=True).with_query(query)
    last = page.last_page
    first_position = (page.page - 1) * page.per_page + 1
    links = PageLinks(
        first=_page_link(url, 1),
        last=_page_link(url, last),
        prev=_page_link(url, page.page - 1) if page.page > 1 else None,
        next=_page_link(url, page.page + 1) if page.page < last else None,
    )
    meta = PageMeta(
        current_page=page.page,
        from_=first_position if page.items else None,
        to=first_position + len(page.items) - 1 if page.items else None,
        last_page=last,
        per_page=page.per_page,
        total=page.total,
        path=str(url.with_query(None)),
    )
    records = [_record(image, root) for image in page.items]
    return ImagePageAnswer(data=records, links=links, meta=meta).body()
