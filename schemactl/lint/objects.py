"""What a statement does to named objects: creates, drops, renames or references them.

``effects`` turns one statement into a tuple of ``Effect`` in the order PostgreSQL applies
them (a table's creation comes before its self-references). A ``DO`` block's code is read for
the objects it creates, drops and renames (CREATE, DROP and ALTER statements), marked
``in_block``, since it usually runs them conditionally: a block that builds a table under a
new name, drops the old one and renames the new one into its place leaves that table.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

from schemactl.files.statements import Statement, UnterminatedError, split_statements
from schemactl.lint.alter import Action, ActionKind, alter_table
from schemactl.lint.heads import Head, Kind, head
from schemactl.lint.words import (
    RESERVED,
    ObjectName,
    Words,
    object_name,
    words_of,
)


class Change(enum.StrEnum):
    """What a statement does to an object."""

    CREATE = "create"
    DROP = "drop"
    RENAME = "rename"
    REFERENCE = "reference"
    OWN = "own"  # ALTER SEQUENCE ... OWNED BY: the sequence now goes with a table's column


@dataclass(frozen=True)
class Effect:
    """One thing a statement does to one object.

    ``parent`` is the table of an index, trigger, policy, column or constraint; ``tolerant`` is
    IF [NOT] EXISTS or OR REPLACE; ``cascade`` a DROP ... CASCADE; ``new_name`` a rename's target.
    ``uses`` are the bare names a created object's definition mentions (the columns of an index,
    the relations of a view, the function of a trigger, the column owning a sequence): what
    PostgreSQL may drop it with, implicitly or by CASCADE.

    ``temporary`` is an object that goes with the session (``CREATE TEMP TABLE``, anything in
    ``pg_temp``). A partition's ``parent`` is its partitioned table, which takes it when
    dropped. ``definition`` is an index's definition as PostgreSQL compares it when it attaches
    a partition's index to a partitioned table's (None for ``ON ONLY``, which attaches none);
    ``attached_to`` the partitioned table's index one is attached to, which takes it when
    dropped.
    """

    change: Change
    kind: Kind
    name: ObjectName
    parent: ObjectName | None = None
    tolerant: bool = False
    cascade: bool = False
    new_name: ObjectName | None = None
    in_block: bool = False
    uses: frozenset[str] = frozenset()
    temporary: bool = False
    definition: str | None = None
    attached_to: ObjectName | None = None

    @property
    def key(self) -> tuple[str, tuple[str, str], tuple[str, str] | None]:
        """Identity of the object: its namespace family, name and (for sub-objects) table."""
        parent = self.parent.key if self.parent and self.kind in _SUB_OBJECTS else None
        return self.kind.family, self.name.key, parent

    def same_object(self, other: Effect) -> bool:
        """True if both effects are on one object (an unqualified name matches any schema)."""
        # Most pairs differ by name: that is the cheap test, asked first.
        if self.name.name != other.name.name:
            return False
        if self.kind is not other.kind and self.kind.family != other.kind.family:
            return False
        if not self.name.same(other.name):
            return False
        if self.kind not in _SUB_OBJECTS:
            return True
        if self.parent is None or other.parent is None:
            return False
        return self.parent.same(other.parent)


# Objects whose names are only unique within their table.
_SUB_OBJECTS = frozenset({Kind.TRIGGER, Kind.POLICY, Kind.COLUMN, Kind.CONSTRAINT})


def table_reference(name: ObjectName, *, tolerant: bool = False) -> Effect:
    """A use of table ``name`` that fails if it does not exist (unless ``tolerant``)."""
    return Effect(Change.REFERENCE, Kind.TABLE, name, tolerant=tolerant)


@functools.lru_cache(maxsize=8192)
def effects(statement: Statement) -> tuple[Effect, ...]:
    """Everything ``statement`` creates, drops, renames or references, in order."""
    words = words_of(statement)
    found = list(effects_of_words(words))
    if words.kw(0) == "do":
        found.extend(_block_effects(words))
    return tuple(found)


def effects_of_words(words: Words) -> Iterator[Effect]:
    """The effects of one statement's words (no DO-block reading)."""
    found = head(words)
    if found is not None and found.verb == "create":
        yield from _create(words, found)
    elif found is not None:
        yield from _drop(words, found)
    elif words.at(0, "alter", "table"):
        yield from _alter_table(words)
    elif words.at(0, "alter", "sequence"):
        yield from _alter_sequence(words)
    elif words.kw(0) == "alter":
        yield from _alter_other(words)
    else:
        yield from _dml_references(words)


def _create(words: Words, h: Head) -> Iterator[Effect]:
    i = h.name_at
    if h.kind is Kind.INDEX:
        yield from _create_index(words, h)
        return
    name, after = words.name(i)
    if name is None or (h.kind is Kind.SCHEMA and words.kw(i) == "authorization"):
        return
    if h.kind in (Kind.TRIGGER, Kind.POLICY):
        on = words.find("on", after)
        table, rest = words.name(on + 1) if on is not None else (None, 0)
        if table is not None:
            yield table_reference(table)
            uses = _mentioned(words, rest)
            yield Effect(Change.CREATE, h.kind, name, table, tolerant=h.tolerant, uses=uses)
        return
    temporary = _temporary(words, h, name)
    if h.kind is Kind.SEQUENCE:
        yield replace(_sequence(words, name, after, h.tolerant), temporary=temporary)
        return
    uses = _mentioned(words, after) if h.kind not in _SELF_CONTAINED else frozenset()
    parent = _partition_parent(words, after) if h.kind is Kind.TABLE else None
    yield Effect(Change.CREATE, h.kind, name, parent, h.tolerant, uses=uses, temporary=temporary)
    if h.kind in (Kind.TABLE, Kind.FOREIGN_TABLE):
        yield from _table_references(words, after)


def _temporary(words: Words, h: Head, name: ObjectName) -> bool:
    """``CREATE TEMP ...``, or an object made in the session's own ``pg_temp`` schema."""
    if is_temporary_schema(name.schema):
        return True
    return any(words.kw(i) in ("temp", "temporary") for i in range(1, h.name_at))


def is_temporary_schema(schema: str | None) -> bool:
    """``pg_temp`` (or a session's ``pg_temp_N``): whatever is made there goes with the
    session."""
    return schema is not None and (schema == "pg_temp" or schema.startswith("pg_temp_"))


def _partition_parent(words: Words, start: int) -> ObjectName | None:
    """The table of ``CREATE TABLE name PARTITION OF table``."""
    if not words.at(start, "partition", "of"):
        return None
    parent, _ = words.name(start + 2)
    return parent


def _create_index(words: Words, h: Head) -> Iterator[Effect]:
    on = words.find("on", h.name_at)
    if on is None:
        return
    name, _ = words.name(h.name_at) if on > h.name_at else (None, 0)
    only = words.at(on + 1, "only")
    table, rest = words.name(words.skip(on + 1, "only"))
    if table is None:
        return
    yield table_reference(table)
    if name is not None:
        # An index lives in its table's schema, whatever the search path says.
        name = ObjectName(name.schema or table.schema, name.name, name.text)
        uses = _mentioned(words, rest)
        yield Effect(
            Change.CREATE,
            Kind.INDEX,
            name,
            table,
            tolerant=h.tolerant,
            uses=uses,
            temporary=is_temporary_schema(table.schema),
            definition=None if only else _index_definition(words, rest),
        )


def _index_definition(words: Words, start: int) -> str:
    """What follows the table, with UNIQUE and the default method spelled one way: two
    indexes with the same text are the same index to PostgreSQL."""
    unique = "unique " if words.kw(1) == "unique" else ""
    start = words.skip(start, "using", "btree")
    return unique + " ".join(w.value for w in words.items[start:])


# Kinds whose definition never goes with another object's drop: what they mention is not read.
_SELF_CONTAINED = frozenset({Kind.TABLE, Kind.FOREIGN_TABLE, Kind.SCHEMA, Kind.EXTENSION})


def _mentioned(words: Words, start: int) -> frozenset[str]:
    """Every identifier from ``start`` on, reserved keywords left out."""
    return frozenset(
        word.value for word in words.items[start:] if word.is_ident and word.value not in RESERVED
    )


def _sequence(words: Words, name: ObjectName, after: int, tolerant: bool) -> Effect:
    owner = _owned_by(words, after)
    if owner is None:
        return Effect(Change.CREATE, Kind.SEQUENCE, name, tolerant=tolerant)
    table, column = owner
    return Effect(Change.CREATE, Kind.SEQUENCE, name, table, tolerant, uses=frozenset({column}))


def _owned_by(words: Words, start: int) -> tuple[ObjectName, str] | None:
    """The ``table``, ``column`` of an ``OWNED BY table.column`` at or after ``start``."""
    owned = next((i for i in range(start, len(words)) if words.at(i, "owned", "by")), None)
    if owned is None:
        return None
    parts, _ = words.path(owned + 2)
    if len(parts) < 2:
        return None  # OWNED BY NONE
    return object_name(parts[:-1]), parts[-1].value


def _alter_sequence(words: Words) -> Iterator[Effect]:
    i = words.skip(2, "if", "exists")
    name, after = words.name(i)
    if name is None:
        return
    owner = _owned_by(words, after)
    if owner is not None:
        table, column = owner
        yield Effect(Change.OWN, Kind.SEQUENCE, name, table, uses=frozenset({column}))
        return
    yield from _alter_other(words)


def creates_unnamed_index(words: Words) -> bool:
    """True for ``CREATE INDEX ON ...``, whose name PostgreSQL makes up."""
    found = head(words)
    if found is None or found.verb != "create" or found.kind is not Kind.INDEX:
        return False
    return words.kw(found.name_at) == "on"


def _table_references(words: Words, start: int, stop: int | None = None) -> Iterator[Effect]:
    """Tables named by REFERENCES, PARTITION OF, LIKE and INHERITS in ``[start, stop)``."""
    stop = len(words) if stop is None else stop
    for i in range(start, stop):
        keyword = words.kw(i)
        # LIKE names a table only as a table element, never inside an expression.
        like = keyword == "like" and (words.is_text(i - 1, "(") or words.is_text(i - 1, ","))
        if keyword == "references" or like or words.at(i, "partition", "of"):
            table, _ = words.name(i + (2 if keyword == "partition" else 1))
            if table is not None:
                yield table_reference(table)
        elif keyword == "inherits" and words.is_open(i + 1):
            for a, _b in words.split(i + 2, words.after_group(i + 1) - 1):
                parent, _ = words.name(a)
                if parent is not None:
                    yield table_reference(parent)


def _drop(words: Words, h: Head) -> Iterator[Effect]:
    cascade = words.kw(len(words) - 1) == "cascade"
    if h.kind in (Kind.TRIGGER, Kind.POLICY):
        name, after = words.name(h.name_at)
        on = words.find("on", after)
        table, _ = words.name(on + 1) if on is not None else (None, 0)
        if name is not None and table is not None:
            yield table_reference(table, tolerant=h.tolerant)
            yield Effect(Change.DROP, h.kind, name, table, tolerant=h.tolerant)
        return
    for a, _b in words.split(h.name_at, len(words)):
        name, _ = words.name(a)
        if name is None:
            continue
        if h.kind in (Kind.TABLE, Kind.FOREIGN_TABLE) and not h.tolerant:
            # Dropping a table that is not there fails like any other reference to it.
            yield table_reference(name)
        yield Effect(Change.DROP, h.kind, name, tolerant=h.tolerant, cascade=cascade)


def _alter_table(words: Words) -> Iterator[Effect]:
    parsed = alter_table(words)
    if parsed is None:
        return
    table = parsed.table
    yield table_reference(table, tolerant=parsed.tolerant)
    for action in parsed.actions:
        yield from _action_effects(action, table, words)
        if action.kind in (ActionKind.ADD_COLUMN, ActionKind.ADD_CONSTRAINT):
            yield from _table_references(words, action.start, action.stop)


def _action_effects(action: Action, table: ObjectName, words: Words) -> Iterator[Effect]:
    subject = ObjectName(None, action.subject, action.subject) if action.subject else None
    simple = {
        ActionKind.ADD_COLUMN: (Change.CREATE, Kind.COLUMN),
        ActionKind.DROP_COLUMN: (Change.DROP, Kind.COLUMN),
        ActionKind.ADD_CONSTRAINT: (Change.CREATE, Kind.CONSTRAINT),
        ActionKind.DROP_CONSTRAINT: (Change.DROP, Kind.CONSTRAINT),
    }
    if action.kind in simple and subject:
        change, kind = simple[action.kind]
        action_words = Words(words.items[action.start : action.stop])
        cascade = action_words.kw(len(action_words) - 1) == "cascade"
        uses = _mentioned(action_words, 1) if change is Change.CREATE else frozenset()
        yield Effect(
            change, kind, subject, table, tolerant=action.tolerant, cascade=cascade, uses=uses
        )
    elif action.kind is ActionKind.RENAME_TABLE and action.new_name:
        new = ObjectName(table.schema, action.new_name, action.new_name)
        yield Effect(Change.RENAME, Kind.TABLE, table, new_name=new)
    elif action.kind in (ActionKind.RENAME_COLUMN, ActionKind.RENAME_CONSTRAINT):
        kind = Kind.COLUMN if action.kind is ActionKind.RENAME_COLUMN else Kind.CONSTRAINT
        if subject and action.new_name:
            new = ObjectName(None, action.new_name, action.new_name)
            yield Effect(Change.RENAME, kind, subject, table, new_name=new)


_RENAMEABLE = (
    (("materialized", "view"), Kind.MATERIALIZED_VIEW),
    (("view",), Kind.VIEW),
    (("index",), Kind.INDEX),
    (("sequence",), Kind.SEQUENCE),
    (("type",), Kind.TYPE),
    (("domain",), Kind.DOMAIN),
    (("function",), Kind.FUNCTION),
    (("procedure",), Kind.PROCEDURE),
    (("schema",), Kind.SCHEMA),
)


def _alter_other(words: Words) -> Iterator[Effect]:
    """``ALTER <kind> name ... RENAME TO new`` for the kinds that are not tables."""
    for spelling, kind in _RENAMEABLE:
        if not words.at(1, *spelling):
            continue
        i = words.skip(1 + len(spelling), "if", "exists")
        name, _ = words.name(i)
        rename = words.find("rename", i)
        if name is not None and rename is not None and words.at(rename + 1, "to"):
            new, _ = words.name(rename + 2)
            if new is not None:
                new = ObjectName(name.schema, new.name, new.text)
                yield Effect(Change.RENAME, kind, name, new_name=new)
        return


def _dml_references(words: Words) -> Iterator[Effect]:
    """Tables that INSERT, UPDATE, DELETE, TRUNCATE, COMMENT ON and LOCK name."""
    first = words.kw(0)
    start: int | None = None
    if words.at(0, "insert", "into") or words.at(0, "delete", "from"):
        start = words.skip(2, "only")
    elif first == "update":
        start = words.skip(1, "only")
    elif first in ("truncate", "lock"):
        start = words.skip(words.skip(1, "table"), "only")
    elif words.at(0, "comment", "on", "table"):
        start = 3
    elif words.at(0, "comment", "on", "column"):
        yield from _comment_on_column(words)
        return
    if start is None:
        return
    if first == "truncate":
        for a, _b in words.split(start, len(words)):
            name, _ = words.name(words.skip(a, "only"))
            if name is not None and name.name not in ("cascade", "restrict"):
                yield table_reference(name)
        return
    name, _ = words.name(start)
    if name is not None:
        yield table_reference(name)


def _comment_on_column(words: Words) -> Iterator[Effect]:
    parts, _ = words.path(3)
    if len(parts) >= 2:
        yield table_reference(object_name(parts[:-1]))


_BLOCK_VERBS = frozenset({"create", "drop", "alter"})


def _block_effects(words: Words) -> Iterator[Effect]:
    """CREATE, DROP and ALTER statements inside a DO block's code (references are not read)."""
    for text in words.body_texts():
        for statement in _block_statements(text):
            inner = words_of(statement)
            # From the first verb on: ``IF ... THEN CREATE ...`` is one statement in PL/pgSQL.
            start = next((i for i in range(len(inner)) if inner.kw(i) in _BLOCK_VERBS), None)
            if start is None:
                continue
            for effect in effects_of_words(inner.tail(start)):
                if effect.change is not Change.REFERENCE:
                    yield replace(effect, in_block=True)


def _block_statements(text: str) -> list[Statement]:
    try:
        return split_statements(text)
    except UnterminatedError:
        return []
