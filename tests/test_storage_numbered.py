"""Named parameters rewritten as numbered ones (`storage.numbered`), for both drivers."""

from __future__ import annotations

import sqlite3

import pytest

from storage.account_statements import (
    authorize_statement,
    authorize_values,
    settlement_statement,
    settlement_values,
)
from storage.database import open_database
from storage.keys import hash_key
from storage.models import CallRecord
from storage.numbered import InOrder, bound, in_order_reader, numbered, positional
from storage.policy import LOCKED_UNTIL_UNBLOCKED, AccessPolicy


def test_each_name_gets_one_number_and_a_cast_is_no_parameter() -> None:
    sql = "SELECT :a, :b::text, :a + :c"
    assert numbered(sql, "$") == ("SELECT $1, $2::text, $1 + $3", ("a", "b", "c"))
    assert numbered(sql, "?")[0] == "SELECT ?1, ?2::text, ?1 + ?3"


@pytest.mark.parametrize(
    ("sql", "values"),
    [
        ("SELECT :b, :a, :b", (2, 1)),  # in number order, each once
        ("SELECT :a", (1,)),  # one name: still a tuple
        ("SELECT 1", ()),  # none
    ],
)
def test_positional_reads_the_values_in_number_order(sql: str, values: tuple[int, ...]) -> None:
    text, read = positional(sql, "?")
    params = {"a": 1, "b": 2, "unused": 3}
    assert read(params) == values
    with sqlite3.connect(":memory:") as connection:  # and SQLite binds them so
        named = connection.execute(sql, params).fetchone()
        assert connection.execute(text, read(params)).fetchone() == named


def test_a_missing_value_raises_as_binding_would() -> None:
    _, read = positional("SELECT :a, :b", "?")
    with pytest.raises(KeyError):
        read({"a": 1})


class _Record:
    """Attributes named like a statement's parameters."""

    def __init__(self, **values: object) -> None:
        self.__dict__.update(values)


@pytest.mark.parametrize(
    ("sql", "in_order"),
    [
        ("SELECT :b, :now, :a, :b", (2, 99, 1)),  # the computed one in its place
        ("SELECT :now, :a", (99, 1)),  # first, and a single attribute
        ("SELECT :a, :now", (1, 99)),  # last
    ],
)
def test_a_reader_gives_the_values_in_number_order(sql: str, in_order: tuple[int, ...]) -> None:
    read = in_order_reader(sql, "now")
    values = read(_Record(a=1, b=2, unused=3), 99)
    assert isinstance(values, InOrder)
    assert values == in_order
    with sqlite3.connect(":memory:") as connection:  # the same row as bound by name
        named = connection.execute(sql, {"a": 1, "b": 2, "now": 99}).fetchone()
        assert connection.execute(numbered(sql, "?")[0], values).fetchone() == named


def test_the_settlement_s_values_are_the_record_s_fields_and_the_time() -> None:
    """Each of the statement's parameters, by name, whatever order it comes in."""
    record = CallRecord(
        request_id="r", account_id=7, endpoint="/v1/x", provider="p", model="m", status=200,
        input_units=11, output_units=13, cost=17, held=19, latency_ms=23,
        cache_read_tokens=29, reasoning_tokens=31, web_search_calls=37, settle_key="k",
        response_id="resp",
    )  # fmt: skip
    statement = settlement_statement("sqlite")
    values = settlement_values(statement)(record, 1_700_000_000)
    names = numbered(statement, "?")[1]
    expected = [1_700_000_000 if name == "now" else getattr(record, name) for name in names]
    assert list(values) == expected


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize(
    ("where", "username"), [("key_hash = :key_hash", None), ("username = :username", "alice")]
)
def test_the_gate_s_values_are_its_parameters_by_name(
    dialect: str, where: str, username: str | None
) -> None:
    """Each of the gate statement's parameters, by name, whatever order it comes in."""
    policy, now = AccessPolicy(), 1_700_000_000
    by_name = {
        "key_hash": hash_key("sk-secret"),
        "hold": 41,
        "now": now,
        "forever": LOCKED_UNTIL_UNBLOCKED,
        "lock_strikes": policy.lock_strikes,
        "lock_until": policy.lock_until(now),
        "request_id": "req-1",
        "window": now // 60,
        "rate_limit": policy.requests_per_minute,
        "username": username,
    }
    statement = authorize_statement(where, dialect)
    values = authorize_values(statement)(policy, "sk-secret", 41, now, "req-1", username)
    assert isinstance(values, InOrder)
    assert list(values) == [by_name[name] for name in numbered(statement, "?")[1]]


async def test_every_executor_binds_values_in_order(database_url: str) -> None:
    """The request path's executor, the pool's or connection's own, and a transaction's."""
    sql = "SELECT :b AS b, :now AS now, :a AS a"
    values = in_order_reader(sql, "now")(_Record(a="x", b="y"), "t")
    database = await open_database(database_url)
    try:
        rows = [await database.hot.fetch_one(sql, values), await database.fetch_one(sql, values)]
        async with database.transaction() as transaction:
            rows.append(await transaction.fetch_one(sql, values))
    finally:
        await database.close()
    assert [dict(row or {}) for row in rows] == [{"b": "y", "now": "t", "a": "x"}] * 3


def test_bound_reads_a_mapping_and_takes_values_in_order_as_they_are() -> None:
    sql = "SELECT :b, :a, :b"
    assert bound(sql, "$", {"a": 1, "b": 2}) == ("SELECT $1, $2, $1", (2, 1))
    in_order = InOrder(("y", "x"))
    assert bound(sql, "?", in_order) == ("SELECT ?1, ?2, ?1", in_order)
    assert bound("SELECT 1", "?", None) == ("SELECT 1", ())
