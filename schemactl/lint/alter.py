"""``ALTER TABLE``: which table, and each comma-separated action on it.

Only the actions the rules judge get a kind of their own; everything else is ``OTHER``.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from schemactl.lint.columns import ColumnDef, column_def
from schemactl.lint.words import ObjectName, Words

_CONSTRAINT_STARTS = frozenset({"constraint", "check", "unique", "primary", "foreign", "exclude"})


class ActionKind(enum.StrEnum):
    """The ALTER TABLE actions the rules tell apart."""

    ADD_COLUMN = "add column"
    DROP_COLUMN = "drop column"
    ALTER_TYPE = "alter column type"
    SET_NOT_NULL = "set not null"
    ADD_CONSTRAINT = "add constraint"
    DROP_CONSTRAINT = "drop constraint"
    VALIDATE_CONSTRAINT = "validate constraint"
    RENAME_COLUMN = "rename column"
    RENAME_CONSTRAINT = "rename constraint"
    RENAME_TABLE = "rename table"
    DETACH_PARTITION = "detach partition"
    OTHER = "other"


@dataclass(frozen=True)
class Action:
    """One action in ``[start, stop)`` of the statement's words.

    ``subject`` is the column or constraint acted on (None for an unnamed constraint);
    ``column`` the definition an ADD COLUMN adds (or, for ALTER TYPE, the new type);
    ``new_name`` the target of a rename; ``constraint_type`` the word that says what an added
    constraint is (``check``, ``foreign``, ``unique``, ``primary``, ``exclude``).
    """

    kind: ActionKind
    start: int
    stop: int
    subject: str | None = None
    new_name: str | None = None
    column: ColumnDef | None = None
    constraint_type: str | None = None
    tolerant: bool = False


@dataclass(frozen=True)
class AlterTable:
    """``ALTER TABLE [IF EXISTS] [ONLY] table action, ...``."""

    words: Words
    table: ObjectName
    tolerant: bool
    actions: tuple[Action, ...]

    def has(self, action: Action, *keywords: str) -> bool:
        """True if ``keywords`` follow one another at the action's top level."""
        span = self.words.top_level(action.start, action.stop)
        return any(self.words.at(i, *keywords) for i in span)


@functools.lru_cache(maxsize=16384)
def alter_table(words: Words) -> AlterTable | None:
    """The parsed statement if it is ``ALTER TABLE``, else None (cached for each statement's
    words: the lock rules, the effects and the column definitions all ask)."""
    if not words.at(0, "alter", "table"):
        return None
    tolerant = words.at(2, "if", "exists")
    i = words.skip(words.skip(2, "if", "exists"), "only")
    table, i = words.name(i)
    if table is None:
        return None
    i += 1 if words.is_text(i, "*") else 0
    actions = tuple(_action(words, a, b) for a, b in words.split(i, len(words)))
    return AlterTable(words, table, tolerant, actions)


def _action(words: Words, a: int, b: int) -> Action:
    verb = words.kw(a)
    if verb == "add":
        return _add(words, a, b)
    if verb == "drop":
        return _drop(words, a, b)
    if verb == "alter" and not words.at(a + 1, "constraint"):
        j = words.skip(a + 1, "column")
        column = words.items[j].value if j < b else None
        if words.at(j + 1, "type") or words.at(j + 1, "set", "data", "type"):
            type_start = words.skip(words.skip(j + 1, "set", "data"), "type")
            type_stop = words.find("using|collate", type_start, b) or b
            new_type = ColumnDef(words, column or "", type_start, type_stop, b)
            return Action(ActionKind.ALTER_TYPE, a, b, column, column=new_type)
        if words.at(j + 1, "set", "not", "null"):
            return Action(ActionKind.SET_NOT_NULL, a, b, column)
    if words.at(a, "validate", "constraint"):
        return Action(ActionKind.VALIDATE_CONSTRAINT, a, b, _value(words, a + 2, b))
    if verb == "rename":
        return _rename(words, a, b)
    if words.at(a, "detach", "partition"):
        partition, _ = words.name(a + 2)
        return Action(ActionKind.DETACH_PARTITION, a, b, str(partition) if partition else None)
    return Action(ActionKind.OTHER, a, b)


def _add(words: Words, a: int, b: int) -> Action:
    j = a + 1
    if words.kw(j) in _CONSTRAINT_STARTS:
        name = _value(words, j + 1, b) if words.kw(j) == "constraint" else None
        type_at = j + 2 if words.kw(j) == "constraint" else j
        return Action(ActionKind.ADD_CONSTRAINT, a, b, name, constraint_type=words.kw(type_at))
    j = words.skip(j, "column")
    tolerant = words.at(j, "if", "not", "exists")
    column = column_def(words, words.skip(j, "if", "not", "exists"), b)
    subject = column.name if column else None
    return Action(ActionKind.ADD_COLUMN, a, b, subject, column=column, tolerant=tolerant)


def _drop(words: Words, a: int, b: int) -> Action:
    kind = ActionKind.DROP_CONSTRAINT if words.at(a + 1, "constraint") else ActionKind.DROP_COLUMN
    j = words.skip(a + 1, "constraint|column")
    tolerant = words.at(j, "if", "exists")
    name = _value(words, words.skip(j, "if", "exists"), b)
    return Action(kind, a, b, name, tolerant=tolerant)


def _rename(words: Words, a: int, b: int) -> Action:
    if words.at(a + 1, "to"):
        return Action(ActionKind.RENAME_TABLE, a, b, new_name=_value(words, a + 2, b))
    if words.at(a + 1, "constraint"):
        old, new = _value(words, a + 2, b), _value(words, a + 4, b)
        return Action(ActionKind.RENAME_CONSTRAINT, a, b, old, new)
    j = words.skip(a + 1, "column")
    return Action(ActionKind.RENAME_COLUMN, a, b, _value(words, j, b), _value(words, j + 2, b))


def _value(words: Words, i: int, stop: int) -> str | None:
    """The identifier at ``i`` if it is inside the action."""
    if i < stop and words.items[i].is_ident and not words.is_keyword_not_name(i):
        return words.items[i].value
    return None
