"""Event-driven waiting for the fake Telegram server: its long poll and `wait_for_call`.

Nothing sleeps in a loop: every change to the server's state calls `notify`, which wakes
every waiter to re-check its condition once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Changes:
    """A lock-free condition variable: `notify` wakes every `wait_for` to re-check."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, check: Callable[[], T | None], seconds: float) -> T | None:
        """`check()` once it is not None, or None after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (result := check()) is None and loop.time() < deadline:
            waiter = loop.create_future()
            self._waiters.add(waiter)
            await asyncio.wait({waiter}, timeout=deadline - loop.time())
            waiter.cancel()
            self._waiters.discard(waiter)
        return result
