"""The injected clock: every timed rule (locks, rate windows, holds, retention) reads it."""

from __future__ import annotations

from dataclasses import dataclass

START = 1_800_000_000


@dataclass
class FakeClock:
    """Epoch seconds that move only when a test says so."""

    now: int = START

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds
