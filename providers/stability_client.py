"""Stability's v1 text-to-image over the shared `Upstream`."""

from __future__ import annotations

from providers.http import Upstream, UpstreamRequest
from providers.registry import Route
from providers.stability import text_to_image_url, upstream_headers


class StabilityClient:
    """The only I/O of the Stability route; errors come mapped from `Upstream.open`."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def text_to_image(self, route: Route, payload: bytes) -> bytes:
        """Stability's JSON answer, as sent (its artifacts are base64 images)."""

        def build(attempt: Route) -> UpstreamRequest:
            url = text_to_image_url(attempt.base_url, attempt.model.upstream)
            return UpstreamRequest("POST", url, upstream_headers(attempt.api_key), payload)

        opened = await self._upstream.open(route, build)
        async with opened.response as response:
            return await self._upstream.read(response)
