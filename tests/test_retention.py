"""The retention jobs (seed 000) on both databases, with an injected clock.

Trial credit left unspent after TRIAL_TTL_DAYS is withdrawn (the user warned a day before);
an account idle for INACTIVE_DAYS loses its personal data and key (warned a day before),
while the ledger still sums to every balance. Each run is safe to repeat.
"""

from __future__ import annotations

import pytest

from api.jobs import JobReport, RetentionJobs
from api.notify import NotifierSlot
from api.service import retention_jobs_context
from api.settings import Settings
from storage import Storage
from storage.models import AuthOutcome
from storage.notices import DeletionSoon, Notice, TrialExpiring, TrialWithdrawn
from storage.retention import DAY, unspent_trial
from tests.conftest import START, FakeClock

TRIAL = 1_000_000


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


def jobs_for(
    storage: Storage, *, trial: bool = True, inactivity: bool = True
) -> tuple[RetentionJobs, RecordingNotifier]:
    recorder = RecordingNotifier()
    return RetentionJobs(storage.retention, recorder, trial=trial, inactivity=inactivity), recorder


async def register(storage: Storage, telegram_id: int = 7, name: str = "alice") -> int:
    registration = await storage.accounts.register_telegram_user(telegram_id, name, TRIAL, "en")
    return registration.account.id


async def balance_and_ledger(storage: Storage, account_id: int) -> tuple[int, int]:
    account = await storage.accounts.by_telegram_id(7)
    balance = account.balance if account is not None else None
    total = await storage.accounts.ledger_total(account_id)
    assert balance in (None, total)
    return total, len(
        await storage.database.fetch_all(
            "SELECT id FROM ledger WHERE account_id = :id", {"id": account_id}
        )
    )


@pytest.mark.parametrize(
    ("granted", "spent", "balance", "reserved", "unspent"),
    [
        (100, 0, 100, 0, 100),
        (100, 30, 70, 0, 70),
        (100, 30, 570, 0, 70),
        (100, 150, 0, 0, 0),
        (100, 0, 100, 40, 60),
    ],
)
def test_unspent_trial_takes_the_trial_first_and_never_what_holds_keep(
    granted: int, spent: int, balance: int, reserved: int, unspent: int
) -> None:
    assert unspent_trial(granted, spent, balance, reserved) == unspent


async def test_trial_is_warned_a_day_before_and_withdrawn_after_the_ttl(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await register(storage)
    await storage.admin.credit("alice", -300_000, "spent", "test")
    jobs, recorder = jobs_for(storage, inactivity=False)

    clock.advance(6 * DAY - 1)
    assert await jobs.run_once() == JobReport()
    clock.advance(1)
    assert await jobs.run_once() == JobReport(trials_warned=1)
    assert recorder.notices == [TrialExpiring(account_id, 700_000, START + 7 * DAY)]

    clock.advance(DAY)
    assert await jobs.run_once() == JobReport(trials_withdrawn=1)
    assert recorder.notices[1:] == [TrialWithdrawn(account_id, 700_000, 0)]
    account = await storage.accounts.by_username("alice")
    assert account is not None
    assert account.balance == 0 == await storage.accounts.ledger_total(account_id)
    expiry = await storage.database.fetch_all(
        "SELECT amount FROM ledger WHERE account_id = :id AND kind = 'expiry'", {"id": account_id}
    )
    assert [row["amount"] for row in expiry] == [-700_000]


async def test_running_the_jobs_twice_changes_nothing_more(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await register(storage)
    jobs, recorder = jobs_for(storage)
    clock.advance(6 * DAY)
    await jobs.run_once()
    assert await jobs.run_once() == JobReport()
    clock.advance(DAY)
    await jobs.run_once()
    before = await balance_and_ledger(storage, account_id)
    assert await jobs.run_once() == JobReport()
    assert await balance_and_ledger(storage, account_id) == before
    assert len(recorder.notices) == 2


async def test_only_the_unspent_trial_is_withdrawn_not_paid_money(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await register(storage)
    await storage.admin.credit("alice", 5_000_000, "top-up", "test")
    jobs, recorder = jobs_for(storage, inactivity=False)
    clock.advance(6 * DAY)
    await jobs.run_once()
    clock.advance(DAY)
    await jobs.run_once()
    assert recorder.notices[-1] == TrialWithdrawn(account_id, TRIAL, 5_000_000)
    assert await storage.accounts.ledger_total(account_id) == 5_000_000


async def test_an_idle_account_is_warned_then_its_data_deleted(
    storage: Storage, clock: FakeClock
) -> None:
    account_id = await register(storage)
    key = (await storage.admin.rotate_key("alice", "test"))[1]
    jobs, recorder = jobs_for(storage)
    clock.advance(7 * DAY)
    await jobs.run_once()  # the trial warning is a day late: nothing is withdrawn yet
    clock.advance(DAY)
    await jobs.run_once()  # the trial goes: the balance is 0
    ledger_before = await balance_and_ledger(storage, account_id)

    clock.advance(5 * DAY)  # 13 days idle
    assert await jobs.run_once() == JobReport(idle_warned=1)
    assert recorder.notices[-1] == DeletionSoon(account_id, 14, START + 14 * DAY)
    clock.advance(DAY - 1)  # a second before the date the notice gave
    assert await jobs.run_once() == JobReport()
    clock.advance(1)
    assert await jobs.run_once() == JobReport(idle_deleted=1)
    assert await jobs.run_once() == JobReport()

    assert await storage.accounts.by_telegram_id(7) is None
    assert await storage.accounts.by_username("alice") is None
    by_key = await storage.accounts.authorize(None, key, 0)
    assert by_key.outcome is AuthOutcome.UNKNOWN
    assert await balance_and_ledger(storage, account_id) == ledger_before
    assert await storage.accounts.mismatched_balances() == []


async def test_using_the_api_after_the_warning_keeps_the_account(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.accounts.register_telegram_user(7, "alice", 0, "en")
    key = (await storage.admin.rotate_key("alice", "test"))[1]
    jobs, _ = jobs_for(storage)
    clock.advance(13 * DAY)
    assert await jobs.run_once() == JobReport(idle_warned=1)
    clock.advance(DAY // 2)
    assert (await storage.accounts.authorize("alice", key, 0)).outcome is AuthOutcome.OK
    clock.advance(DAY)
    assert await jobs.run_once() == JobReport()
    assert await storage.accounts.by_username("alice") is not None


async def test_accounts_holding_money_are_never_deleted(
    storage: Storage, clock: FakeClock
) -> None:
    await register(storage)
    await storage.admin.credit("alice", 2_000_000, "top-up", "test")
    jobs, _ = jobs_for(storage, trial=False)
    for _ in range(30):
        clock.advance(DAY)
        assert (await jobs.run_once()).idle_deleted == 0
    assert await storage.accounts.by_username("alice") is not None


async def test_switched_off_jobs_change_nothing(storage: Storage, clock: FakeClock) -> None:
    account_id = await register(storage)
    jobs, recorder = jobs_for(storage, trial=False, inactivity=False)
    before = await balance_and_ledger(storage, account_id)
    for _ in range(30):
        clock.advance(DAY)
        assert await jobs.run_once() == JobReport()
    assert recorder.notices == []
    assert await balance_and_ledger(storage, account_id) == before
    assert await storage.accounts.by_username("alice") is not None


async def test_a_late_first_run_warns_and_deletes_only_half_the_notice_later(
    storage: Storage, clock: FakeClock
) -> None:
    """The service was down for a month: the account is long past the idle period, yet it
    is deleted no sooner than half the notice period after its warning was claimed."""
    account_id = (await storage.accounts.register_telegram_user(7, "alice", 0, "en")).account.id
    jobs, recorder = jobs_for(storage)
    clock.advance(30 * DAY)
    assert await jobs.run_once() == JobReport(idle_warned=1)
    assert await jobs.run_once() == JobReport()  # another replica, or a restart, at once
    clock.advance(DAY // 2 - 1)
    assert await jobs.run_once() == JobReport()
    assert [type(notice) for notice in recorder.notices] == [DeletionSoon]
    clock.advance(1)
    assert await jobs.run_once() == JobReport(idle_deleted=1)
    assert await storage.accounts.by_username("alice") is None
    assert await storage.accounts.ledger_total(account_id) == 0


async def test_a_warning_from_before_the_last_activity_does_not_count(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.accounts.register_telegram_user(7, "alice", 0, "en")
    key = (await storage.admin.rotate_key("alice", "test"))[1]
    jobs, _ = jobs_for(storage)
    clock.advance(13 * DAY)
    assert await jobs.run_once() == JobReport(idle_warned=1)
    clock.advance(DAY // 2)
    assert (await storage.accounts.authorize("alice", key, 0)).outcome is AuthOutcome.OK
    clock.advance(30 * DAY)  # idle again, and no run meanwhile
    assert await jobs.run_once() == JobReport(idle_warned=1)  # a new warning, no deletion
    assert await storage.accounts.by_username("alice") is not None
    clock.advance(DAY // 2)
    assert await jobs.run_once() == JobReport(idle_deleted=1)


async def test_operator_made_accounts_are_never_warned_withdrawn_or_deleted(
    storage: Storage, clock: FakeClock
) -> None:
    """Retention covers Telegram registrations only: an operator-made account (a partner,
    the first user) is the operator's own business, even empty and idle for a month."""
    empty = await storage.admin.create_account("acme", 0, "cli")
    funded = await storage.admin.create_account("partner", TRIAL, "cli")
    jobs, recorder = jobs_for(storage)
    for _ in range(30):
        clock.advance(DAY)
        assert await jobs.run_once() == JobReport()
    assert recorder.notices == []
    for registration in (empty, funded):
        assert registration.secret is not None
        username = registration.account.username
        auth = await storage.accounts.authorize(username, registration.secret, 0)
        assert (auth.outcome, auth.balance) == (AuthOutcome.OK, registration.account.balance)


async def test_with_the_inactivity_job_off_an_empty_idle_account_is_kept(
    storage: Storage, clock: FakeClock
) -> None:
    await storage.accounts.register_telegram_user(7, "alice", 0, "en")
    jobs, recorder = jobs_for(storage, inactivity=False)
    for _ in range(30):
        clock.advance(DAY)
        assert await jobs.run_once() == JobReport()
    assert recorder.notices == []
    assert await storage.accounts.by_username("alice") is not None


def _settings(**values: str) -> Settings:
    return Settings(_env_file=None, database_url="sqlite:///x.db", **values)  # type: ignore[arg-type]


def test_the_jobs_run_only_where_the_bot_runs_to_warn_first() -> None:
    """A process without the bot would claim warnings nobody sends, then delete."""
    slot = NotifierSlot()
    assert retention_jobs_context(_settings(), slot) is None
    with_bot = _settings(bot_token="123:abc")
    assert retention_jobs_context(with_bot, slot) is not None
    switched_off = _settings(bot_token="123:abc", retention_jobs="false")
    assert retention_jobs_context(switched_off, slot) is None
