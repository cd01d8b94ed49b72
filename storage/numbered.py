"""`:name` parameters rewritten as numbered ones, for the drivers that bind by position.

The stores write every statement with named parameters (`:account_id`), the one spelling
both databases read. asyncpg only binds `$1..$n`. SQLite reads names itself, but Python's
`sqlite3` binds a mapping by asking SQLite each parameter's name and looking it up in the
dict: measured at about 1.4 k instructions per parameter against a few hundred for a
sequence, which made binding the settlement's 33 values cost more than running it. So the
request path's SQLite statements are rewritten once to `?1..?n` and bound as a tuple.

Invariant: a repeated name reuses its number, so each value is bound once; a `::` cast is
not a parameter. The rewrite is cached per statement text (the stores build a fixed set).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Any

_PARAMETER = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")

#: The statement's values in parameter order, read from the caller's mapping.
Values = Callable[[Mapping[str, object]], tuple[object, ...]]


@lru_cache(maxsize=256)
def numbered(sql: str, mark: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with each `:name` as `{mark}N` (`$` for asyncpg, `?` for SQLite), and the
    names in number order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"{mark}{names.index(name) + 1}"

    return _PARAMETER.sub(number, sql), tuple(names)


@lru_cache(maxsize=256)
def positional(sql: str, mark: str) -> tuple[str, Values]:
    """`numbered`, with a reader that turns a parameter mapping into the value tuple in
    one C call (`operator.itemgetter`); a missing name raises KeyError, as binding would."""
    text, names = numbered(sql, mark)
    if not names:
        return text, _no_values
    if len(names) == 1:
        only = names[0]
        return text, lambda params: (params[only],)
    return text, itemgetter(*names)


def _no_values(_params: Mapping[str, object]) -> tuple[object, ...]:
    return ()


class InOrder(tuple[object, ...]):
    """A statement's values already in its parameter order (`numbered`'s names), which every
    executor binds as they are.

    For the settlement's 34 values, built on every call: a mapping of them, read back into
    a tuple by the executor, cost about 20 k instructions a call (a dict costs about 500
    an entry). `in_order_reader` builds them in the statement's order.
    """

    __slots__ = ()


def in_order_reader(sql: str, computed: str) -> Callable[[Any, object], InOrder]:
    """`reader(record, value)`: `sql`'s values in parameter order, each parameter read as the
    attribute of that name of `record`, but `computed`, which is `value`. One C call
    (`attrgetter`) reads the attributes."""
    names = numbered(sql, "?")[1]
    at = names.index(computed)
    attributes = names[:at] + names[at + 1 :]
    read, single = attrgetter(*attributes), len(attributes) == 1

    def reader(record: Any, value: object) -> InOrder:
        values = (read(record),) if single else read(record)
        return InOrder((*values[:at], value, *values[at:]))

    return reader


_NO_PARAMS: Mapping[str, object] = MappingProxyType({})


def bound(
    sql: str, mark: str, params: Mapping[str, object] | InOrder | None
) -> tuple[str, tuple[object, ...]]:
    """`sql` numbered with `mark`, and its values in that order: `params` as they are when
    already `InOrder`, else read from the mapping by `positional`'s reader. The one place
    the executors that bind by position turn a statement's parameters into values."""
    text, values = positional(sql, mark)
    if isinstance(params, InOrder):
        return text, params
    return text, values(params or _NO_PARAMS)
