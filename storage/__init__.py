"""The database: schema and migrations, account rules as atomic SQL, the ledger.

`open_storage` is the factory the composition root calls; nothing here is made at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from storage.accounts import AccountStore
from storage.admin import AccountAdmin
from storage.clock import Clock
from storage.database import Database, open_database, sqlite_path
from storage.holds import HoldRecovery
from storage.idempotency import IdempotencyStore
from storage.images import ImageQuota, ImageStore
from storage.migrations import migrate
from storage.notices import NoticeStore
from storage.outages import DatabaseTimeouts
from storage.ownership import ServingLock
from storage.payments import PaymentStore
from storage.policy import AccessPolicy
from storage.profiles import ProfileStore
from storage.reports import OperatorReports
from storage.responses import ResponseOwners
from storage.retention import RetentionRules, RetentionStore
from storage.sqlite_inline import SqliteSynchronous
from storage.upstream_keys import KeyHealthStore
from storage.usage import UsageStore

logger = logging.getLogger(__name__)

#: The image library's quota when the caller names none (the settings' defaults).
DEFAULT_IMAGE_QUOTA = ImageQuota(max_count=200, max_bytes=200 * 1024 * 1024)
#: The retention jobs' ages when the caller names none (the settings' defaults).
DEFAULT_RETENTION_RULES = RetentionRules()

__all__ = [
    "DEFAULT_IMAGE_QUOTA",
    "DEFAULT_RETENTION_RULES",
    "AccessPolicy",
    "AccountAdmin",
    "AccountStore",
    "DatabaseTimeouts",
    "IdempotencyStore",
    "ImageQuota",
    "ImageStore",
    "KeyHealthStore",
    "RetentionRules",
    "ServingLock",
    "Storage",
    "open_storage",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """The opened database and every store built on it, each built once at open.

    Callers take the stores from here rather than building their own, so each store exists
    once per process and every one reads the same `clock`.

    `serving_lock` is set for the serving process on SQLite (see `storage.ownership`): it is
    released only after the database has closed, so no other process can recover the file
    while this one may still write to it.
    """

    database: Database
    clock: Clock
    accounts: AccountStore
    admin: AccountAdmin
    holds: HoldRecovery
    idempotency: IdempotencyStore
    images: ImageStore
    notices: NoticeStore
    payments: PaymentStore
    profiles: ProfileStore
    reports: OperatorReports
    responses: ResponseOwners
    retention: RetentionStore
    usage: UsageStore
    upstream_keys: KeyHealthStore
    serving_lock: ServingLock | None = None

    async def close(self) -> None:
        try:
            await self.database.close()
        finally:
            if self.serving_lock is not None:
                self.serving_lock.release()


async def open_storage(
    url: str,
    policy: AccessPolicy,
    clock: Clock,
    *,
    recover_holds: bool = False,
    stale_hold_seconds: int = 3600,
    idempotency_ttl_seconds: int = 24 * 3600,
    image_quota: ImageQuota = DEFAULT_IMAGE_QUOTA,
    retention_rules: RetentionRules = DEFAULT_RETENTION_RULES,
    timeouts: DatabaseTimeouts | None = None,
    sqlite_synchronous: SqliteSynchronous = SqliteSynchronous.NORMAL,
) -> Storage:
    """Open DATABASE_URL, bring the schema up to date, and check the ledger.

    `recover_holds` is for the serving process at start-up: holds left by a crash are
    released. On SQLite the serving process first takes the database's serving lock (and
    raises `DatabaseInUseError`, having touched nothing, when another process holds it), so
    it owns the file and releases all of them; on PostgreSQL, whose other replicas may hold
    funds for calls still running, those older than `stale_hold_seconds`. Never from the
    command line, which may run beside the service and takes no lock.
    Stored idempotent answers live `idempotency_ttl_seconds`; the serving process deletes
    expired ones at start-up too. A key claimed by a call that never ended is free again
    after `stale_hold_seconds` (at once on SQLite's start-up, for the same reason as the
    holds). `image_quota` bounds each account's image library; `retention_rules` are the
    retention jobs' ages. `timeouts` bound every wait for the database (an unreachable
    one raises `DatabaseUnavailableError`, at start-up too); `sqlite_synchronous` is what
    an SQLite commit promises (see `SqliteSynchronous`).
    """
    lock = None
    if recover_holds and url.startswith("sqlite:///"):
        lock = ServingLock.acquire(sqlite_path(url))
    try:
        database = await open_database(url, timeouts, sqlite_synchronous)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    try:
        await migrate(database)
        accounts = AccountStore(database, policy, clock)
        holds = HoldRecovery(database, clock)
        idempotency = IdempotencyStore(
            database, clock, idempotency_ttl_seconds, stale_claim_seconds=stale_hold_seconds
        )
        if recover_holds:
            await _recover(database, holds, idempotency, stale_hold_seconds)
        mismatched = await accounts.mismatched_balances()
        if mismatched:
            logger.error("balance differs from the ledger for %d accounts", len(mismatched))
    except BaseException:
        await database.close()
        if lock is not None:
            lock.release()
        raise
    return Storage(
        database=database,
        clock=clock,
        accounts=accounts,
        holds=holds,
        admin=AccountAdmin(database, clock),
        idempotency=idempotency,
        images=ImageStore(database, clock, image_quota),
        notices=NoticeStore(database),
        payments=PaymentStore(database, clock),
        profiles=ProfileStore(database, clock),
        reports=OperatorReports(database, clock),
        responses=ResponseOwners(database, clock, accounts),
        retention=RetentionStore(database, clock, retention_rules),
        usage=UsageStore(database, clock),
        upstream_keys=KeyHealthStore(database, clock),
        serving_lock=lock,
    )


async def _recover(
    database: Database,
    holds: HoldRecovery,
    idempotency: IdempotencyStore,
    stale_hold_seconds: int,
) -> None:
    """Release what a crash left: everything on SQLite (this process owns the file), what is
    older than any live call on PostgreSQL (other replicas may be mid-call)."""
    owned = database.dialect == "sqlite"
    released = await (
        holds.release_all_holds() if owned else holds.release_stale_holds(stale_hold_seconds)
    )
    if released:
        logger.warning("released holds left by an earlier crash on %d accounts", released)
    await idempotency.purge_expired()
    if owned:
        await idempotency.abandon_all_claims()
    else:
        await idempotency.abandon_stale_claims()
