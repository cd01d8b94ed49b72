"""The current schema read back from a migrated database, as deterministic text.

Why: the money rules are SQL triggers that later migrations replace (`calls_settle` is
redefined twice), so the migrations tell the history and this tells what holds today. The
checked-in storage/schema.sqlite.sql and storage/schema.postgresql.sql are this text for a
freshly migrated database; tests/test_storage_schema.py keeps them current.

Invariants of the text: it depends only on the schema, never on the database's name, the
PostgreSQL schema (search_path) it lives in, or the order the catalog returns rows in.
Each table comes with its columns and constraints, then its indexes, then its triggers (on
PostgreSQL each followed by the function it executes), tables and each group sorted by
name. SQL the migrations wrote is kept as stored, with trailing spaces, blank lines and
common indentation removed.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator

from storage.database import Database, Row

__all__ = ["describe"]


async def describe(database: Database) -> str:
    """The schema of `database` (already migrated), one statement per paragraph."""
    if database.dialect == "postgresql":
        paragraphs = await _postgres(database)
    else:
        paragraphs = await _sqlite(database)
    return "\n\n".join(paragraphs) + "\n"


def _tidy(sql: str) -> str:
    """`sql` without trailing spaces or blank lines, its body's indentation made common."""
    lines = [line.rstrip() for line in sql.expandtabs().splitlines() if line.strip()]
    if not lines:
        return ""
    body = textwrap.dedent("\n".join(lines[1:]))
    return "\n".join([lines[0].strip(), body]).rstrip() + ";" if body else lines[0].strip() + ";"


def _top_level_items(text: str) -> Iterator[str]:
    """The comma-separated items of `text` outside parentheses and quotes."""
    depth, quoted, start = 0, False, 0
    for position, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            yield text[start:position]
            start = position + 1
    yield text[start:]


def _sqlite_table(sql: str) -> str:
    """A CREATE TABLE one item per line: SQLite appends ALTERed columns to the last line."""
    head, _, rest = sql.partition("(")
    body = rest[: rest.rindex(")")]
    items = (" ".join(item.split()) for item in _top_level_items(body))
    return " ".join(head.split()) + " (\n" + ",\n".join(f"    {item}" for item in items) + "\n);"


async def _sqlite(database: Database) -> list[str]:
    rows = await database.fetch_all(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    )
    rank = {"table": 0, "index": 1, "trigger": 2, "view": 3}
    paragraphs = []
    for row in sorted(rows, key=lambda r: (r["tbl_name"], rank[r["type"]], r["name"])):
        sql = str(row["sql"])
        paragraphs.append(_sqlite_table(sql) if row["type"] == "table" else _tidy(sql))
    return paragraphs


_IN_SCHEMA = "= current_schema()::regnamespace"


async def _postgres(database: Database) -> list[str]:
    schema_row = await database.fetch_one("SELECT current_schema() AS name")
    assert schema_row is not None
    qualifier = re.compile(rf'(?<![\w"])"?{re.escape(str(schema_row["name"]))}"?\.')
    tables = await database.fetch_all(
        f"SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relnamespace {_IN_SCHEMA}"
    )
    shown: set[str] = set()
    paragraphs: list[str] = []
    for name in sorted(str(table["name"]) for table in tables):
        paragraphs.append(await _postgres_table(database, name))
        paragraphs.extend(await _postgres_indexes(database, name))
        paragraphs.extend(await _postgres_triggers(database, name, shown))
    paragraphs.extend(await _postgres_other_functions(database, shown))
    return [qualifier.sub("", paragraph) for paragraph in paragraphs]


async def _postgres_table(database: Database, table: str) -> str:
    columns = await database.fetch_all(
        "SELECT column_name, data_type, is_nullable, column_default, identity_generation "
        "FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :table "
        "ORDER BY ordinal_position",
        {"table": table},
    )
    constraints = await database.fetch_all(
        "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conrelid = CAST(:table AS regclass) AND contype IN ('c', 'f', 'p', 'u', 'x') "
        "ORDER BY conname",
        {"table": table},
    )
    items = [_postgres_column(column) for column in columns]
    items += [f"CONSTRAINT {row['conname']} {row['definition']}" for row in constraints]
    return f"CREATE TABLE {table} (\n" + ",\n".join(f"    {item}" for item in items) + "\n);"


def _postgres_column(column: Row) -> str:
    parts = [str(column["column_name"]), str(column["data_type"])]
    if column["identity_generation"] is not None:
        parts.append(f"GENERATED {column['identity_generation']} AS IDENTITY")
    if column["column_default"] is not None:
        parts.append(f"DEFAULT {column['column_default']}")
    if column["is_nullable"] == "NO":
        parts.append("NOT NULL")
    return " ".join(parts)


async def _postgres_indexes(database: Database, table: str) -> list[str]:
    """Indexes made by CREATE INDEX; those behind a constraint are shown as the constraint."""
    rows = await database.fetch_all(
        "SELECT indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = :table AND indexname NOT IN "
        f"(SELECT conname FROM pg_constraint WHERE connamespace {_IN_SCHEMA}) "
        "ORDER BY indexname",
        {"table": table},
    )
    return [f"{row['indexdef']};" for row in rows]


async def _postgres_triggers(database: Database, table: str, shown: set[str]) -> list[str]:
    """The table's triggers, each followed by its function the first time one executes it."""
    rows = await database.fetch_all(
        "SELECT pg_get_triggerdef(t.oid) AS trigger, p.proname AS function, "
        "pg_get_functiondef(p.oid) AS definition "
        "FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = CAST(:table AS regclass) AND NOT t.tgisinternal "
        "ORDER BY t.tgname",
        {"table": table},
    )
    paragraphs = []
    for row in rows:
        paragraphs.append(f"{row['trigger']};")
        if row["function"] not in shown:
            shown.add(str(row["function"]))
            paragraphs.append(_tidy(str(row["definition"])))
    return paragraphs


async def _postgres_other_functions(database: Database, shown: set[str]) -> list[str]:
    rows = await database.fetch_all(
        "SELECT proname, pg_get_functiondef(oid) AS definition FROM pg_proc "
        f"WHERE pronamespace {_IN_SCHEMA} ORDER BY proname"
    )
    return [_tidy(str(row["definition"])) for row in rows if row["proname"] not in shown]
