"""The upstream sessions keep no cookies: what a provider's edge sets during one user's
call (Cloudflare's `__cf_bm`, say) must never travel with the next call, which may be
another user's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from providers.transport import UpstreamLimits, create_client_session


@pytest.fixture
async def cookie_setting_upstream() -> AsyncIterator[tuple[TestServer, list[str | None]]]:
    """An upstream that sets a cookie on every answer and records the Cookie it was sent."""
    received: list[str | None] = []

    async def answer(request: web.Request) -> web.Response:
        received.append(request.headers.get("Cookie"))
        response = web.json_response({"ok": True})
        response.set_cookie("__cf_bm", f"edge-{len(received)}", path="/")
        return response

    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, received
    await server.close()


async def test_a_cookie_a_provider_sets_is_never_sent_back(
    cookie_setting_upstream: tuple[TestServer, list[str | None]],
) -> None:
    server, received = cookie_setting_upstream
    # by name: aiohttp's default jar would ignore a cookie from an IP address anyway
    url = f"http://localhost:{server.port}/v1/chat/completions"
    limits = UpstreamLimits(connect_timeout=5, read_timeout=5, max_connections=4)
    session = create_client_session(limits)
    try:
        for _ in range(2):
            async with session.post(url, json={}) as response:
                assert response.status == 200
                assert "__cf_bm" in response.headers.get("Set-Cookie", "")
    finally:
        await session.close()
    assert received == [None, None]
    assert len(session.cookie_jar) == 0
