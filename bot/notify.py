"""Delivering the service's notices to users' Telegram chats (and the admins' to theirs).

`TelegramNotifier` implements the API's `Notifier` interface (api/notify.py) structurally:
`notify` only puts the notice on a bounded in-process queue, and one task drains it, so a
request never waits for Telegram. Telegram's flood limits are honoured: a 429 answer
(`TelegramRetryAfter`) makes the sender wait `retry_after` and try again, a bounded number of
times, and sends are paced. A notice that cannot be delivered is logged and dropped: it is a
courtesy, never a condition of anything the service does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter

from bot.render import escape, format_utc
from bot.texts import Texts, texts_for
from storage.errors import DatabaseUnavailableError
from storage.models import AuthOutcome
from storage.money import format_money
from storage.notices import (
    AccountLocked,
    AccountNotice,
    AdminNotice,
    DatabaseAway,
    KeyRefused,
    LowBalance,
    Notice,
    NoticeStore,
    Recipient,
    TrialExpiring,
    TrialWithdrawn,
)
from storage.policy import LOCKED_UNTIL_UNBLOCKED

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

#: Notices waiting beyond this are dropped (with a warning) rather than growing memory.
QUEUE_CAPACITY = 1000
#: Telegram allows about 30 messages a second per bot: stay well under it.
PACE_SECONDS = 0.05
#: A 429 is retried this many times at most, and never after a wait longer than MAX_WAIT.
MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 120.0
#: How long shutdown lets the queue finish before dropping what is left.
DRAIN_SECONDS = 5.0
#: A notice whose recipient could not be read (the database away) is queued again after
#: this long, this many times at most (ten minutes in all), then dropped.
OUTAGE_RETRY_SECONDS = 30.0
OUTAGE_RETRIES = 20


def _lock_text(texts: Texts, notice: AccountLocked, recipient: Recipient) -> str:
    causes = {
        AuthOutcome.BAD_KEY: texts.notice_lock_cause_bad_key,
        AuthOutcome.NO_FUNDS: texts.notice_lock_cause_no_funds,
    }
    cause = causes.get(notice.cause, texts.notice_lock_cause_locked)
    head = texts.notice_locked.format(
        username=escape(recipient.username), strikes=notice.strikes, cause=cause
    )
    if notice.locked_until == LOCKED_UNTIL_UNBLOCKED:
        return f"{head}\n\n{texts.notice_unlocks_by_admin}"
    until = format_utc(notice.locked_until)
    return f"{head}\n\n{texts.notice_unlocks_at.format(until=until)}"


def render_key_refused(texts: Texts, notice: KeyRefused) -> str:
    """The admins' message about a refused provider key (pure; every value escaped)."""
    return texts.notice_key_refused.format(
        provider=escape(notice.provider),
        name=escape(notice.key_name),
        label=escape(notice.label),
        status=notice.status,
        until=format_utc(notice.benched_until),
    )


def render_admin_notice(texts: Texts, notice: AdminNotice) -> str:
    """The admins' message about a notice meant for them (pure; every value escaped)."""
    if isinstance(notice, KeyRefused):
        return render_key_refused(texts, notice)
    if isinstance(notice, DatabaseAway):
        reason = escape(notice.reason)
        return texts.notice_database_away.format(since=format_utc(notice.since), reason=reason)
    return texts.notice_database_back.format(
        back_at=format_utc(notice.back_at), seconds=notice.back_at - notice.since
    )


def render_notice(texts: Texts, notice: AccountNotice, recipient: Recipient, currency: str) -> str:
    """The message for one notice in the recipient's language (pure; user values escaped)."""
    if isinstance(notice, AccountLocked):
        return _lock_text(texts, notice, recipient)
    if isinstance(notice, LowBalance):
        return texts.notice_low_balance.format(
            balance=format_money(notice.balance, currency),
            threshold=format_money(notice.threshold, currency),
        )
    if isinstance(notice, TrialExpiring):
        return texts.notice_trial_expiring.format(
            amount=format_money(notice.amount, currency), when=format_utc(notice.expires_at)
        )
    if isinstance(notice, TrialWithdrawn):
        return texts.notice_trial_withdrawn.format(
            amount=format_money(notice.amount, currency),
            balance=format_money(notice.balance, currency),
        )
    return texts.notice_deletion_soon.format(
        username=escape(recipient.username),
        days=notice.inactive_days,
        when=format_utc(notice.deletes_at),
    )


class TelegramNotifier:
    """A bounded queue of notices and the sender that drains it into Telegram."""

    def __init__(
        self,
        bot: Bot,
        recipients: NoticeStore,
        currency: str,
        *,
        admins: frozenset[int] = frozenset(),
        sleep: Sleep = asyncio.sleep,
        capacity: int = QUEUE_CAPACITY,
        pace_seconds: float = PACE_SECONDS,
        outage_retry_seconds: float = OUTAGE_RETRY_SECONDS,
    ) -> None:
        self._bot = bot
        self._recipients = recipients
        self._currency = currency
        self._admins = admins
        self._sleep = sleep
        self._pace = pace_seconds
        self._queue: asyncio.Queue[Notice] = asyncio.Queue(capacity)
        self._outage_retry = outage_retry_seconds
        #: How often each notice that met an outage has been tried.
        self._tries: dict[Notice, int] = {}

    def notify(self, notice: Notice) -> None:
        """Queue `notice`; never blocks. A full queue drops it (Telegram is far behind)."""
        try:
            self._queue.put_nowait(notice)
        except asyncio.QueueFull:
            logger.warning("notification queue full: dropped %s", type(notice).__name__)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    @property
    def waiting_for_database(self) -> int:
        """Notices that met an outage and will be queued again."""
        return len(self._tries)

    async def run(self) -> None:
        """Deliver notices as they arrive, one at a time, paced; runs until cancelled."""
        while True:
            notice = await self._queue.get()
            try:
                await self._deliver_or_drop(notice)
            finally:
                self._queue.task_done()
            await self._sleep(self._pace)

    async def drain(self) -> None:
        """Deliver everything queued now (shutdown, tests and the `jobs run` command)."""
        while not self._queue.empty():
            notice = self._queue.get_nowait()
            try:
                await self._deliver_or_drop(notice)
            finally:
                self._queue.task_done()

    async def _deliver_or_drop(self, notice: Notice) -> None:
        """`deliver`, never failing the sender: one notice that met a database outage (its
        recipient could not be read) or a bug would otherwise end the task, and every later
        notice with it. One that met an outage is queued again later (`_after_outage`)."""
        try:
            await self.deliver(notice)
        except DatabaseUnavailableError as error:
            self._after_outage(notice, error)
        except Exception:
            logger.exception("could not deliver a %s notice", type(notice).__name__)
        else:
            self._tries.pop(notice, None)

    def _after_outage(self, notice: Notice, error: DatabaseUnavailableError) -> None:
        """Queue `notice` again after `outage_retry_seconds`, up to OUTAGE_RETRIES times."""
        kind, tries = type(notice).__name__, self._tries.get(notice, 0) + 1
        if tries > OUTAGE_RETRIES:
            self._tries.pop(notice, None)
            logger.warning("dropped a %s notice after %d tries: %s", kind, tries - 1, error)
            return
        self._tries[notice] = tries
        logger.info("a %s notice waits for the database (%s)", kind, error.reason)
        asyncio.get_running_loop().call_later(self._outage_retry, self.notify, notice)

    async def deliver(self, notice: Notice) -> bool:
        """Send one notice to its account's chat (an admins' notice to every admin); False
        when it was not delivered (to anyone)."""
        if isinstance(notice, AdminNotice):
            return await self._tell_admins(notice)
        recipient = await self._recipients.recipient(notice.account_id)
        if recipient is None:
            return False  # no Telegram chat (an operator-made or deleted account)
        text = render_notice(texts_for(recipient.language), notice, recipient, self._currency)
        return await self._send(recipient.telegram_id, text, type(notice).__name__)

    async def _tell_admins(self, notice: AdminNotice) -> bool:
        """Each admin in the language of their own account, if they have one."""
        delivered = False
        for admin in sorted(self._admins):
            texts = texts_for(await self._admin_language(admin))
            kind = type(notice).__name__
            sent = await self._send(admin, render_admin_notice(texts, notice), kind)
            delivered = delivered or sent
        return delivered

    async def _admin_language(self, admin: int) -> str | None:
        """The admin's own language; None (English) while the database is away, since an
        admin's notice matters most then."""
        try:
            return await self._recipients.language_of(admin)
        except DatabaseUnavailableError:
            return None

    async def _send(self, chat_id: int, text: str, kind: str) -> bool:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self._bot.send_message(chat_id, text)
            except TelegramRetryAfter as error:
                if attempt == MAX_ATTEMPTS or error.retry_after > MAX_WAIT_SECONDS:
                    logger.warning("flood limit: gave up a %s notice", kind)
                    return False
                logger.info("flood limit: retrying a %s in %ss", kind, error.retry_after)
                await self._sleep(error.retry_after)
            except TelegramAPIError as error:
                logger.warning("could not deliver a %s notice: %s", kind, error.message)
                return False
            else:
                return True
        return False


@asynccontextmanager
async def running(
    notifier: TelegramNotifier, drain_seconds: float = DRAIN_SECONDS
) -> AsyncIterator[TelegramNotifier]:
    """Run the sender while the context is open; on exit finish the queue (bounded), stop."""
    task = asyncio.create_task(notifier.run(), name="telegram-notices")
    try:
        yield notifier
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        try:
            await asyncio.wait_for(notifier.drain(), drain_seconds)
        except TimeoutError:
            logger.warning("shutdown: %d notices left undelivered", notifier.pending)
