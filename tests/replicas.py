"""Several real `python -m api` replicas on one PostgreSQL database and one bot token, with
the fake Telegram and the fake provider: what the replica tests share.

Each replica gets its own working directory (its own `service.log`) and its own path under
the fake Bot API server (`TELEGRAM_API_BASE=<fake>/<name>`), so every Bot API call the fake
records says which replica made it (`Call.via`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.telegram import Call, FakeTelegram
from tests.process import ServiceProcess, free_port, running_service, service_env

ADMIN_ID = 999


def random_token() -> str:
    """A token of its own per test: the poller's lock is keyed by the bot's id, and other
    tests may share the PostgreSQL server."""
    return f"{secrets.randbelow(10**9) + 10**9}:replica-test-{secrets.token_hex(8)}"


@dataclass
class Replicas:
    telegram: FakeTelegram
    token: str
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def calls_since(self, mark: int, method: str, via: str | None = None) -> list[Call]:
        """Calls to `method` recorded after `mark` (a length of `telegram.calls`)."""
        return [
            call
            for call in self.telegram.calls[mark:]
            if call.method.lower() == method.lower() and via in (None, call.via)
        ]

    async def next_call(
        self,
        mark: int,
        method: str,
        via: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a test helper's own bound: it must never hang
    ) -> Call:
        """The first call to `method` by replica `via` after `mark` (past or future)."""
        earlier = {id(call) for call in self.telegram.calls[:mark]}

        def matches(call: Call) -> bool:
            return (
                id(call) not in earlier
                and call.via == via
                and (predicate is None or predicate(call))
            )

        return await self.telegram.wait_for_call(method, matches, timeout)


def replica_env(
    token: str, telegram_url: str, name: str, database_url: str, **settings: str
) -> dict[str, str]:
    return service_env(
        BOT_TOKEN=token,
        TELEGRAM_API_BASE=f"{telegram_url}/{name}",
        ADMIN_IDS=str(ADMIN_ID),
        DATABASE_URL=database_url,
        RATE_LIMIT_PER_MINUTE="0",
        **settings,
    )


@asynccontextmanager
async def running_replicas(
    root: Path,
    names: tuple[str, ...],
    telegram: FakeTelegram,
    telegram_url: str,
    database_url: str,
    **settings: Any,
) -> AsyncIterator[Replicas]:
    """Start one service per name, all at once (as a compose file starts its replicas, on
    a database none of them has migrated yet), each healthy; the same token for all."""
    replicas = Replicas(telegram, random_token())

    async def start(stack: AsyncExitStack, name: str) -> None:
        cwd = root / name
        cwd.mkdir()
        env = replica_env(replicas.token, telegram_url, name, database_url, **settings)
        service = running_service(cwd, env, port=free_port())
        replicas.services[name] = await stack.enter_async_context(service)

    async with AsyncExitStack() as stack:
        async with asyncio.TaskGroup() as starting:  # one failing stops the others
            for name in names:
                starting.create_task(start(stack, name))
        yield replicas
