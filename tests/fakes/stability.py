"""A fake Stability API (api.stability.ai v1): a real aiohttp server shaped like it.

`POST /v1/generation/{engine_id}/text-to-image` answers `{"artifacts": [{base64, seed,
finishReason}]}`, one artifact per requested sample (a valid 1x1 PNG); errors have
Stability's shape `{"id", "name", "message"}`. Every request is recorded (path, headers,
parsed body). Switches per test: each artifact's finish reason, an error status, a delay.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.key_faults import KeyFaults

#: A complete 1x1 PNG.
PNG_BASE64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@dataclass
class StabilityRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeStability:
    """State and switches of one fake Stability; `app()` builds its server."""

    #: Each artifact's finishReason in order; samples beyond the list succeed.
    finish_reasons: list[str] = field(default_factory=list)
    fail_status: int | None = None
    fail_message: str = "An unexpected server error has occurred."
    delay: float = 0.0
    requests: list[StabilityRequest] = field(default_factory=list)
    #: Per-key refusals, and the key of every request received (tests/fakes/key_faults.py).
    keys: KeyFaults = field(default_factory=KeyFaults)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.keys.middleware])
        app.router.add_post("/v1/generation/{engine_id}/text-to-image", self._text_to_image)
        return app

    async def _text_to_image(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(StabilityRequest(request.path, dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_status is not None:
            return error_response(self.fail_status, self.fail_message)
        seed = body.get("seed") or 1234
        samples = body.get("samples", 1)
        reasons = self.finish_reasons + ["SUCCESS"] * (samples - len(self.finish_reasons))
        artifacts = [
            {"base64": PNG_BASE64, "seed": seed + index, "finishReason": reason}
            for index, reason in enumerate(reasons[:samples])
        ]
        return web.json_response({"artifacts": artifacts})


def error_response(status: int, message: str) -> web.Response:
    """Stability's error shape: `{"id", "name", "message"}`."""
    names = {400: "bad_request", 401: "unauthorized", 403: "permission_denied", 404: "not_found"}
    error = {
        "id": "0123456789abcdef",
        "name": names.get(status, "server_error"),
        "message": message,
    }
    return web.json_response(error, status=status)
