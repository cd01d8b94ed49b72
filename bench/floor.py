"""The floor: the reference plus the two statements the money rules require, and nothing
else, as `python -m bench.floor --port N --upstream URL --database FILE`.

The issue's targets compare the service with a pass-through that writes nothing. A gateway
that keeps the rules cannot write nothing: before the call goes out, one statement checks
the key and holds the funds (the gate), and before the client has the answer, one statement
records the call, charges it and releases the hold (the settlement), each committed. The
floor runs exactly those two statements, the service's own text
(`storage.account_statements`), the way the service runs them: on the event loop on the
service's kind of connection (`storage.sqlite_inline.connect_inline`: WAL,
`synchronous=NORMAL`, the checkpoints in a thread by the service's own checkpointer),
bound by position (the values in each statement's order, `storage.numbered.InOrder`),
committed by the service's group commit (`storage.sqlite_group`: the gate's commit
follows the call out, and under load the statements of one loop iteration share a
commit). Around them is the reference's relay (`bench.proxy`). So what the floor costs
beyond the reference is what the rules cost on this SQLite, machine and client library;
what the service costs beyond the floor is the rest of its own code.

Left out, as the least a gateway could do: validation, the hold's estimate (a fixed hold),
routing, pricing (a unit a token), key failover, idempotency, logging and metrics. Only
whole answers and OpenAI-style streams are relayed, as the bench sends.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

from aiohttp import web

from bench.proxy import (
    UPSTREAM,
    client_session,
    error,
    health,
    pass_through,
    serve,
    server_arguments,
)
from storage.account_statements import (
    authorize_statement,
    authorize_values,
    settlement_statement,
    settlement_values,
)
from storage.models import CallRecord
from storage.numbered import numbered
from storage.policy import AccessPolicy
from storage.sqlite_checkpoint import WalCheckpointer
from storage.sqlite_group import GroupCommit
from storage.sqlite_inline import connect_inline

#: What every call holds: the floor estimates nothing (the bench's accounts cannot run dry).
FLOOR_HOLD = 1_000
_ENDPOINT = "/v1/chat/completions"
_POLICY = AccessPolicy(requests_per_minute=0)  # as the bench runs the service
_GATE_STATEMENT = authorize_statement("key_hash = :key_hash", "sqlite")
_GATE, _gate_values = numbered(_GATE_STATEMENT, "?")[0], authorize_values(_GATE_STATEMENT)
_SETTLEMENT = settlement_statement("sqlite")
_SETTLE, _settle_values = numbered(_SETTLEMENT, "?")[0], settlement_values(_SETTLEMENT)


class Floor:
    """The two statements on one connection, through one group commit; request ids are a
    counter."""

    def __init__(self, path: Path) -> None:
        self._connection = connect_inline(path)
        self._connection.execute("PRAGMA journal_mode=WAL")  # the service's start-up sets it
        self._group = GroupCommit(self._connection, busy_seconds=5.0)
        self._numbers = itertools.count(1)

    async def gate(self, key: str) -> tuple[int, str] | None:
        """(account id, request id) when the key's account is admitted with the hold held;
        a refusal is told only once it has committed, as the service tells it."""
        request_id = f"floor-{next(self._numbers)}"
        values = _gate_values(_POLICY, key, FLOOR_HOLD, int(time.time()), request_id, None)
        rows = await self._group.fetch_all(_GATE, values, early=True)
        # No row factory on this connection: a row is the tuple `RETURNING` names.
        row = cast("tuple[Any, ...] | None", rows[0] if rows else None)
        if row is None or row[2] != "ok":
            await self._group.committed()
            return None
        return row[0], request_id

    async def settle(self, account_id: int, request_id: str, started: float, usage: Any) -> None:
        """Charge the usage's tokens at a unit each and release the hold."""
        reported = usage or {}
        tokens = reported.get("prompt_tokens", 0), reported.get("completion_tokens", 0)
        record = CallRecord(
            request_id=request_id,
            account_id=account_id,
            endpoint=_ENDPOINT,
            provider="openai",
            model="floor",
            status=200,
            input_units=tokens[0],
            output_units=tokens[1],
            cost=sum(tokens),
            held=FLOOR_HOLD,
            latency_ms=int((time.monotonic() - started) * 1000),
        )
        await self._group.fetch_all(_SETTLE, _settle_values(record, int(time.time())))

    def close(self) -> None:
        self._connection.close()


_FLOOR = web.AppKey("floor", Floor)


async def _chat(request: web.Request) -> web.StreamResponse:
    started = time.monotonic()
    admitted = await request.app[_FLOOR].gate(request.headers.get("Authorization", "")[7:])
    if admitted is None:
        return error("refused", 401)
    account_id, request_id = admitted
    settled = False

    async def settle(usage: Any) -> None:
        nonlocal settled
        settled = True
        await request.app[_FLOOR].settle(account_id, request_id, started, usage)

    try:
        return await pass_through(request, settle)
    finally:
        if not settled:  # a body refused, or the provider failed: free, the hold released
            await request.app[_FLOOR].settle(account_id, request_id, started, None)


def build_app(upstream_base_url: str, database: Path) -> web.Application:
    app = web.Application()
    app[UPSTREAM] = upstream_base_url.rstrip("/")

    async def storage(app: web.Application) -> AsyncIterator[None]:
        app[_FLOOR] = floor = Floor(database)
        checkpointer = WalCheckpointer(database)
        checkpointer.start()
        yield
        await checkpointer.stop()
        floor.close()

    app.cleanup_ctx.extend((storage, client_session))
    app.router.add_post(_ENDPOINT, _chat)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    parser = server_arguments("The reference plus the money's statements.")
    parser.add_argument("--database", type=Path, required=True, help="a seeded SQLite file")
    args = parser.parse_args()
    serve(build_app(args.upstream, args.database), args.port)


if __name__ == "__main__":
    main()
