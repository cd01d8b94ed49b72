"""The API's side of notifications: the interface the bot implements, and when to use it.

The API decides *that* a user must be told (their account was just locked, their balance
crossed the threshold); the bot decides *how* (bot/notify.py: a queue drained into
Telegram). `Notifier.notify` must never block or fail the request that triggered it: it only
hands the notice over. Without the bot every notice goes to `NullNotifier`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from storage.models import Authorization, AuthOutcome
from storage.notices import AccountLocked, LowBalance, Notice, NoticeStore

logger = logging.getLogger(__name__)

#: The strikes that can set a new lock: every other strike happens during a lock, which
#: the gate's statement never moves (and LOCKED_BAD_KEY must stay as silent as a 401).
_LOCKING = frozenset({AuthOutcome.BAD_KEY, AuthOutcome.NO_FUNDS})


class Notifier(Protocol):
    """Accepts a notice for delivery later; returns at once, raises nothing."""

    def notify(self, notice: Notice) -> None: ...


class NullNotifier:
    """The notifier when nobody can deliver (the bot is off)."""

    def notify(self, notice: Notice) -> None:
        logger.debug("no notifier: dropped %s", type(notice).__name__)


class NotifierSlot:
    """The one notifier the API holds; the bot plugs its sender in while it runs.

    The API context is built before the bot starts (and outlives it at shutdown), so the
    context keeps this slot and the composition root attaches and detaches the sender.
    """

    def __init__(self) -> None:
        self._target: Notifier = NullNotifier()

    def attach(self, target: Notifier) -> None:
        self._target = target

    def detach(self) -> None:
        self._target = NullNotifier()

    def notify(self, notice: Notice) -> None:
        self._target.notify(notice)


def newly_locked(auth: Authorization, now: int) -> AccountLocked | None:
    """The lock notice when this very pass through the gate set the lock.

    The gate's statement keeps an existing lock's end unchanged and answers `locked` (or
    `locked_bad_key`) while it lasts, so a lock that ends in the future next to a `bad_key`
    or `no_funds` verdict was set by this request: exactly one notice per lock.
    """
    if auth.outcome not in _LOCKING:
        return None
    if auth.account_id is None or auth.locked_until is None or auth.locked_until <= now:
        return None
    return AccountLocked(auth.account_id, auth.outcome, auth.strikes, auth.locked_until)


@dataclass(frozen=True, slots=True)
class Notices:
    """What the request path calls; the defaults notify nobody and watch no balance.

    Invariant: `low_balance_threshold == 0` (or no `store`) turns the balance warning off.
    """

    notifier: Notifier = field(default_factory=NullNotifier)
    store: NoticeStore | None = None
    low_balance_threshold: int = 0

    def after_gate(self, auth: Authorization, now: int) -> None:
        """Tell the owner when this request locked their account."""
        if (notice := newly_locked(auth, now)) is not None:
            self.notifier.notify(notice)

    async def after_settlement(self, account_id: int, balance: int) -> None:
        """Warn once when a call left the balance below the threshold.

        Costs a statement only while the balance is below it; the claim (one conditional
        UPDATE) makes the warning once per crossing across replicas.
        """
        threshold = self.low_balance_threshold
        if self.store is None or threshold <= 0 or balance >= threshold:
            return
        if await self.store.claim_low_balance(account_id, threshold):
            self.notifier.notify(LowBalance(account_id, balance, threshold))
