"""The fake upstream as a process of its own: `python -m bench.upstream --port N`.

It reuses the tests' `FakeUpstream` so the gateway, the reference proxy and direct calls
all meet the same provider-shaped answers. Two changes for load: it forgets the requests
it receives (the tests' recording would grow without bound over a run), and it answers
`GET /health` so the harness can poll for readiness instead of sleeping.
"""

from __future__ import annotations

import argparse

from aiohttp import web

from tests.fakes.upstream import FakeUpstream, ReceivedRequest


class _Forgetful(list[ReceivedRequest]):
    """A request log that keeps nothing: memory stays flat however long the run."""

    def append(self, item: ReceivedRequest, /) -> None:
        """Drop `item`; the bench never inspects what the upstream received."""


async def _health(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app() -> web.Application:
    """The tests' fake OpenAI-compatible upstream plus a readiness route."""
    app = FakeUpstream(requests=_Forgetful()).app()
    app.router.add_get("/health", _health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible upstream for bench.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
