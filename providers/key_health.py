"""Which keys of a provider may take a call now, in which order, and what happened to each.

In memory, per process, touched only by the event loop (no await inside any method, so no
call sees another half-done). Nothing here does I/O: the request path only reads and bumps
this state, and a periodic job (`api.key_sync`) writes what changed to the database and
brings in the benches other replicas wrote, so a call costs no extra storage transaction.

Invariants:
- A benched key is never offered before its rest ends; a key over its requests-per-minute
  budget is not offered again before the next minute.
- Calls are spread over the usable keys by smooth weighted round robin: over any run of
  calls each usable key gets its share of the total weight, evenly interleaved, and the
  order is deterministic (tests assert it, no randomness involved).
- Only state changes (a bench, a recovery) and counters are reported to the sync job, each
  once: `drain` hands them over and forgets them (`restore` takes them back if the write
  failed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from providers.key_faults import BenchRules, Blame, Fault
from providers.upstream_keys import UpstreamKey

#: Whole epoch seconds (the service's injected clock).
Clock = Callable[[], int]
MINUTE = 60


@dataclass(slots=True)
class KeyState:
    """One key's health: its rest (if any), its place in the rotation, its minute budget."""

    rotation: int = 0
    benched_at: int = 0
    benched_until: int = 0  # 0: healthy
    reason: str = ""
    status: int = 0
    recovered_at: int = 0
    minute: int = 0
    used: int = 0
    changed: bool = False

    def usable(self, key: UpstreamKey, now: int) -> bool:
        if self.benched_until > now:
            return False
        return key.rpm == 0 or self.minute != now - now % MINUTE or self.used < key.rpm


@dataclass(frozen=True, slots=True)
class KeyChange:
    """A key's state as it changed: benched (`benched_until` > 0) or recovered."""

    key: UpstreamKey
    benched_at: int
    benched_until: int
    reason: str
    status: int
    recovered_at: int


@dataclass(frozen=True, slots=True)
class KeyCount:
    """Calls a key took, and how many failed by the key's or the provider's fault, in the
    minute starting at `minute`."""

    key: UpstreamKey
    minute: int
    requests: int
    errors: int


@dataclass(frozen=True, slots=True)
class HealthReport:
    changes: tuple[KeyChange, ...] = ()
    counts: tuple[KeyCount, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedBench:
    """A bench another replica wrote: the key by provider and id, until when, and why."""

    provider: str
    key_id: str
    benched_at: int
    benched_until: int
    reason: str
    status: int


@dataclass(slots=True)
class KeyHealth:
    """Every key's health in this process (see the module's invariants)."""

    clock: Clock
    rules: BenchRules = field(default_factory=BenchRules)
    _states: dict[UpstreamKey, KeyState] = field(default_factory=dict)
    _counts: dict[tuple[UpstreamKey, int], list[int]] = field(default_factory=dict)

    def state(self, key: UpstreamKey) -> KeyState:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = KeyState()
        return state

    def candidates(self, keys: Sequence[UpstreamKey]) -> list[UpstreamKey]:
        """The usable keys in the order to try them: first the one whose turn it is by
        weight, then the others, the most overdue first."""
        now = self.clock()
        usable = [key for key in keys if self.state(key).usable(key, now)]
        if len(usable) < 2:
            return usable
        for key in usable:
            self.state(key).rotation += key.weight
        ordered = sorted(usable, key=lambda key: -self.state(key).rotation)
        self.state(ordered[0]).rotation -= sum(key.weight for key in usable)
        return ordered

    def usable(self, key: UpstreamKey) -> bool:
        """Whether `key` may take a call now (not resting, budget left this minute)."""
        return self.state(key).usable(key, self.clock())

    def rests_until(self, keys: Iterable[UpstreamKey]) -> int:
        """When the first of `keys` becomes usable again (now, if one already is)."""
        now = self.clock()
        times = []
        for key in keys:
            state = self.state(key)
            if state.usable(key, now):
                return now
            budget_back = state.minute + MINUTE if key.rpm and state.used >= key.rpm else now
            times.append(max(state.benched_until, budget_back))
        return min(times, default=now)

    def started(self, key: UpstreamKey) -> None:
        """An attempt on `key` is about to be sent: it counts against the minute's budget."""
        now = self.clock()
        state = self.state(key)
        minute = now - now % MINUTE
        if state.minute != minute:
            state.minute, state.used = minute, 0
        state.used += 1
        self._count(key, minute)[0] += 1

    def answered(self, key: UpstreamKey) -> None:
        """The provider answered `key` with a success: a benched key has recovered."""
        state = self.state(key)
        if state.benched_at and not state.recovered_at:
            state.benched_until, state.recovered_at, state.changed = 0, self.clock(), True

    def failed(self, key: UpstreamKey, fault: Fault, status: int) -> None:
        """An attempt on `key` failed with `fault`; a client's fault is not the key's error."""
        if fault.blame is Blame.CLIENT:
            return
        now = self.clock()
        self._count(key, now - now % MINUTE)[1] += 1
        if fault.reason is not None:
            self.bench(key, fault.rest_seconds, str(fault.reason), status)

    def bench(self, key: UpstreamKey, seconds: int, reason: str, status: int) -> None:
        now = self.clock()
        state = self.state(key)
        state.benched_at, state.benched_until = now, now + seconds
        state.reason, state.status, state.recovered_at, state.changed = reason, status, 0, True

    def _count(self, key: UpstreamKey, minute: int) -> list[int]:
        counts = self._counts.get((key, minute))
        if counts is None:
            counts = self._counts[(key, minute)] = [0, 0]
        return counts

    def drain(self) -> HealthReport:
        """What changed and what was counted since the last drain, handed over once."""
        changes = []
        for key, state in self._states.items():
            if state.changed:
                state.changed = False
                changes.append(
                    KeyChange(
                        key,
                        state.benched_at,
                        state.benched_until,
                        state.reason,
                        state.status,
                        state.recovered_at,
                    )
                )
        counts = tuple(
            KeyCount(key, minute, requests, errors)
            for (key, minute), (requests, errors) in self._counts.items()
        )
        self._counts = {}
        return HealthReport(tuple(changes), counts)

    def restore(self, report: HealthReport) -> None:
        """Take back a report whose write failed, so the next drain carries it again."""
        for change in report.changes:
            self.state(change.key).changed = True
        for count in report.counts:
            counts = self._count(count.key, count.minute)
            counts[0] += count.requests
            counts[1] += count.errors

    def adopt(self, benches: Iterable[SharedBench], keys: Iterable[UpstreamKey]) -> list[str]:
        """Rest the keys other replicas benched (longer than here); returns their names.

        An adopted bench is not a change of this process: it is not written back.
        """
        by_id = {(key.provider, key.key_id): key for key in keys}
        adopted = []
        for bench in benches:
            key = by_id.get((bench.provider, bench.key_id))
            if key is None:
                continue
            state = self.state(key)
            if bench.benched_until > state.benched_until:
                state.benched_at, state.benched_until = bench.benched_at, bench.benched_until
                state.reason, state.status, state.recovered_at = bench.reason, bench.status, 0
                adopted.append(key.name)
        return adopted
