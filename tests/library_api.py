"""One user's image library over HTTP, for the `/api/v1/images` tests.

Images are stored directly in storage (any style, medium or filter, no provider call), as
real PNGs whose bytes differ per image; every request goes through the real app.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse
from PIL import Image

from storage.images import StoredImage
from tests.conftest import ApiHarness
from tests.stored_images import new_image, stored

IMAGES = "/api/v1/images"
#: The values seed 004 allows for each closed parameter, in its order.
SEED_VALUES = {
    "search_by": ["name"],
    "resolution": ["256x256", "512x512", "1024x1024"],
    "style": [
        "3d_render",
        "abstract",
        "anime",
        "art_deco",
        "cartoon",
        "digital_art",
        "illustration",
        "origami",
        "pixel_art",
        "photography",
        "pop_art",
        "retro",
        "sketch",
        "vaporwave",
    ],
    "medium": [
        "acrylic",
        "canvas",
        "chalk",
        "charcoal",
        "crayon",
        "glass",
        "ink",
        "pastel",
        "pencil",
        "spray_paint",
        "watercolor",
    ],
    "filter": ["grayscale", "sepia", "invert"],
    "sort_by": ["id", "name"],
    "sort": ["desc", "asc"],
}


def png(shade: int = 0, size: tuple[int, int] = (4, 4), image_format: str = "PNG") -> bytes:
    """A small real image; a different `shade` gives different bytes."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (shade % 256, 40, 200)).save(buffer, format=image_format)
    return buffer.getvalue()


@dataclass
class Library:
    """A registered user and the requests they make to their library."""

    api: ApiHarness
    username: str
    key: str
    account_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def store(
        self,
        name: str = "sunset",
        *,
        data: bytes | None = None,
        content_type: str = "image/png",
        resolution: str = "1024x1024",
        style: str | None = None,
        medium: str | None = None,
        filter: str | None = None,
    ) -> StoredImage:
        image = new_image(
            self.account_id,
            name,
            data=png(len(name)) if data is None else data,
            resolution=resolution,
            style=style,
            medium=medium,
            filter=filter,
            content_type=content_type,
        )
        return await stored(self.api.storage, image)

    async def store_many(self, count: int, prefix: str = "image") -> list[StoredImage]:
        """`count` images named `<prefix> 0`, `<prefix> 1`, ..., oldest first."""
        return [await self.store(f"{prefix} {number}") for number in range(count)]

    async def listing(self, **params: str) -> ClientResponse:
        return await self.api.client.get(IMAGES, params=params, headers=self.headers)

    async def page(self, **params: str) -> dict[str, Any]:
        """A listing that must succeed."""
        response = await self.listing(**params)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body

    async def names(self, **params: str) -> list[str]:
        return [record["name"] for record in (await self.page(**params))["data"]]

    async def request(self, method: str, path: str, **kwargs: Any) -> ClientResponse:
        kwargs.setdefault("headers", self.headers)
        return await self.api.client.request(method, path, **kwargs)


async def open_library(
    api: ApiHarness, telegram_id: int = 7, name: str = "alice", credit: int = 10**6
) -> Library:
    key = await api.register(telegram_id, name, credit)
    account = await api.storage.accounts.by_username(name)
    assert account is not None
    return Library(api, name, key, account.id)


async def error_of(response: ClientResponse, status: int) -> dict[str, Any]:
    """The OpenAI-shaped error of a response that must have failed with `status`."""
    assert response.status == status, await response.text()
    body: dict[str, Any] = await response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    return error
