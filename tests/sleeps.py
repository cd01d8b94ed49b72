"""A fake `asyncio.sleep` for the periodic loops: each wait is seen, and ends when a test says."""

from __future__ import annotations

import asyncio


class SteppedSleep:
    """A fake `asyncio.sleep`: records each wait and returns only when the test says so."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._waiting: asyncio.Queue[float] = asyncio.Queue()
        self._go: asyncio.Queue[None] = asyncio.Queue()

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await self._waiting.put(seconds)
        await self._go.get()

    async def reached(self) -> None:
        """Until the loop is waiting again (so the run before it has finished)."""
        await asyncio.wait_for(self._waiting.get(), timeout=5)

    def wake(self) -> None:
        self._go.put_nowait(None)
