"""Stability's v1 text-to-image over the shared `Upstream`."""

from __future__ import annotations

from providers.http import Upstream
from providers.registry import Route
from providers.stability import text_to_image_url, upstream_headers


class StabilityClient:
    """The only I/O of the Stability route; errors come mapped from `Upstream.open`."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def text_to_image(self, route: Route, payload: bytes) -> bytes:
        """Stability's JSON answer, as sent (its artifacts are base64 images)."""
        response = await self._upstream.open(
            "POST",
            text_to_image_url(route.provider.base_url, route.model.upstream),
            api_key=route.api_key,
            headers=upstream_headers(route.api_key),
            data=payload,
        )
        async with response:
            return await self._upstream.read(response)
