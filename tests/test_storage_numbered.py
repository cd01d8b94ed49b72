"""Named parameters rewritten as numbered ones (`storage.numbered`), for both drivers."""

from __future__ import annotations

import sqlite3

import pytest

from storage.numbered import numbered, positional


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
