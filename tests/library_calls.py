"""Image-library calls over HTTP the way seed 004 makes them (a form and a Bearer key), shared
by the library's creation, quota, catalog and CRUD tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import ApiHarness

START = 10**6  # the harness's credit: 1 USD
DALL_E_2_256 = 16_000  # dall-e-2 256x256/standard: 0.016 USD
FIELDS = {"name": "Lighthouse", "description": "a lighthouse at dusk", "resolution": "256x256"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def create(api: ApiHarness, key: str, **fields: Any) -> Any:
    """The seed's way: form-urlencoded fields and a Bearer key."""
    return await api.client.post("/api/v1/images", data={**FIELDS, **fields}, headers=bearer(key))
