"""Indexes a failed concurrent build leaves behind (and partitions a failed concurrent detach
leaves pending).

``CREATE INDEX CONCURRENTLY`` and ``REINDEX ... CONCURRENTLY`` commit in stages: when one
fails or is interrupted, PostgreSQL keeps the index it was building, marked invalid
(``pg_index.indisvalid``), and building it again fails "already exists". Such a migration was
not rolled back: the run says which index is left, and resuming drops it first
(``DROP INDEX CONCURRENTLY IF EXISTS``), as PostgreSQL's documentation advises.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from schemactl.files.statements import Statement, TokenKind, tokenize

_SIGNIFICANT = (
    TokenKind.WORD,
    TokenKind.QUOTED_IDENT,
    TokenKind.OTHER,
    TokenKind.OPEN,
    TokenKind.CLOSE,
)


@dataclass(frozen=True)
class ConcurrentBuild:
    """What a concurrent index statement builds: on which table (as written), under which
    index name (None when the server chooses it), or a REINDEX of an index or table."""

    table: str | None
    index: str | None
    reindex: bool


def concurrent_build(statement: Statement) -> ConcurrentBuild | None:
    """The build ``statement`` starts, when it is a concurrent index build or rebuild."""
    normalized = statement.normalized
    if " concurrently" not in normalized or not normalized.startswith(("create ", "reindex ")):
        return None
    tokens = [t for t in tokenize(statement.text) if t.kind in _SIGNIFICANT]
    words = [t.text.lower() if t.kind is TokenKind.WORD else t.text for t in tokens]
    if words[:2] == ["create", "unique"]:
        words = ["create", *words[2:]]
    if words[:3] == ["create", "index", "concurrently"]:
        return _created(words[3:])
    if words[0] == "reindex":
        return _rebuilt(words[1:])
    return None


def _created(words: list[str]) -> ConcurrentBuild | None:
    if words[:3] == ["if", "not", "exists"]:
        words = words[3:]
    if "on" not in words:
        return None
    at = words.index("on")
    index = _name(words[:at]) if at else None
    rest = words[at + 1 :]
    if rest[:1] == ["only"]:
        rest = rest[1:]
    end = rest.index("(") if "(" in rest else len(rest)
    end = min(end, rest.index("using")) if "using" in rest else end
    return ConcurrentBuild(_name(rest[:end]), index, reindex=False)


def _rebuilt(words: list[str]) -> ConcurrentBuild | None:
    options: list[str] = []
    if words[:1] == ["("] and ")" in words:
        options, words = words[1 : words.index(")")], words[words.index(")") + 1 :]
    if words[1:2] == ["concurrently"]:
        words = [words[0], *words[2:]]
    elif "concurrently" not in options:
        return None
    if len(words) < 2:
        return None
    kind, name = words[0], _name(words[1:])
    if kind == "index":
        return ConcurrentBuild(None, name, reindex=True)
    if kind == "table":
        return ConcurrentBuild(name, None, reindex=True)
    return ConcurrentBuild(None, None, reindex=True)


def _name(words: list[str]) -> str | None:
    """A (possibly qualified) name as written, or None when ``words`` is not one."""
    if not words or len(words) % 2 == 0 or any(w != "." for w in words[1::2]):
        return None
    return "".join(words)


# Invalid indexes on the build's table: the one named in CREATE INDEX, any when the server
# chose the name, and for a REINDEX the _ccnew/_ccold copies it makes.
_LEFT = """
SELECT format('%%I.%%I', n.nspname, ic.relname)
  FROM pg_index AS i
  JOIN pg_class AS ic ON ic.oid = i.indexrelid
  JOIN pg_namespace AS n ON n.oid = ic.relnamespace
 WHERE NOT i.indisvalid
   AND (%(table)s::text IS NULL OR i.indrelid = to_regclass(%(table)s))
   AND (%(reindex_of)s::text IS NULL
        OR i.indrelid = (SELECT x.indrelid FROM pg_index AS x
                          WHERE x.indexrelid = to_regclass(%(reindex_of)s)))
   AND CASE WHEN %(reindex)s THEN ic.relname ~ '_cc(new|old)[0-9]*$'
            WHEN %(index)s::text IS NULL THEN true
            ELSE ic.relname = %(index)s END
 ORDER BY 1
"""


def left_behind(conn: psycopg.Connection, build: ConcurrentBuild) -> list[str]:
    """The invalid indexes ``build`` has left, as qualified names (empty when none)."""
    index = build.index
    if index is not None and not build.reindex:
        # A CREATE INDEX name is never qualified: the index goes in its table's schema.
        index = _unquoted(index)
    params = {
        "table": build.table,
        "reindex_of": build.index if build.reindex else None,
        "reindex": build.reindex,
        "index": index,
    }
    try:
        return [name for (name,) in conn.execute(_LEFT, params).fetchall()]
    except psycopg.Error:
        return []  # the table's name no longer resolves: nothing to name


def is_valid(conn: psycopg.Connection, build: ConcurrentBuild) -> bool | None:
    """Whether the index a named CREATE INDEX CONCURRENTLY builds is valid; None when it does
    not exist."""
    assert build.index is not None and build.table is not None
    found = conn.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = to_regclass(%s) AND c.relname = %s",
        (build.table, _unquoted(build.index)),
    ).fetchone()
    return None if found is None else bool(found[0])


def _unquoted(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        return name[1:-1].replace('""', '"')
    return name


def drop(conn: psycopg.Connection, names: list[str]) -> None:
    """Drop each of ``names`` (invalid indexes) without blocking writes to their tables."""
    for name in names:
        schema, _, index = name.partition(".")
        conn.execute(
            sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}.{}").format(
                sql.Identifier(_unquoted(schema)), sql.Identifier(_unquoted(index))
            )
        )


# PostgreSQL 14 and later: a DETACH PARTITION ... CONCURRENTLY that fails after its first
# transaction leaves the partition attached but pending detach, to be finished with FINALIZE.
_PENDING_DETACH = """
SELECT format('partition %%s (pending detach: ALTER TABLE %%s DETACH PARTITION %%s FINALIZE)',
              inhrelid::regclass, inhparent::regclass, inhrelid::regclass)
  FROM pg_inherits WHERE inhdetachpending
"""


def pending_detaches(conn: psycopg.Connection) -> set[str]:
    """Partitions left pending detach, each with the statement that finishes it."""
    if conn.info.server_version < 140000:
        return set()
    try:
        return {row for (row,) in conn.execute(_PENDING_DETACH).fetchall()}
    except psycopg.Error:
        return set()
