"""The reference: the least a gateway can do, as `python -m bench.proxy --port N --upstream URL`.

No authentication, no database, no JSON parsing: the body goes to the upstream as bytes
through ONE shared `aiohttp.ClientSession` with keep-alive, and a stream comes back chunk by
chunk as it arrives. The gateway's overhead is whatever it costs beyond this, on the same
core, the same upstream and the same client library.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

_SESSION = web.AppKey("session", aiohttp.ClientSession)
_UPSTREAM = web.AppKey("upstream", str)
_UPSTREAM_KEY = "sk-bench"


async def _client_session(app: web.Application) -> AsyncIterator[None]:
    """One session for the process, as the gateway is required to keep."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        app[_SESSION] = session
        yield


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.read()
    headers = {
        "Content-Type": request.headers.get("Content-Type", "application/json"),
        "Authorization": f"Bearer {_UPSTREAM_KEY}",
    }
    url = request.app[_UPSTREAM] + "/chat/completions"
    async with request.app[_SESSION].post(url, data=body, headers=headers) as upstream:
        content_type = upstream.headers.get("Content-Type", "application/json")
        if not content_type.startswith("text/event-stream"):
            payload = await upstream.read()
            return web.Response(
                body=payload, status=upstream.status, headers={"Content-Type": content_type}
            )
        response = web.StreamResponse(
            status=upstream.status, headers={"Content-Type": content_type}
        )
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(upstream_base_url: str) -> web.Application:
    """The pass-through app; `upstream_base_url` is OpenAI-style, with /v1."""
    app = web.Application()
    app[_UPSTREAM] = upstream_base_url.rstrip("/")
    app.cleanup_ctx.append(_client_session)
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_get("/health", _health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Minimal pass-through reference proxy.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="upstream base URL with /v1")
    args = parser.parse_args()
    app = build_app(args.upstream)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
