"""The library's absolute URLs (a record's `url`, the paging links) as users reach the service.

Behind a TLS-terminating proxy the request arrives as plain HTTP on an inner address, so
the URLs follow PUBLIC_BASE_URL when it is set, path prefix included; without it, the
request's own scheme and host.
"""

from __future__ import annotations

import dataclasses

from pytest_aiohttp import AiohttpClient

from api.app import create_api_app
from tests.conftest import ApiHarness
from tests.library_api import IMAGES, open_library

PUBLIC = "https://api.example.com/gateway"


async def test_record_urls_and_links_follow_the_public_base_url(
    api: ApiHarness, aiohttp_client: AiohttpClient
) -> None:
    context = dataclasses.replace(api.context, public_base_url=PUBLIC + "/")
    client = await aiohttp_client(create_api_app(context, max_body_bytes=64 * 1024))
    alice = await open_library(api)
    images = await alice.store_many(11)
    response = await client.get(IMAGES, params={"style": ""}, headers=alice.headers)
    page = await response.json()
    assert page["data"][0]["url"] == f"{PUBLIC}/api/v1/images/{images[-1].id}/content"
    assert page["links"]["next"] == f"{PUBLIC}/api/v1/images?style=&page=2"
    assert page["meta"]["path"] == f"{PUBLIC}/api/v1/images"


async def test_without_a_public_base_url_the_requests_own_address_is_used(
    api: ApiHarness,
) -> None:
    alice = await open_library(api)
    image = await alice.store("one")
    record = (await (await alice.request("GET", f"{IMAGES}/{image.id}")).json())["data"]
    origin = str(api.client.make_url("/"))
    assert record["url"] == f"{origin}api/v1/images/{image.id}/content"
