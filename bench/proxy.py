"""The reference: the least a gateway can do, as `python -m bench.proxy --port N --upstream URL`.

What the issue that set the targets calls a bare pass-through: it checks a bearer token
(one of `REFERENCE_KEYS`, a set lookup: no database, no hashing), parses the request's JSON
(a non-object is a 400; a stream is asked for its usage, so re-encoded), sends the body
through ONE shared `aiohttp.ClientSession` with keep-alive, and reads the usage of the
answer: parsed from a whole answer, and from the stream's usage event, which it relays
chunk by chunk as each arrives. Nothing is held, billed or written. The gateway's overhead
is whatever it costs beyond this, on the same core, the same upstream and the same client
library.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)
_UPSTREAM_KEY = "sk-bench"
#: The tokens the reference accepts; the load generator sends them as it sends the bench
#: users' keys to a service (one per worker, round robin).
REFERENCE_KEYS = tuple(f"sk-reference-{number:02d}" for number in range(64))
_ACCEPTED = frozenset(f"Bearer {key}" for key in REFERENCE_KEYS)
_USAGE_MARK = b'"usage"'

#: Told the answer's usage (None when it had none) before the client has the whole answer.
UsageSink = Callable[[Any], Awaitable[None]]


async def client_session(app: web.Application) -> AsyncIterator[None]:
    """One session for the process, as the gateway is required to keep."""
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        app[SESSION] = session
        yield


def _usage_of(event_lines: bytes) -> Any:
    """The usage in the SSE `data:` lines of `event_lines` that carry one (else None)."""
    usage = None
    for line in event_lines.splitlines():
        if line.startswith(b"data: {") and _USAGE_MARK in line:
            usage = json.loads(line[6:]).get("usage")
    return usage


def error(message: str, status: int) -> web.Response:
    return web.json_response({"error": {"message": message}}, status=status)


async def pass_through(request: web.Request, used: UsageSink) -> web.StreamResponse:
    """The request's JSON sent upstream and the answer relayed; `used` gets the usage
    before the answer is returned (a whole one) or the stream's end is written."""
    body = await request.read()
    call = json.loads(body)
    if not isinstance(call, dict):
        return error("not an object", 400)
    if call.get("stream"):  # an OpenAI stream carries its usage only when asked to
        call["stream_options"] = {"include_usage": True}
        body = json.dumps(call).encode()
    headers = {
        "Content-Type": request.headers.get("Content-Type", "application/json"),
        "Authorization": f"Bearer {_UPSTREAM_KEY}",
    }
    url = request.app[UPSTREAM] + "/chat/completions"
    async with request.app[SESSION].post(url, data=body, headers=headers) as upstream:
        content_type = upstream.headers.get("Content-Type", "application/json")
        if not content_type.startswith("text/event-stream"):
            payload = await upstream.read()
            await used(json.loads(payload).get("usage"))
            return web.Response(
                body=payload, status=upstream.status, headers={"Content-Type": content_type}
            )
        response = web.StreamResponse(
            status=upstream.status, headers={"Content-Type": content_type}
        )
        await response.prepare(request)
        usage = None
        partial = b""  # an event line cut by a chunk's end, completed by the next chunk
        async for chunk in upstream.content.iter_any():
            lines, _, partial = (partial + chunk).rpartition(b"\n")
            if _USAGE_MARK in lines:
                usage = _usage_of(lines)
            await response.write(chunk)
        await used(usage)
        await response.write_eof()
        return response


async def _ignored(_usage: Any) -> None:
    """The reference bills nothing: it only parsed the usage."""


async def _chat(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Authorization") not in _ACCEPTED:
        return error("bad key", 401)
    return await pass_through(request, _ignored)


async def health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(upstream_base_url: str) -> web.Application:
    """The pass-through app; `upstream_base_url` is OpenAI-style, with /v1."""
    app = web.Application()
    app[UPSTREAM] = upstream_base_url.rstrip("/")
    app.cleanup_ctx.append(client_session)
    app.router.add_post("/v1/chat/completions", _chat)
    app.router.add_get("/health", health)
    return app


def server_arguments(description: str) -> argparse.ArgumentParser:
    """The options every bench server takes (the reference's and the floor's)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="upstream base URL with /v1")
    return parser


def serve(app: web.Application, port: int) -> None:
    """Serve `app` on loopback, no access log: what the bench measures is the handler."""
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def main() -> None:
    args = server_arguments("Minimal pass-through reference proxy.").parse_args()
    serve(build_app(args.upstream), args.port)


if __name__ == "__main__":
    main()
