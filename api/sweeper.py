"""Releasing what crashed replicas left behind, periodically, on every live replica.

On PostgreSQL, replicas share the database, and one that dies (SIGKILL, OOM, a lost host)
leaves its calls' holds and idempotency claims behind. Start-up releases the stale ones, but
only when some replica restarts: meanwhile a user's money stays held, calls they can afford
are refused with 402 (strikes that can lock the account). So every replica also sweeps every
STALE_HOLD_SWEEP_MINUTES: holds older than STALE_HOLD_MINUTES (no call runs that long) are
released, claims as old are freed, expired stored answers deleted.

Every step is one conditional statement keyed on age, and each hold row is deleted (and so
released) once, so replicas sweeping at the same time, or a call settling meanwhile, change
nothing twice. SQLite needs no sweep: its one serving process owns the file (see
storage/ownership.py) and releases everything at start-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from api.periodic import CleanupContext, Sleep, periodic_context
from storage.holds import HoldRecovery
from storage.idempotency import IdempotencyStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SweepReport:
    """What one sweep freed: accounts whose holds were released, claims, expired answers."""

    accounts_released: int = 0
    claims_freed: int = 0
    answers_purged: int = 0


class Sweep(Protocol):
    """One sweep run; the loop only needs this (tests hand it a failing one)."""

    async def run_once(self) -> SweepReport: ...


class StaleSweep:
    """Releases holds and claims older than `stale_seconds` (STALE_HOLD_MINUTES)."""

    def __init__(
        self, holds: HoldRecovery, idempotency: IdempotencyStore, stale_seconds: int
    ) -> None:
        self._holds = holds
        self._idempotency = idempotency
        self._stale_seconds = stale_seconds

    async def run_once(self) -> SweepReport:
        """Sweep once; safe to repeat and to run on several replicas at the same time."""
        report = SweepReport(
            accounts_released=await self._holds.release_stale_holds(self._stale_seconds),
            claims_freed=await self._idempotency.abandon_stale_claims(),
            answers_purged=await self._idempotency.purge_expired(),
        )
        if report.accounts_released or report.claims_freed:
            logger.warning("released what a crashed replica left: %s", report)
        else:
            logger.debug("stale sweep: %s", report)
        return report


def sweep_context(
    build: Callable[[web.Application], Sweep],
    interval_seconds: float,
    sleep: Sleep = asyncio.sleep,
) -> CleanupContext:
    """A `cleanup_ctx` entry that sweeps every interval (`build` runs once storage is open).

    It waits first: opening storage has just swept at start-up.
    """
    return periodic_context(
        "stale sweep",
        lambda app: build(app).run_once,
        interval_seconds,
        sleep=sleep,
        wait_first=True,
    )
