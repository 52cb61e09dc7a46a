"""Column definitions, as written in ``CREATE TABLE (...)`` and ``ALTER TABLE ... ADD COLUMN``.

A definition is ``name type [constraints...]``; the type runs until the first constraint
keyword at its own bracket depth, so ``numeric(10, 6)`` and ``timestamp with time zone`` stay
whole.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from schemactl.lint.heads import Kind, head
from schemactl.lint.words import ObjectName, Words

_CONSTRAINT_WORDS = frozenset(
    {
        "constraint", "not", "null", "default", "primary", "unique", "check", "references",
        "generated", "collate", "deferrable", "initially", "compression", "storage",
    }
)  # fmt: skip
# Words that open a table constraint (or LIKE) instead of a column in a CREATE TABLE body.
TABLE_CONSTRAINT_WORDS = frozenset(
    {"constraint", "primary", "unique", "check", "foreign", "exclude", "like"}
)
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
# 32- and 16-bit integer types, serials included.
INT_TYPES = frozenset(
    {"int", "integer", "int4", "smallint", "int2", "serial", "serial4", "smallserial", "serial2"}
)


@dataclass(frozen=True)
class ColumnDef:
    """One column definition inside ``words``: its name, type words and constraint words."""

    words: Words
    name: str
    type_start: int
    type_stop: int
    stop: int

    @property
    def type_words(self) -> list[str]:
        """The type's words, lower-cased (``["timestamp", "with", "time", "zone"]``)."""
        return self.words.keywords(self.type_start, self.type_stop)

    @property
    def base_type(self) -> str:
        """The type's first word (``varchar`` for ``varchar(20)``); "" if it is quoted."""
        return self.words.kw(self.type_start)

    def has(self, *keywords: str) -> bool:
        """True if the constraint part contains ``keywords`` in a row at its top level."""
        span = self.words.top_level(self.type_stop, self.stop)
        return any(self.words.at(i, *keywords) for i in span)

    @property
    def not_null(self) -> bool:
        """NOT NULL, or PRIMARY KEY (which implies it)."""
        return self.has("not", "null") or self.has("primary", "key")

    @property
    def identity(self) -> bool:
        """GENERATED ... AS IDENTITY."""
        return self.has("generated") and self.has("identity")

    @property
    def stored_generated(self) -> bool:
        """GENERATED ALWAYS AS (...) STORED."""
        return self.has("generated") and self.has("stored")

    @property
    def default(self) -> tuple[int, int] | None:
        """The ``[start, stop)`` range of the DEFAULT expression, if there is one."""
        start = self.words.find("default", self.type_stop, self.stop)
        if start is None:
            return None
        end = self.stop
        for i in self.words.top_level(start + 1, self.stop):
            if self.words.kw(i) in _CONSTRAINT_WORDS:
                end = i
                break
        return start + 1, end


def column_def(words: Words, start: int, stop: int) -> ColumnDef | None:
    """Read the column definition in ``[start, stop)``; None if it does not start with a name."""
    if start >= stop or not words.items[start].is_ident:
        return None
    type_stop = stop
    for i in words.top_level(start + 1, stop):
        if words.kw(i) in _CONSTRAINT_WORDS:
            type_stop = i
            break
    return ColumnDef(words, words.items[start].value, start + 1, type_stop, stop)


@dataclass(frozen=True)
class TableBody:
    """The column definitions and table-constraint ranges of a ``CREATE TABLE`` body."""

    table: ObjectName
    columns: tuple[ColumnDef, ...]
    primary_key: tuple[str, ...]


@functools.lru_cache(maxsize=16384)
def create_table_body(words: Words) -> TableBody | None:
    """The body of ``CREATE [modifiers] TABLE [IF NOT EXISTS] name (...)``, else None (cached
    for each statement's words)."""
    found = head(words)
    if found is None or found.verb != "create" or found.kind is not Kind.TABLE:
        return None
    table, i = words.name(found.name_at)
    # PARTITION OF and AS SELECT take their columns from elsewhere.
    if table is None or not words.is_open(i) or words.kw(words.after_group(i)) == "as":
        return None
    stop = words.after_group(i) - 1
    columns: list[ColumnDef] = []
    primary_key: tuple[str, ...] = ()
    for a, b in words.split(i + 1, stop):
        if words.kw(a) in TABLE_CONSTRAINT_WORDS:
            primary_key = primary_key or _primary_key(words, a, b)
            continue
        column = column_def(words, a, b)
        if column is not None:
            columns.append(column)
    return TableBody(table, tuple(columns), primary_key)


def _primary_key(words: Words, start: int, stop: int) -> tuple[str, ...]:
    """The columns of a ``[CONSTRAINT name] PRIMARY KEY (a, b)`` table constraint."""
    at = words.find("primary", start, stop)
    if at is None or not words.at(at + 1, "key") or not words.is_open(at + 2):
        return ()
    parts = words.split(at + 3, words.after_group(at + 2) - 1)
    return tuple(words.items[a].value for a, _ in parts)
