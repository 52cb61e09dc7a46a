"""How far a migration reaches beyond its database's schema, as the round trips need to know.

A statement may change what the whole server shares (roles, tablespaces, databases), write
catalog rows directly, rename what other objects are shown by, or leave state that no schema
digest sees: rows in tables that outlive the round trip, a sequence's value, a large object.

The last decides whether a round trip's second up must run. The up ran on a state, the down
gave back a state of equal digest; if the two also hold the same rows and the files use
nothing whose value moves on its own, the second up meets exactly what the first met, inside
the same transaction (``now()`` the same), and must do exactly what the first did: its outcome
is known without running it. ``up_again_follows`` is the part read from the files,
``rows_written`` the part asked of the server once the down has run.
"""

from __future__ import annotations

import re

import psycopg

from schemactl.files.migrations import Migration, Script
from schemactl.files.statements import Statement

# A statement (or a function body, or a string run by EXECUTE) that changes a catalog's rows
# directly, as superusers once widened varchar columns (UPDATE pg_attribute SET atttypmod).
WRITES_CATALOGS = re.compile(
    r"\b(?:update|insert\s+into|delete\s+from|merge\s+into|truncate|copy)\s+(?:only\s+)?"
    r"(?:(?:\"?pg_catalog\"?)\s*\.\s*)?\"?pg_\w+",
    re.IGNORECASE,
)

# A statement that changes what every database of the server shares: roles and their
# memberships, tablespaces, databases, the server's settings (a word in a string only costs
# parallel runs).
_SERVER_WIDE = re.compile(
    r"\b(?:(?:create|alter|drop)\s+(?:role|user(?!\s+mapping)|group|tablespace|database)"
    r"|comment\s+on\s+(?:role|database|tablespace)|alter\s+system"
    r"|grant\b(?:(?!\bon\b)[^;])*?\bto|revoke\b(?:(?!\bon\b)[^;])*?\bfrom)\b",
    re.IGNORECASE,
)

# A statement that may change the name other lines show an object by (a word in a string
# only costs a larger render).
RENAMES = re.compile(r"\b(?:rename|set\s+schema)\b", re.IGNORECASE)

# The statements whose effect is fixed by the schema and the rows they meet. The others run
# code (SELECT f(), DO, CALL: an older function may advance a sequence no row shows), or
# reach past the rows (TRUNCATE, COPY, LISTEN, PREPARE, which no rollback undoes).
_SETTLED = frozenset(
    {"create", "alter", "drop", "comment", "grant", "revoke", "security", "set", "reset"}
    | {"insert", "update", "delete", "analyze"}
)

# What moves on its own, whatever the rows: a sequence's value (not undone by a rollback), a
# clock that is not the transaction's, chance, large objects, another database.
_UNSETTLED = re.compile(
    r"\b(?:nextval|setval|random|clock_timestamp|statement_timestamp|timeofday"
    r"|gen_random_uuid|uuid_generate_\w+|lo_\w+|dblink\w*|pg_read_\w+)\b",
    re.IGNORECASE,
)

# Whether any table that still exists had rows inserted, updated or deleted by this
# transaction (a table the down dropped again is gone from the view, its rows with it), or
# whether the counts cannot be trusted. The events table is schemactl's own.
ROWS_WRITTEN = """
SELECT NOT current_setting('track_counts')::boolean OR EXISTS (
    SELECT FROM pg_catalog.pg_stat_xact_user_tables
     WHERE schemaname <> 'pg_schemactl' AND n_tup_ins + n_tup_upd + n_tup_del > 0)
"""


def server_wide(migration: Migration) -> bool:
    """Whether a file of ``migration`` changes what every database of the server shares (its
    statements read without their comments)."""
    return any(_SERVER_WIDE.search(s.normalized) for s in _statements(migration))


def up_again_follows(migration: Migration) -> bool:
    """Whether, as far as its files tell, ``migration``'s second up must do what its first
    did once the down gives back an equal schema holding the same rows (``rows_written``)."""
    return all(_settled(s) for s in _statements(migration))


def rows_written(conn: psycopg.Connection) -> bool:
    """Whether this transaction wrote rows to a table that still exists, as far as the
    server counts them (it may not: then True)."""
    row = conn.execute(ROWS_WRITTEN, prepare=False).fetchone()
    return row is None or bool(row[0])


# A table rewritten through an expression (ALTER COLUMN ... TYPE ... USING) changes its rows
# without counting them as written, and a second rewrite meets the rows the first left.
_REWRITES_THROUGH = re.compile(r"^alter\s+table\b.*\busing\b", re.DOTALL)


def _settled(statement: Statement) -> bool:
    text = statement.normalized
    first = text.split(None, 1)[0] if text else ""
    return (
        first in _SETTLED
        and not _UNSETTLED.search(text)
        and not _REWRITES_THROUGH.search(text)
        and not _SERVER_WIDE.search(text)
        and not WRITES_CATALOGS.search(text)
    )


def _statements(migration: Migration) -> list[Statement]:
    scripts: list[Script] = [migration.up]
    if migration.down is not None:
        scripts.append(migration.down)
    return [s for script in scripts for s in script.statements]
