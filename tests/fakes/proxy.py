"""A fake forward HTTP proxy: takes absolute-form requests, as aiohttp sends them through
`proxy=`, records each (target URL and `Proxy-Authorization`), and forwards it."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import ClientSession, web

_HOP_BY_HOP = {"host", "proxy-authorization", "proxy-connection", "connection", "content-length"}


@dataclass
class ProxiedRequest:
    method: str
    url: str
    proxy_authorization: str | None
    authorization: str | None


@dataclass
class FakeProxy:
    requests: list[ProxiedRequest] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        return app

    async def _forward(self, request: web.Request) -> web.Response:
        self.requests.append(
            ProxiedRequest(
                request.method,
                str(request.url),
                request.headers.get("Proxy-Authorization"),
                request.headers.get("Authorization"),
            )
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with (
            ClientSession(auto_decompress=False) as session,
            session.request(
                request.method, request.url, headers=headers, data=await request.read()
            ) as answer,
        ):
            body = await answer.read()
            content_type = answer.headers.get("Content-Type", "application/octet-stream")
            return web.Response(
                status=answer.status, body=body, headers={"Content-Type": content_type}
            )
