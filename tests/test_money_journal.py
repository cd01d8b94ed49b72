"""The journal that keeps money waiting for the database across a killed process.

A real file and the real storage: a settlement kept while the database is locked by another
connection is on the disk; a process that never stopped cleanly (its journal closed, its
entries never done) leaves them to the next one, which charges each exactly once, also when
the first had already written it before it died.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settlements import SETTLEMENT, PendingSettlements
from storage import DatabaseTimeouts
from storage.errors import DatabaseUnavailableError
from storage.models import CallRecord
from storage.money_journal import Entry, JournalInUseError, MoneyJournal
from tests.calls import call_record
from tests.conftest import ApiHarness
from tests.outages import TIMEOUTS, sqlite_locked

CREDIT = 10**6


@pytest.fixture
def database_timeouts() -> DatabaseTimeouts:
    return TIMEOUTS


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "kept" / "money-journal"  # its folder is made on open


@pytest.fixture
def journal(journal_path: Path) -> Iterator[MoneyJournal]:
    opened = MoneyJournal.open(journal_path)
    yield opened
    opened.close()


def entry(key: str, amount: int, kind: str = "payment") -> Entry:
    return Entry(kind, key, {"amount": amount, "note": f"for {key}"})


def reopened(journal: MoneyJournal, path: Path) -> MoneyJournal:
    """Close `journal` as a killed process's file is closed, and open the file again."""
    journal.close()
    return MoneyJournal.open(path)


def test_what_waits_is_read_back_by_the_next_opener_in_order(journal_path: Path) -> None:
    first = MoneyJournal.open(journal_path)
    for added in (entry("a", 1), entry("b", 2, kind="settlement"), entry("c", 3)):
        first.add(added)
    second = reopened(first, journal_path)
    try:
        assert second.waiting("payment") == [entry("a", 1), entry("c", 3)]
        assert second.waiting("settlement") == [entry("b", 2, kind="settlement")]
    finally:
        second.close()


def test_a_done_entry_is_not_waiting_after_a_restart(journal_path: Path) -> None:
    first = MoneyJournal.open(journal_path)
    first.add(entry("a", 1))
    first.add(entry("b", 2))
    first.done("payment", "a")
    second = reopened(first, journal_path)
    try:
        assert second.waiting("payment") == [entry("b", 2)]
    finally:
        second.close()


def test_the_file_is_emptied_once_nothing_waits(journal: MoneyJournal, journal_path: Path) -> None:
    journal.add(entry("a", 1))
    journal.add(entry("b", 2))
    journal.done("payment", "b")
    assert journal_path.stat().st_size > 0  # "a" still waits
    journal.done("payment", "a")
    assert journal_path.read_bytes() == b""
    journal.add(entry("c", 3))  # appends after emptying start at the beginning
    assert journal_path.read_bytes().count(b"\n") == 1


def test_an_entry_done_before_its_add_came_is_not_written(
    journal: MoneyJournal, journal_path: Path
) -> None:
    journal.done("payment", "raced")  # the database came back while the add was on its way
    journal.add(entry("raced", 1))
    assert journal.waiting("payment") == []
    assert not journal.holds("payment", "raced")
    assert journal_path.read_bytes() == b""


def test_a_second_opener_is_refused_while_the_first_holds_the_file(
    journal: MoneyJournal, journal_path: Path
) -> None:
    with pytest.raises(JournalInUseError, match="MONEY_JOURNAL") as refused:
        MoneyJournal.open(journal_path)
    assert str(journal_path) in str(refused.value)


def test_an_append_cut_short_is_skipped_and_said(
    journal_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = MoneyJournal.open(journal_path)
    first.add(entry("a", 1))
    first.close()
    with journal_path.open("ab") as file:
        file.write(b'{"v":1,"kind":"payment","key":"b","da')  # the crash came mid-write
    with caplog.at_level(logging.ERROR, logger="storage.money_journal"):
        second = MoneyJournal.open(journal_path)
    try:
        assert second.waiting("payment") == [entry("a", 1)]
    finally:
        second.close()
    [said] = [record.getMessage() for record in caplog.records]
    assert "line 2" in said
    assert "skipped" in said


def test_a_file_holding_only_a_cut_short_line_opens_empty(journal_path: Path) -> None:
    journal_path.parent.mkdir()
    journal_path.write_bytes(b'{"v":1,"kind":"payment","key":"b","da')  # nothing acted on it
    MoneyJournal.open(journal_path).close()
    assert journal_path.read_bytes() == b""  # not read, and said, at every start again


def every_field_distinct() -> CallRecord:
    """A record whose every field has a value of its own, so a field read back into
    another's place cannot go unnoticed."""
    values: dict[str, object] = {}
    for number, field in enumerate(dataclasses.fields(CallRecord), start=3):
        text = field.type in ("str", "str | None")
        values[field.name] = f"{field.name}-{number}" if text else number
    return CallRecord(**values)  # type: ignore[arg-type]


def kept(request_id: str, cost: int) -> CallRecord:
    return dataclasses.replace(
        call_record(1, cost, request_id=request_id, held=cost), settle_key=f"key-{request_id}"
    )


async def charged(api: ApiHarness) -> list[tuple[str, int]]:
    """(request id, amount) of every charge in the ledger, oldest first."""
    rows = await api.storage.database.fetch_all(
        "SELECT request_id, amount FROM ledger WHERE kind = 'charge' ORDER BY id"
    )
    return [(str(row["request_id"]), int(row["amount"])) for row in rows]


async def test_a_kept_settlement_is_journaled_field_for_field(
    api: ApiHarness, journal: MoneyJournal
) -> None:
    pending = PendingSettlements(api.storage.accounts)
    pending.use_journal(journal)
    record = every_field_distinct()
    await pending.keep(record, DatabaseUnavailableError("locked"))
    [journaled] = journal.waiting(SETTLEMENT)
    assert journaled.key == record.settle_key
    assert CallRecord(**journaled.data) == record


async def test_what_a_killed_process_kept_is_charged_once_by_the_next(
    api: ApiHarness, journal_path: Path
) -> None:
    await api.register(credit=CREDIT)  # account 1
    dead, its_journal = PendingSettlements(api.storage.accounts), MoneyJournal.open(journal_path)
    dead.use_journal(its_journal)
    with sqlite_locked(api.database_url):
        for record in (kept("first", 300), kept("second", 400)):
            await dead.keep(record, DatabaseUnavailableError("locked"))
        assert await dead.write() == 2  # still locked: both wait
    nextone, journal = (
        PendingSettlements(api.storage.accounts),
        reopened(its_journal, journal_path),
    )
    try:
        nextone.use_journal(journal)
        assert nextone.waiting == 2  # the gate admits nothing before they are written
        await nextone.ensure_written()
        assert await charged(api) == [("first", -300), ("second", -400)]
        assert journal.waiting(SETTLEMENT) == []
    finally:
        journal.close()
    emptied = await asyncio.to_thread(journal_path.read_bytes)
    assert emptied == b""  # once nothing waits
    assert await api.balance() == CREDIT - 700


async def test_a_kept_settlement_written_before_the_crash_is_not_charged_again(
    api: ApiHarness, journal_path: Path
) -> None:
    await api.register(credit=CREDIT)
    record = kept("written", 500)
    first = MoneyJournal.open(journal_path)
    first.add(Entry(SETTLEMENT, "key-written", dataclasses.asdict(record)))
    await api.storage.accounts.finish_call(record)  # written; the process died before `done`
    pending, journal = PendingSettlements(api.storage.accounts), reopened(first, journal_path)
    try:
        pending.use_journal(journal)
        assert await pending.write() == 0
    finally:
        journal.close()
    assert await charged(api) == [("written", -500)]
    account = await api.storage.accounts.by_username("alice")
    assert account is not None
    assert (account.balance, account.reserved) == (CREDIT - 500, 0)


def test_a_key_is_its_own_within_each_kind(journal_path: Path) -> None:
    first = MoneyJournal.open(journal_path)
    first.add(entry("same", 1))
    first.add(entry("same", 2, kind="settlement"))
    first.done("payment", "same")
    second = reopened(first, journal_path)
    try:
        assert second.waiting("payment") == []
        assert second.waiting("settlement") == [entry("same", 2, kind="settlement")]
    finally:
        second.close()


async def test_a_settlement_written_while_it_goes_into_the_journal_leaves_nothing_there(
    api: ApiHarness, journal_path: Path
) -> None:
    await api.register(credit=CREDIT)
    entered, release = threading.Event(), threading.Event()

    class SlowDisk(MoneyJournal):
        def add(self, entry: Entry) -> None:
            entered.set()
            release.wait(5)
            super().add(entry)

    journal = SlowDisk.open(journal_path)
    pending = PendingSettlements(api.storage.accounts)
    pending.use_journal(journal)
    keeping = asyncio.create_task(pending.keep(kept("raced", 300), DatabaseUnavailableError("x")))
    await asyncio.to_thread(entered.wait, 5)
    assert await pending.write() == 0  # the database came back meanwhile: written
    release.set()
    await keeping
    try:
        assert journal.waiting(SETTLEMENT) == []  # its entry ended once it was in
    finally:
        journal.close()
    assert await asyncio.to_thread(journal_path.read_bytes) == b""
    assert await charged(api) == [("raced", -300)]
