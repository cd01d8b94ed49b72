"""The fake upstream as a process of its own: `python -m bench.upstream --port N [--hold]`.

It reuses the tests' `FakeUpstream` so the gateway, the reference proxy and direct calls
all meet the same provider-shaped answers. Changes for load: it forgets the requests it
receives (the tests' recording would grow without bound over a run), and it answers
`GET /health` so the harness can poll for readiness instead of sleeping.

With `--hold`, every stream stops after its first content chunk until `POST /release`
(which also re-arms the hold for the streams that come after); `GET /held` says how many
streams are waiting, so the held-streams scenario knows when all of them are open.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Literal

from aiohttp import web

from tests.fakes.upstream import FakeUpstream, ReceivedRequest


class _Forgetful(list[ReceivedRequest]):
    """A request log that keeps nothing: memory stays flat however long the run."""

    def append(self, item: ReceivedRequest, /) -> None:
        """Drop `item`; the bench never inspects what the upstream received."""


class _CountedHold(asyncio.Event):
    """The fake's pause: an event that knows how many streams wait on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = 0

    async def wait(self) -> Literal[True]:
        self.waiting += 1
        try:
            return await super().wait()
        finally:
            self.waiting -= 1


class _HoldSwitch:
    """Counts the held streams and releases them, through two routes of the fake."""

    def __init__(self, fake: FakeUpstream) -> None:
        self._fake = fake
        self._hold = fake.pause_stream = _CountedHold()

    async def held(self, _request: web.Request) -> web.Response:
        return web.json_response({"held": self._hold.waiting})

    async def release(self, _request: web.Request) -> web.Response:
        """Let every waiting stream finish; later streams wait on a fresh hold."""
        released = self._hold
        self._hold = self._fake.pause_stream = _CountedHold()
        released.set()
        return web.json_response({"released": released.waiting})


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(*, hold: bool = False) -> web.Application:
    """The tests' fake OpenAI-compatible upstream plus a readiness route (and the hold's)."""
    fake = FakeUpstream(requests=_Forgetful())
    app = fake.app()
    app.router.add_get("/health", _health)
    if hold:
        switch = _HoldSwitch(fake)
        app.router.add_get("/held", switch.held)
        app.router.add_post("/release", switch.release)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible upstream for bench.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hold", action="store_true", help="hold streams until /release")
    args = parser.parse_args()
    app = build_app(hold=args.hold)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, backlog=4096)


if __name__ == "__main__":
    main()
