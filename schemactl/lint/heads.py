"""The head of a CREATE or DROP statement: which kind of object, with which modifiers.

``CREATE OR REPLACE TEMP VIEW``, ``CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS``,
``DROP MATERIALIZED VIEW IF EXISTS``: the rules need the kind, whether the statement tolerates
the object already existing (or not existing), and where the object's name starts.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from schemactl.lint.words import Words


class Kind(enum.StrEnum):
    """Kinds of schema object the rules follow."""

    TABLE = "table"
    FOREIGN_TABLE = "foreign table"
    VIEW = "view"
    MATERIALIZED_VIEW = "materialized view"
    SEQUENCE = "sequence"
    INDEX = "index"
    TYPE = "type"
    DOMAIN = "domain"
    FUNCTION = "function"
    PROCEDURE = "procedure"
    SCHEMA = "schema"
    EXTENSION = "extension"
    TRIGGER = "trigger"
    POLICY = "policy"
    COLUMN = "column"
    CONSTRAINT = "constraint"

    @property
    def family(self) -> str:
        """Kinds that share a namespace (a view and a table cannot have the same name)."""
        return _FAMILIES.get(self, self.value)


_FAMILIES = {
    Kind.TABLE: "relation",
    Kind.FOREIGN_TABLE: "relation",
    Kind.VIEW: "relation",
    Kind.MATERIALIZED_VIEW: "relation",
    Kind.SEQUENCE: "relation",
    Kind.TYPE: "type",
    Kind.DOMAIN: "type",
    Kind.FUNCTION: "routine",
    Kind.PROCEDURE: "routine",
}
RELATIONS = frozenset(k for k, family in _FAMILIES.items() if family == "relation")

# Longest spellings first, so "materialized view" wins over "view".
_KIND_WORDS: tuple[tuple[tuple[str, ...], Kind], ...] = (
    (("materialized", "view"), Kind.MATERIALIZED_VIEW),
    (("foreign", "table"), Kind.FOREIGN_TABLE),
    (("table",), Kind.TABLE),
    (("view",), Kind.VIEW),
    (("sequence",), Kind.SEQUENCE),
    (("index",), Kind.INDEX),
    (("type",), Kind.TYPE),
    (("domain",), Kind.DOMAIN),
    (("function",), Kind.FUNCTION),
    (("procedure",), Kind.PROCEDURE),
    (("schema",), Kind.SCHEMA),
    (("extension",), Kind.EXTENSION),
    (("trigger",), Kind.TRIGGER),
    (("policy",), Kind.POLICY),
)
_KIND_WORDS_BY_FIRST: dict[str, tuple[tuple[tuple[str, ...], Kind], ...]] = {
    first: tuple(entry for entry in _KIND_WORDS if entry[0][0] == first)
    for first in {spelling[0] for spelling, _ in _KIND_WORDS}
}
_CREATE_MODIFIERS = frozenset(
    {"temp", "temporary", "unlogged", "global", "local", "unique", "constraint", "recursive"}
)


@dataclass(frozen=True)
class Head:
    """``kind`` is what the statement creates or drops; ``name_at`` is where its name starts.

    ``tolerant`` is IF [NOT] EXISTS or OR REPLACE; ``concurrently`` is CONCURRENTLY.
    """

    verb: str
    kind: Kind
    name_at: int
    tolerant: bool
    replace: bool
    concurrently: bool


@functools.lru_cache(maxsize=16384)
def head(words: Words) -> Head | None:
    """The head of a CREATE or DROP statement, or None for anything else (cached for each
    statement's words: most rules ask)."""
    verb = words.kw(0)
    if verb not in ("create", "drop"):
        return None
    i = 1
    replace = words.at(i, "or", "replace")
    i = words.skip(i, "or", "replace")
    while verb == "create" and words.kw(i) in _CREATE_MODIFIERS:
        i += 1
    candidates = _KIND_WORDS_BY_FIRST.get(words.kw(i), ())
    spelled = next(((s, k) for s, k in candidates if words.at(i, *s)), None)
    if spelled is None:
        return None
    spelling, kind = spelled
    i += len(spelling)
    concurrently = words.at(i, "concurrently")
    i = words.skip(i, "concurrently")
    exists = ("if", "not", "exists") if verb == "create" else ("if", "exists")
    tolerant = replace or words.at(i, *exists)
    i = words.skip(i, *exists)
    return Head(verb, kind, i, tolerant, replace, concurrently)
