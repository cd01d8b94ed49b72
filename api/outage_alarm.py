"""Telling the admins when this process loses its database, and when it has it back.

While the database is away every request answers 503 and the logs and `/health` say so,
but nobody may be looking; the admins are told in Telegram (`bot.notify`, in English while
their language cannot be read), as they are of a refused provider key.

Invariants:
- Away and back alternate: one pair per outage as this process sees it (each replica tells
  its own; no shared state is there to agree on while the database is away).
- `seen` runs where an outage reaches a request (the gate, `/health`), `answered` where the
  database just answered them; both are one comparison when nothing changes, and neither
  waits: the notice only joins the notifier's queue.
"""

from __future__ import annotations

import logging

from api.notify import Notifier
from storage.clock import Clock
from storage.errors import DatabaseUnavailableError
from storage.notices import DatabaseAway, DatabaseBack

logger = logging.getLogger(__name__)


class OutageAlarm:
    """This process's view of the database: away since when, or not away."""

    def __init__(self, notifier: Notifier, clock: Clock) -> None:
        self._notifier = notifier
        self._clock = clock
        #: When this process first found the database away; None while it answers.
        self.away_since: int | None = None

    def seen(self, error: DatabaseUnavailableError) -> None:
        """An outage reached a request: the first of an outage tells the admins."""
        if self.away_since is not None:
            return
        self.away_since = self._clock()
        logger.error("the database is unavailable (%s): the admins are told", error.reason)
        self._notifier.notify(DatabaseAway(error.reason, self.away_since))

    def answered(self) -> None:
        """The database answered a request: the first answer after an outage says it is
        back, and for how long it was away."""
        since = self.away_since
        if since is None:
            return
        self.away_since = None
        back_at = self._clock()
        logger.warning("the database is back after %d s", back_at - since)
        self._notifier.notify(DatabaseBack(since, back_at))
