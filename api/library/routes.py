"""`/api/v1/images`: seed 004's image library, under its paths and parameters.

A client of the seed's service changes only its base URL and key. Generation runs through
the billed-request pipeline (`api.pipeline`) like every billed call, with the quota check
and the storing inside the call; everything else passes the gate with no hold and costs
nothing. Invariants:

- every query is scoped by the caller's account, and an image that is not the caller's is
  the same 404 as one that does not exist, so ids reveal nothing;
- an image is charged only once it is stored: a provider failure, an unreadable image or a
  full library settles at zero;
- the library's quota is checked before the provider is paid to draw, and again,
  atomically, when the image is stored.
"""

from __future__ import annotations

from aiohttp import web

from api.body import validated
from api.context import ApiContext, base_url_of, context_of
from api.credentials import Credentials, take_credentials
from api.errors import REQUEST_ID, NotFoundError, QuotaExceededError
from api.gate import admit
from api.json_answer import json_answer
from api.library.generation import Generated, LibraryPlan, generate, plan_generation
from api.library.params import (
    CreateImage,
    ListImages,
    UpdateImage,
    body_fields,
    image_id,
    query_fields,
)
from api.library.render import deleted, image_page, image_record
from api.pipeline import billed_request
from api.route_rows import RouteRow
from storage.images import ImageStore, NewImage
from storage.models import Authorization

_MEBIBYTE = 1024 * 1024


def _quota_error(
    store: ImageStore, count: int, size: int, image_bytes: int | None = None
) -> QuotaExceededError:
    """What is full and what to do; `image_bytes` names the new image that did not fit."""
    quota = store.quota
    what = (
        "your image library is full"
        if image_bytes is None
        else f"the new image ({image_bytes / _MEBIBYTE:.2f} MiB) does not fit your image library"
    )
    return QuotaExceededError(
        f"{what}: it keeps at most {quota.max_count} images and "
        f"{quota.max_bytes / _MEBIBYTE:.1f} MiB, and holds {count} images and "
        f"{size / _MEBIBYTE:.1f} MiB; delete some (DELETE /api/v1/images/{{id}}) first. "
        "Nothing was charged.",
        code="image_quota_exceeded",
    )


async def _ensure_room(store: ImageStore, account_id: int) -> None:
    usage = await store.usage(account_id)
    if usage.count >= store.quota.max_count or usage.bytes >= store.quota.max_bytes:
        raise _quota_error(store, usage.count, usage.bytes)


def _new_image(
    account_id: int, create: CreateImage, plan: LibraryPlan, made: Generated, request_id: str
) -> NewImage:
    return NewImage(
        account_id=account_id,
        name=create.name,
        description=create.description,
        prompt=plan.prompt,
        resolution=create.resolution.value,
        style=None if create.style is None else create.style.value,
        medium=None if create.medium is None else create.medium.value,
        filter=None if create.filter is None else create.filter.value,
        model=plan.route.model.name,
        cost=made.charge.cost,
        request_id=request_id,
        content_type=made.image.content_type,
        data=made.image.data,
    )


async def create_image(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    fields = await body_fields(request)
    credentials = take_credentials(request, fields)
    create = validated(CreateImage, fields)
    plan = plan_generation(context.registry, create)
    store = context.images
    async with billed_request(request, credentials, plan.route, plan.hold, body=fields) as call:
        if call.replay is not None:
            return call.replay
        await _ensure_room(store, call.account_id)
        made = await generate(context.upstream, plan, create.filter)
        new = _new_image(call.account_id, create, plan, made, request[REQUEST_ID])
        stored = await store.add(new)
        if stored is None:
            usage = await store.usage(call.account_id)
            raise _quota_error(store, usage.count, usage.bytes, len(new.data))
        call.bill.charge_image(made.charge)
        record = image_record(stored, base_url_of(request))
        return call.answer(json_answer(record, status=201))


async def list_images(request: web.Request) -> web.Response:
    context = context_of(request)
    fields = query_fields(request)
    credentials = take_credentials(request, fields)
    query = validated(ListImages, fields)
    auth = await admit(request, credentials, hold=0)
    page = await context.images.find(_account(auth), query.storage_query())
    return json_answer(image_page(page, base_url_of(request), request.url))


def _account(auth: Authorization) -> int:
    """The admitted caller's account (the gate admits only known accounts)."""
    assert auth.account_id is not None
    return auth.account_id


async def _caller(
    request: web.Request, credentials: Credentials | None = None
) -> tuple[ApiContext, int, int]:
    """The gate for one image: the caller's account and the path's id (404 when the path
    names no possible id, checked after the gate so it tells a stranger nothing).

    Without `credentials` they are read from the query (`?username=&key=`) or the headers,
    so the seed's username-and-key clients work on every route.
    """
    context = context_of(request)
    credentials = credentials or take_credentials(request, query_fields(request))
    account_id = _account(await admit(request, credentials, hold=0))
    number = image_id(request)
    if number is None:
        raise _not_found(request.match_info["image_id"])
    return context, account_id, number


def _not_found(image: object) -> NotFoundError:
    return NotFoundError(
        f"there is no image {image} in your library: GET /api/v1/images lists yours",
        code="image_not_found",
    )


async def show_image(request: web.Request) -> web.Response:
    context, account_id, number = await _caller(request)
    image = await context.images.get(account_id, number)
    if image is None:
        raise _not_found(number)
    return json_answer(image_record(image, base_url_of(request)))


async def update_image(request: web.Request) -> web.Response:
    fields = await body_fields(request)
    credentials = take_credentials(request, fields)
    change = validated(UpdateImage, fields)
    context, account_id, number = await _caller(request, credentials)
    store = context.images
    if change.name is None and change.favorite is None:
        image = await store.get(account_id, number)
    else:
        image = await store.update(account_id, number, name=change.name, favorite=change.favorite)
    if image is None:
        raise _not_found(number)
    return json_answer(image_record(image, base_url_of(request)))


async def delete_image(request: web.Request) -> web.Response:
    """Credentials may also come as body fields, as the seed's clients send them."""
    fields = await body_fields(request)
    credentials = take_credentials(request, fields) if fields else None
    context, account_id, number = await _caller(request, credentials)
    if not await context.images.delete(account_id, number):
        raise _not_found(number)
    return json_answer(deleted(number))


async def image_content(request: web.Request) -> web.Response:
    """The stored bytes, with their type; private to the caller, so never cached shared."""
    context, account_id, number = await _caller(request)
    content = await context.images.content(account_id, number)
    if content is None:
        raise _not_found(number)
    return web.Response(
        body=content.data,
        content_type=content.content_type,
        headers={"Cache-Control": "private, max-age=86400"},
    )


ROUTES = (
    RouteRow("GET", "/api/v1/images", list_images),
    RouteRow("POST", "/api/v1/images", create_image),
    RouteRow("GET", "/api/v1/images/{image_id}", show_image),
    RouteRow("PUT", "/api/v1/images/{image_id}", update_image),
    RouteRow("PATCH", "/api/v1/images/{image_id}", update_image),
    RouteRow("DELETE", "/api/v1/images/{image_id}", delete_image),
    RouteRow("GET", "/api/v1/images/{image_id}/content", image_content),
)
