"""The provider keys' health, carried between this process's memory and the database.

Calls only touch `providers.key_health.KeyHealth` in memory; every KEY_HEALTH_SYNC_SECONDS
this job (and once more at shutdown) writes what changed in one transaction: the keys benched
or recovered since the last run and the calls counted per key and minute. So the request path
keeps its two storage transactions, and the command line (`myapi keys`) and the bot's
`/stats`, other processes, read the keys' health from the database.

Then it reads the benches every replica wrote and rests those keys here too: a key one
replica found refused, out of quota or rate limited rests on all of them within one sync
interval, instead of each replica paying a failed attempt to learn it. A refused key (401,
403) is reported to the admins once: the first replica whose claim flips the key's row sends
the notice; a recovery re-arms it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

from aiohttp import web

from api.notify import Notifier
from api.periodic import CleanupContext, Sleep, periodic_context
from providers.key_faults import BenchReason
from providers.key_health import HealthReport, KeyChange, KeyHealth, SharedBench
from providers.upstream_keys import UpstreamKey
from storage.notices import KeyRefused
from storage.upstream_keys import KeyHealthStore, KeyStatus, KeyTally

logger = logging.getLogger(__name__)


def _status(change: KeyChange) -> KeyStatus:
    key = change.key
    return KeyStatus(
        provider=key.provider,
        key_id=key.key_id,
        label=key.label,
        benched_at=change.benched_at or None,
        benched_until=change.benched_until or None,
        reason=change.reason or None,
        status=change.status or None,
        recovered_at=change.recovered_at or None,
    )


def _tallies(report: HealthReport) -> list[KeyTally]:
    return [
        KeyTally(c.key.provider, c.key.key_id, c.minute, c.requests, c.errors)
        for c in report.counts
    ]


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _log(change: KeyChange) -> None:
    key = change.key
    if change.benched_until:
        logger.warning(
            "%s key %s (%s) rests until %s: %s (status %s)",
            key.provider,
            key.name,
            key.label,
            _when(change.benched_until),
            change.reason,
            change.status or "none",
        )
    else:
        logger.info("%s key %s (%s) answers again", key.provider, key.name, key.label)


class KeySync:
    """One process's side of the shared key health (see the module docstring)."""

    def __init__(
        self,
        health: KeyHealth,
        keys: Sequence[UpstreamKey],
        store: KeyHealthStore,
        notifier: Notifier,
    ) -> None:
        self._health = health
        self._keys = keys
        self._store = store
        self._notifier = notifier

    async def run_once(self) -> None:
        report = self._health.drain()
        try:
            await self._store.save([_status(c) for c in report.changes], _tallies(report))
        except BaseException:
            self._health.restore(report)  # written by the next run instead
            raise
        for change in report.changes:
            _log(change)
            await self._report_refusal(change)
        await self._adopt()

    async def _report_refusal(self, change: KeyChange) -> None:
        if not change.benched_until or change.reason != BenchReason.REFUSED:
            return
        key = change.key
        if await self._store.claim_refusal_notice(key.provider, key.key_id):
            notice = KeyRefused(
                key.provider, key.name, key.label, change.status, change.benched_until
            )
            self._notifier.notify(notice)

    async def _adopt(self) -> None:
        shared = [
            SharedBench(
                s.provider,
                s.key_id,
                s.benched_at or 0,
                s.benched_until or 0,
                s.reason or "",
                s.status or 0,
            )
            for s in await self._store.benched()
        ]
        for name in self._health.adopt(shared, self._keys):
            logger.info("key %s rests here too: another replica benched it", name)


def key_sync_context(
    build: Callable[[web.Application], KeySync],
    interval_seconds: float,
    sleep: Sleep = asyncio.sleep,
) -> CleanupContext:
    """A `cleanup_ctx` entry syncing every interval, and once more as it closes (before
    storage does), so the last calls' counts and benches are not lost."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        sync = build(app)
        periodic = periodic_context(
            "key health sync",
            lambda _app: sync.run_once,
            interval_seconds,
            sleep=sleep,
            wait_first=True,
        )
        async for _ in periodic(app):
            yield
        try:
            await sync.run_once()
        except Exception:  # shutdown goes on; the counts of the last seconds are lost
            logger.exception("the last key health sync failed")

    return context
