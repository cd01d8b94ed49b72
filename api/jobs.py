"""The seed's retention rules as a scheduled job: trial expiry and deletion of idle data.

The decisions and their once-only claims live in storage/retention.py; this module runs them
in order, hands the resulting notices to the notifier, and repeats once per interval from a
`cleanup_ctx` entry. Irreversible steps run before the warnings of the same pass, so a
warning is always sent in an earlier run than the step it announces.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from api.notify import Notifier
from api.periodic import CleanupContext, Sleep, periodic_context
from storage.notices import DeletionSoon, Notice, TrialExpiring, TrialWithdrawn
from storage.retention import RetentionStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobReport:
    """How many accounts each step changed in one run."""

    trials_warned: int = 0
    trials_withdrawn: int = 0
    idle_warned: int = 0
    idle_deleted: int = 0


class RetentionJobs:
    """One run of the enabled retention jobs (RETENTION_JOBS and the per-job switches)."""

    def __init__(
        self, store: RetentionStore, notifier: Notifier, *, trial: bool, inactivity: bool
    ) -> None:
        self._store = store
        self._notifier = notifier
        self.trial = trial
        self.inactivity = inactivity

    async def run_once(self) -> JobReport:
        """Run each enabled job; safe to repeat (a second run finds nothing left to do)."""
        withdrawn: list[TrialWithdrawn] = []
        trial_warnings: list[TrialExpiring] = []
        idle_warnings: list[DeletionSoon] = []
        deleted = 0
        if self.trial:
            withdrawn = await self._store.expire_trials()
            trial_warnings = await self._store.warn_trials()
        if self.inactivity:
            deleted = await self._store.delete_inactive()
            idle_warnings = await self._store.warn_inactive()
        notices: list[Notice] = [*withdrawn, *trial_warnings, *idle_warnings]
        for notice in notices:
            self._notifier.notify(notice)
        report = JobReport(len(trial_warnings), len(withdrawn), len(idle_warnings), deleted)
        logger.info("retention run: %s", report)
        return report


def retention_context(
    build: Callable[[web.Application], RetentionJobs],
    interval_seconds: float,
    sleep: Sleep = asyncio.sleep,
) -> CleanupContext:
    """A `cleanup_ctx` entry that runs the jobs (`build` makes them once storage is open) at
    start-up and then every interval."""
    return periodic_context(
        "retention run", lambda app: build(app).run_once, interval_seconds, sleep=sleep
    )
