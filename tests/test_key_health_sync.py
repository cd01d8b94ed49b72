"""The keys' health in the database: written off the request path, shared by the replicas.

Each "replica" is a `KeyHealth` of its own (what one process holds in memory) with its
`KeySync`, over the one database (SQLite and PostgreSQL); time moves by the injected clock.
"""

from __future__ import annotations

import pytest

from api.key_sync import KeySync
from providers.key_faults import BenchReason, BenchRules, Blame, Fault
from providers.key_health import KeyHealth
from providers.upstream_keys import UpstreamKey
from storage import Storage
from storage.notices import KeyRefused, Notice
from storage.upstream_keys import KeyStatus
from tests.clock import FakeClock

KEY_A = UpstreamKey("openai", "a", "sk-key-a-0123456789abcdefghij", "https://a.test/v1")
KEY_B = UpstreamKey("openai", "b", "sk-key-b-0123456789abcdefghij", "https://a.test/v1")
KEYS = (KEY_A, KEY_B)
REFUSED = Fault(Blame.KEY, BenchReason.REFUSED, 1800)
LIMITED = Fault(Blame.KEY, BenchReason.RATE_LIMITED, 60)
BROKEN = Fault(Blame.PROVIDER)


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


class Replica:
    """One process's key health and its sync, over the shared storage."""

    def __init__(self, storage: Storage, clock: FakeClock, notifier: RecordingNotifier) -> None:
        self.health = KeyHealth(clock, BenchRules())
        self.sync = KeySync(self.health, KEYS, storage.upstream_keys, notifier)

    def call(self, key: UpstreamKey, fault: Fault | None = None, status: int = 0) -> None:
        self.health.started(key)
        if fault is None:
            self.health.answered(key)
        else:
            self.health.failed(key, fault, status)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def replicas(
    storage: Storage, clock: FakeClock, notifier: RecordingNotifier
) -> tuple[Replica, Replica]:
    return Replica(storage, clock, notifier), Replica(storage, clock, notifier)


async def test_a_bench_is_written_with_when_why_and_until(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, _ = replicas
    one.call(KEY_A, LIMITED, 429)
    await one.sync.run_once()
    assert await storage.upstream_keys.statuses() == [
        KeyStatus(
            "openai",
            KEY_A.key_id,
            KEY_A.label,
            benched_at=clock.now,
            benched_until=clock.now + 60,
            reason="rate_limited",
            status=429,
        )
    ]
    assert KEY_A.secret not in repr(await storage.upstream_keys.statuses())


async def test_only_changes_are_written_and_successes_only_add_to_counts(
    storage: Storage, replicas: tuple[Replica, Replica]
) -> None:
    one, _ = replicas
    for _ in range(3):
        one.call(KEY_A)
    await one.sync.run_once()
    assert await storage.upstream_keys.statuses() == []  # nothing changed state
    assert await storage.upstream_keys.last_hour() == {("openai", KEY_A.key_id): (3, 0)}


async def test_counts_of_every_replica_and_sync_add_up_over_the_last_hour(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A)
    one.call(KEY_A, BROKEN, 500)
    await one.sync.run_once()
    clock.advance(120)
    one.call(KEY_A)
    two.call(KEY_A, BROKEN, 502)
    two.call(KEY_B)
    await one.sync.run_once()
    await two.sync.run_once()
    assert await storage.upstream_keys.last_hour() == {
        ("openai", KEY_A.key_id): (4, 2),
        ("openai", KEY_B.key_id): (1, 0),
    }
    clock.advance(3600)  # the first minute is more than an hour old now
    assert await storage.upstream_keys.last_hour() == {
        ("openai", KEY_A.key_id): (2, 1),
        ("openai", KEY_B.key_id): (1, 0),
    }
    clock.advance(60)
    assert await storage.upstream_keys.last_hour() == {}


async def test_a_key_one_replica_benched_rests_on_the_others_after_their_sync(
    clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A, LIMITED, 429)
    await one.sync.run_once()
    assert two.health.candidates(KEYS) == [KEY_A, KEY_B]  # not synced yet
    await two.sync.run_once()
    assert two.health.candidates(KEYS) == [KEY_B]
    clock.advance(60)
    assert KEY_A in two.health.candidates(KEYS)


async def test_an_adopted_bench_is_not_written_back(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A, LIMITED, 429)
    await one.sync.run_once()
    await two.sync.run_once()
    assert two.health.drain().changes == ()


async def test_a_recovery_is_written_when_the_key_answers_again(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A, LIMITED, 429)
    await one.sync.run_once()
    await two.sync.run_once()
    benched_at = clock.now
    clock.advance(61)
    two.call(KEY_A)  # the other replica finds it working
    await two.sync.run_once()
    [status] = await storage.upstream_keys.statuses()
    assert (status.benched_at, status.benched_until, status.recovered_at) == (
        benched_at,
        None,
        clock.now,
    )


async def test_a_late_recovery_never_erases_a_newer_bench(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A, LIMITED, 429)
    clock.advance(61)
    one.call(KEY_A)  # recovered here, not yet written
    two.call(KEY_A, REFUSED, 401)  # benched anew there
    await two.sync.run_once()
    await one.sync.run_once()
    [status] = await storage.upstream_keys.statuses()
    assert (status.reason, status.benched_until) == ("refused", clock.now + 1800)


async def test_a_refused_key_is_reported_to_the_admins_once(
    clock: FakeClock, notifier: RecordingNotifier, replicas: tuple[Replica, Replica]
) -> None:
    one, two = replicas
    one.call(KEY_A, REFUSED, 401)
    two.call(KEY_A, REFUSED, 403)
    await one.sync.run_once()
    await two.sync.run_once()
    assert notifier.notices == [KeyRefused("openai", "a", KEY_A.label, 401, clock.now + 1800)]
    clock.advance(1800)
    one.call(KEY_A, REFUSED, 401)  # still refused after its rest: not news
    await one.sync.run_once()
    assert len(notifier.notices) == 1


async def test_a_recovery_rearms_the_report(
    clock: FakeClock, notifier: RecordingNotifier, replicas: tuple[Replica, Replica]
) -> None:
    one, _ = replicas
    one.call(KEY_A, REFUSED, 401)
    await one.sync.run_once()
    clock.advance(1800)
    one.call(KEY_A)  # fixed by the provider
    await one.sync.run_once()
    one.call(KEY_A, REFUSED, 401)
    await one.sync.run_once()
    assert [n.benched_until for n in notifier.notices if isinstance(n, KeyRefused)] == [
        clock.now,
        clock.now + 1800,
    ]


async def test_rate_limits_and_unreachable_keys_are_not_reported(
    notifier: RecordingNotifier, replicas: tuple[Replica, Replica]
) -> None:
    one, _ = replicas
    one.call(KEY_A, LIMITED, 429)
    one.call(KEY_B, Fault(Blame.PROVIDER, BenchReason.UNREACHABLE, 60), 0)
    await one.sync.run_once()
    assert notifier.notices == []


async def test_recent_benches_are_what_the_bot_shows(
    storage: Storage, clock: FakeClock, replicas: tuple[Replica, Replica]
) -> None:
    one, _ = replicas
    one.call(KEY_A, LIMITED, 429)
    await one.sync.run_once()
    clock.advance(2 * 86400)
    one.call(KEY_B, REFUSED, 403)
    await one.sync.run_once()
    recent = await storage.upstream_keys.recent_benches(86400)
    assert [(s.label, s.reason) for s in recent] == [(KEY_B.label, "refused")]
