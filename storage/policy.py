"""Pure values of the access and money rules: kept apart from SQL so they are easy to read."""

from __future__ import annotations

from dataclasses import dataclass

#: `locked_until` for a lock that only an admin lifts (LOCK_MINUTES=0): 9999-12-31T23:59:59Z.
LOCKED_UNTIL_UNBLOCKED = 253_402_300_799


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """How many consecutive failures lock an account, and for how long; how many requests a
    user may make per minute.

    Invariants: `lock_strikes >= 1`; `lock_seconds == 0` means the lock lasts until an
    admin unblocks the account; `requests_per_minute == 0` means no rate limit (an
    account's own `rate_limit` overrides it).
    """

    lock_strikes: int = 5
    lock_seconds: int = 30 * 60
    requests_per_minute: int = 60

    @staticmethod
    def seconds_to_next_window(now: int) -> int:
        """The honest Retry-After of a rate-limited call: the current minute's remainder."""
        return 60 - now % 60

    def lock_until(self, now: int) -> int:
        """When a lock set at `now` expires by itself."""
        if self.lock_seconds == 0:
            return LOCKED_UNTIL_UNBLOCKED
        return now + self.lock_seconds
