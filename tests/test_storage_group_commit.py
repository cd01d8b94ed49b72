"""Group commit: the request path's statements of one loop iteration share one commit,
and each keeps its own atomicity and its own result.

The first statement of an iteration runs at once (an autocommit); those after it in the
same iteration are the batch. So each test that looks at a batch starts with a lead.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.sqlite_inline import InlineSqlite

INSERT = "INSERT INTO t (v) VALUES (:v) RETURNING id"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    return path


@pytest.fixture
def inline(path: Path) -> Iterator[InlineSqlite]:
    inline = InlineSqlite.open(path, busy_seconds=1)
    yield inline
    inline.close()


def committed_values(path: Path) -> list[str]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(path) as reader:
        return [row[0] for row in reader.execute("SELECT v FROM t ORDER BY id")]


def traced(inline: InlineSqlite) -> list[str]:
    statements: list[str] = []
    inline._connection.set_trace_callback(statements.append)
    return statements


async def test_statements_of_one_iteration_share_one_commit(
    path: Path, inline: InlineSqlite
) -> None:
    statements = traced(inline)
    rows = await asyncio.gather(*(inline.fetch_one(INSERT, {"v": f"v{n}"}) for n in range(5)))
    assert rows == [{"id": n} for n in range(1, 6)]
    # the lead as an autocommit, the four after it in one transaction
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 1
    assert statements.index("BEGIN IMMEDIATE") == 1
    assert committed_values(path) == [f"v{n}" for n in range(5)]


async def test_a_lone_statement_runs_at_once_as_an_autocommit(
    path: Path, inline: InlineSqlite
) -> None:
    statements = traced(inline)
    lone = inline.fetch_one(INSERT, {"v": "alone"}).__await__()
    with pytest.raises(StopIteration) as finished:  # done without suspending once
        lone.send(None)
    assert finished.value.value == {"id": 1}
    assert "BEGIN IMMEDIATE" not in statements
    assert committed_values(path) == ["alone"]


async def test_a_caller_resumes_only_after_its_statement_committed(
    path: Path, inline: InlineSqlite
) -> None:
    async def insert_then_look(value: str) -> list[str]:
        await inline.execute(INSERT, {"v": value})
        return committed_values(path)  # read by another connection the moment it resumes

    seen = await asyncio.gather(*(insert_then_look(value) for value in "abc"))
    assert list(seen) == [["a"], ["a", "b", "c"], ["a", "b", "c"]]


async def test_a_failing_statement_fails_alone(path: Path, inline: InlineSqlite) -> None:
    await inline.execute(INSERT, {"v": "taken"})
    outcomes = await asyncio.gather(
        inline.fetch_one(INSERT, {"v": "lead"}),
        inline.fetch_one(INSERT, {"v": "first"}),
        inline.fetch_one(INSERT, {"v": "taken"}),  # violates UNIQUE: undone alone
        inline.fetch_one(INSERT, {"v": "last"}),
        return_exceptions=True,
    )
    assert outcomes[1] == {"id": 3}
    assert isinstance(outcomes[2], sqlite3.IntegrityError)
    assert outcomes[3] == {"id": 4}
    assert committed_values(path) == ["taken", "lead", "first", "last"]


async def test_a_batch_sqlite_undid_fails_every_caller_and_writes_nothing(
    path: Path, inline: InlineSqlite
) -> None:
    """A statement that rolls the transaction back (as a full disk or an I/O error may)
    takes the batch with it: every caller learns it, none is told its write held."""
    with sqlite3.connect(path) as setup:
        setup.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON t WHEN NEW.v = 'boom' "
            "BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END"
        )
    outcomes = await asyncio.gather(
        inline.fetch_one(INSERT, {"v": "lead"}),
        inline.fetch_one(INSERT, {"v": "before"}),
        inline.fetch_one(INSERT, {"v": "boom"}),
        inline.fetch_one(INSERT, {"v": "after"}),
        return_exceptions=True,
    )
    assert outcomes[0] == {"id": 1}  # committed alone, before the batch
    assert [type(outcome) for outcome in outcomes[1:]] == [sqlite3.IntegrityError] * 3
    assert committed_values(path) == ["lead"]
    assert await inline.fetch_one(INSERT, {"v": "next"}) == {"id": 2}  # and it goes on


async def test_a_cancelled_caller_s_statement_still_runs(path: Path, inline: InlineSqlite) -> None:
    """Once asked for, a statement runs, as it would had it run at once: a settlement is
    never skipped because its task was cancelled while it waited for the commit."""
    lead = asyncio.create_task(inline.execute(INSERT, {"v": "lead"}))
    waiting = asyncio.create_task(inline.execute(INSERT, {"v": "settled"}))
    other = asyncio.create_task(inline.execute(INSERT, {"v": "other"}))
    await asyncio.sleep(0)  # the lead ran, the other two queued, the flush not yet run
    waiting.cancel()
    await asyncio.gather(lead, other)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert committed_values(path) == ["lead", "settled", "other"]


async def test_a_locked_batch_waits_together_and_then_commits(path: Path) -> None:
    inline = InlineSqlite.open(path, busy_seconds=30)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    batch = asyncio.gather(*(inline.fetch_one(INSERT, {"v": f"v{n}"}) for n in range(3)))
    for _ in range(20):
        await asyncio.sleep(0)  # the loop runs on while the batch waits on a timer
    assert not batch.done()
    holder.execute("COMMIT")
    assert await batch == [{"id": 1}, {"id": 2}, {"id": 3}]
    holder.close()
    inline.close()


async def test_an_early_statement_answers_before_its_commit_which_follows_in_the_iteration(
    path: Path, inline: InlineSqlite
) -> None:
    """The gate's statement: its caller acts (sends the call out) while the commit waits
    for the end of the loop iteration, taking with it what else that iteration asked."""
    statements = traced(inline)
    early = inline.early.fetch_one(INSERT, {"v": "held"}).__await__()
    with pytest.raises(StopIteration) as finished:  # answered without suspending once
        early.send(None)
    assert finished.value.value == {"id": 1}
    assert committed_values(path) == []  # not committed yet: another reader sees nothing
    joined = await inline.fetch_one(INSERT, {"v": "settled"})  # same iteration: joins it
    assert joined == {"id": 2}
    assert committed_values(path) == ["held", "settled"]
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements.count("COMMIT") == 1


async def loop_iterations(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_an_early_statement_alone_is_committed_two_iterations_on(
    path: Path, inline: InlineSqlite
) -> None:
    """Two: the commit waits for the step that sends the call out (aiohttp's client writes
    from a task of its own, in the next iteration), then goes before any more I/O."""
    assert await inline.early.fetch_one(INSERT, {"v": "held"}) == {"id": 1}
    await loop_iterations(1)
    assert committed_values(path) == []
    await loop_iterations(1)
    assert committed_values(path) == ["held"]
    assert not inline._connection.in_transaction


async def test_a_failing_early_statement_raises_and_leaves_no_transaction_open(
    path: Path, inline: InlineSqlite
) -> None:
    await inline.execute(INSERT, {"v": "taken"})
    await loop_iterations(1)  # a new iteration: the next statement runs first again
    with pytest.raises(sqlite3.IntegrityError):
        await inline.early.fetch_one(INSERT, {"v": "taken"})
    assert not inline._connection.in_transaction
    await loop_iterations(1)
    assert await inline.early.fetch_one(INSERT, {"v": "next"}) == {"id": 2}
    await loop_iterations(2)
    assert committed_values(path) == ["taken", "next"]


async def test_an_early_statement_on_a_locked_database_waits_for_its_commit(path: Path) -> None:
    inline = InlineSqlite.open(path, busy_seconds=30)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    early = asyncio.create_task(inline.early.fetch_one(INSERT, {"v": "held"}))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not early.done()  # nothing began: it waits in the queue like any statement
    holder.execute("COMMIT")
    assert await early == {"id": 1}
    assert committed_values(path) == ["held"]  # and got its rows only once committed
    holder.close()
    inline.close()


async def test_a_lost_early_transaction_fails_its_batch_and_is_logged(
    path: Path, inline: InlineSqlite, caplog: pytest.LogCaptureFixture
) -> None:
    """The early caller has acted already: its loss cannot be told to it, so it is logged
    (the gate's hold, never a charge)."""
    with sqlite3.connect(path) as setup:
        setup.execute(
            "CREATE TRIGGER boom BEFORE INSERT ON t WHEN NEW.v = 'boom' "
            "BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END"
        )
    assert await inline.early.fetch_one(INSERT, {"v": "held"}) == {"id": 1}
    with pytest.raises(sqlite3.IntegrityError):
        await inline.fetch_one(INSERT, {"v": "boom"})
    assert committed_values(path) == []
    assert "an early statement's transaction was lost" in caplog.text


async def test_committed_waits_for_the_early_transaction_and_no_longer(
    path: Path, inline: InlineSqlite
) -> None:
    await inline.committed()  # nothing open: at once
    assert await inline.early.fetch_one(INSERT, {"v": "refused"}) == {"id": 1}
    assert committed_values(path) == []
    await inline.committed()
    assert committed_values(path) == ["refused"]
