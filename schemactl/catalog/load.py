"""Reading PostgreSQL's catalogs into a ``SchemaModel``: each catalog query once, whole database.

The queries live in ``queries/<kind>.sql`` beside this module, one per object kind, each
runnable in psql. Loading costs the same number of round trips for ten tables as for ten
thousand. This module compares nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from importlib import resources
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import dict_row

from schemactl.catalog.model import (
    Column,
    Constraint,
    Domain,
    EnumType,
    Extension,
    Function,
    Index,
    Policy,
    Schema,
    SchemaModel,
    SchemaObject,
    Sequence,
    Table,
    Trigger,
    View,
    frozen,
)
from schemactl.errors import UsageError

Row = dict[str, Any]
T = TypeVar("T")

# One query per kind, in the order they are sent.
KINDS = (
    "extensions",
    "schemas",
    "enums",
    "domains",
    "sequences",
    "functions",
    "tables",
    "columns",
    "views",
    "constraints",
    "indexes",
    "triggers",
    "policies",
)

# Types, expressions and regprocedure values are rendered relative to the search_path: with
# only pg_catalog on it, everything else comes out schema-qualified, the same in every
# database and for every user. Date and time constants (partition bounds, defaults) are
# rendered in the session's TimeZone and DateStyle, so those are pinned too. The digest's
# prepared statement takes parameters: planned for each value, as the server would choose to,
# its plan costs more than it saves.
PINNED_SETTINGS = {
    "search_path": "pg_catalog, pg_temp",
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "plan_cache_mode": "force_generic_plan",
    # On a large schema the catalog queries' plans can cost past JIT's thresholds, and
    # compiling them takes far longer than running them (3.4 s for one digest, seen).
    "jit": "off",
    # A migration may turn it off for its session: the queries' own '\_' must mean '_'.
    "standard_conforming_strings": "on",
}
_PIN = "SELECT " + ", ".join(
    f"current_setting('{name}') AS was_{n}, set_config('{name}', '{value}', true) AS now_{n}"
    for n, (name, value) in enumerate(PINNED_SETTINGS.items())
)
_RESTORE = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in PINNED_SETTINGS)


@functools.cache
def query_text(kind: str) -> str:
    """The catalog query for ``kind`` (one of ``KINDS``), read once from the package."""
    return resources.files("schemactl.catalog").joinpath("queries", f"{kind}.sql").read_text()


def load_schema(
    conn: psycopg.Connection[Any], *, exclude: Iterable[tuple[str, str]] = ()
) -> SchemaModel:
    """The model of every user schema in the database ``conn`` is connected to.

    ``exclude`` lists (schema, table) pairs, by their raw names, to leave out with everything
    attached to them (the ledger table). System schemas are never included; objects that
    belong to an extension are represented by the extension alone.

    Sends ``len(KINDS)`` catalog queries and one that pins session settings, whatever the size
    of the schema, in one transaction (a savepoint if ``conn`` is already in one, and then a
    last query restores the caller's settings). Leaves nothing changed behind.
    """
    skip = set(exclude)
    objects: list[SchemaObject] = []
    tables: list[Row] = []
    columns: dict[str, dict[str, Column]] = {}
    with pinned(conn) as cur:
        for kind in KINDS:
            cur.execute(query_text(kind))
            # Each row is made into its object as it is read off the result: a large
            # schema's model never sits beside all of its rows as dictionaries (in check,
            # those rows were the peak of its memory).
            kept = (row for row in cur if not _excluded(row, skip))
            if kind == "tables":
                tables = list(kept)
            elif kind == "columns":
                columns = _columns_by_table(kept)
            else:
                objects.extend(map(_BUILDERS[kind], kept))
    objects.extend(_make(Table, row, columns=columns.get(row["name"], {})) for row in tables)
    return SchemaModel.of(*objects)


@contextmanager
def pinned(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Row]]:
    """A cursor in a transaction (a savepoint inside the caller's) with PINNED_SETTINGS set."""
    restore = conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_PIN)
        pinned = cur.fetchone() or {}
        yield cur
        # set_config(..., true) lasts until the end of the transaction; when that is the
        # caller's transaction, put their settings back.
        if restore:
            cur.execute(_RESTORE, [pinned[f"was_{n}"] for n in range(len(PINNED_SETTINGS))])


def _excluded(row: Row, skip: set[tuple[str, str]]) -> bool:
    return "table_schema" in row and (row["table_schema"], row["table_name"]) in skip


def _columns_by_table(rows: Iterable[Row]) -> dict[str, dict[str, Column]]:
    by_table: dict[str, dict[str, Column]] = {}
    for row in rows:
        if row["virtual"]:
            raise _virtual_column(row)
        column = _make(Column, row)
        by_table.setdefault(row["table"], {})[column.name] = column
    return by_table


def _virtual_column(row: Row) -> UsageError:
    # The model knows one kind of generated column; read as a stored one, a virtual column
    # would be dumped STORED and diffed as equal to one.
    return UsageError(
        f"column {row['table']}.{row['name']} is a virtual generated column"
        " (PostgreSQL 18), which schemactl cannot inspect yet",
        hint="make it STORED (GENERATED ALWAYS AS (...) STORED) to use check, diff and dump",
    )


def _make(cls: type[T], row: Row, **overrides: Any) -> T:
    values = {name: frozen(row[name]) for name in _field_names(cast(type, cls)) if name in row}
    values.update(overrides)
    return cls(**values)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _function(row: Row) -> Function:
    function = _make(Function, row)
    if function.body or function.language != "sql":
        return function
    return _make(Function, row, body=_standard_sql_body(function.definition))


def _standard_sql_body(definition: str) -> str:
    """The ``BEGIN ATOMIC ... END`` or ``RETURN ...`` part of a function's definition.

    pg_get_functiondef writes the CREATE line, then one indented line per attribute, then the
    body from the first line that is not indented.
    """
    lines = definition.rstrip().splitlines()
    for number, line in enumerate(lines[1:], start=1):
        if not line.startswith(" "):
            return "\n".join(lines[number:])
    return ""


_BUILDERS: dict[str, Callable[[Row], SchemaObject]] = {
    "extensions": lambda row: _make(Extension, row),
    "schemas": lambda row: _make(Schema, row),
    "enums": lambda row: _make(EnumType, row),
    "domains": lambda row: _make(Domain, row),
    "sequences": lambda row: _make(Sequence, row),
    "functions": _function,
    "views": lambda row: _make(View, row),
    "constraints": lambda row: _make(Constraint, row),
    "indexes": lambda row: _make(Index, row),
    "triggers": lambda row: _make(Trigger, row),
    "policies": lambda row: _make(Policy, row),
}
