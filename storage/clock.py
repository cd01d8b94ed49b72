"""The injected clock: every timed rule (locks, rate windows, holds, retention) reads it.

A clock is a callable returning whole epoch seconds. It is passed in rather than read from
`time` where a rule needs it, so tests move time by hand instead of sleeping; `wall_clock`
is the one real clock the service and the command line pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "wall_clock"]

Clock = Callable[[], int]


def wall_clock() -> int:
    """The real time in whole epoch seconds (what every stored timestamp uses)."""
    return int(time.time())
