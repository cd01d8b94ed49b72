"""The image library's quota (IMAGE_QUOTA_IMAGES, IMAGE_QUOTA_BYTES) over HTTP.

A full library refuses a new image with 409 `image_quota_exceeded` and charges nothing:
before the provider is called when the library is already full, and after it when the new
image itself does not fit. Deleting an image makes room again.
"""

from __future__ import annotations

import pytest

from storage.images import ImageQuota, QuotaUsage
from tests.conftest import ApiHarness
from tests.fakes.openai_media import solid_png
from tests.ledger import account_state, calls
from tests.library_calls import DALL_E_2_256, START, bearer, create

ONE_IMAGE = len(solid_png((256, 256), (200, 100, 50)))


@pytest.mark.parametrize("image_quota", [ImageQuota(max_count=2, max_bytes=10**6)])
async def test_past_the_image_count_the_provider_is_not_called_and_nothing_charged(
    api: ApiHarness,
) -> None:
    key = await api.register()
    assert [(await create(api, key)).status for _ in range(2)] == [201, 201]
    refused = await create(api, key)
    assert refused.status == 409
    error = (await refused.json())["error"]
    assert error["code"] == "image_quota_exceeded"
    assert "2 images" in error["message"]
    assert len(api.upstream.requests) == 2
    assert await account_state(api) == (START - 2 * DALL_E_2_256, 0, 0)
    assert [call["cost"] for call in await calls(api)] == [DALL_E_2_256, DALL_E_2_256, 0]


@pytest.mark.parametrize("image_quota", [ImageQuota(max_count=10, max_bytes=ONE_IMAGE + 100)])
async def test_an_image_that_does_not_fit_the_bytes_left_is_refused_and_free(
    api: ApiHarness,
) -> None:
    key = await api.register()
    assert (await create(api, key)).status == 201
    refused = await create(api, key)
    assert refused.status == 409
    assert "the new image" in (await refused.json())["error"]["message"]
    assert len(api.upstream.requests) == 2  # drawn, then found too big to keep
    assert await account_state(api) == (START - DALL_E_2_256, 0, 0)
    assert await api.storage.images.usage(1) == QuotaUsage(1, ONE_IMAGE)


@pytest.mark.parametrize("image_quota", [ImageQuota(max_count=10, max_bytes=ONE_IMAGE)])
async def test_when_the_bytes_are_used_up_the_provider_is_not_called_and_nothing_charged(
    api: ApiHarness,
) -> None:
    key = await api.register()
    assert (await create(api, key)).status == 201  # fills the bytes exactly
    refused = await create(api, key)
    assert refused.status == 409
    assert "your image library is full" in (await refused.json())["error"]["message"]
    assert len(api.upstream.requests) == 1  # refused before drawing, not after
    assert await account_state(api) == (START - DALL_E_2_256, 0, 0)
    assert [call["cost"] for call in await calls(api)] == [DALL_E_2_256, 0]


@pytest.mark.parametrize("image_quota", [ImageQuota(max_count=1, max_bytes=10**6)])
async def test_deleting_an_image_makes_room_for_the_next(api: ApiHarness) -> None:
    key = await api.register()
    first = (await (await create(api, key)).json())["data"]
    assert (await create(api, key)).status == 409
    deleted = await api.client.delete(f"/api/v1/images/{first['id']}", headers=bearer(key))
    assert deleted.status == 200
    assert (await create(api, key)).status == 201
    assert await api.storage.images.usage(1) == QuotaUsage(1, ONE_IMAGE)
