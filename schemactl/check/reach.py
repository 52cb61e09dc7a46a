"""How far a migration reaches beyond its database's schema, as the round trips need to know.

A statement may change what the whole server shares (roles, tablespaces, databases), write
catalog rows directly, rename what other objects are shown by, or change state that no schema
digest sees: the rows of a table, a sequence's value, a large object.

The last decides whether a round trip's second up must run. The up ran on a state; the down
gave back a state of equal digest. If neither file wrote, destroyed or remade what held rows
before the up, nor used anything whose value moves on its own, the second up meets exactly
what the first met, inside the same transaction (``now()`` the same), and must do exactly what
the first did: its outcome is known without running it. ``up_again_follows`` reads that from
the files, without the server: it trusts only statements whose effect is fixed by the schema
and the rows they meet, and functions declared IMMUTABLE to be so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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

# The statements whose effect is fixed by the schema and the rows they meet: DDL and session
# settings. The others write rows (INSERT: into a foreign table, or by a default that calls a
# function that advances a sequence), run code (SELECT f(), DO, CALL), or reach past the rows
# (TRUNCATE, COPY, LISTEN, PREPARE, which no rollback undoes).
_SETTLED = frozenset(
    {"create", "alter", "drop", "comment", "grant", "revoke", "security", "set", "reset"}
)

# What moves on its own, whatever the rows: a sequence's value (not undone by a rollback), a
# clock that is not the transaction's, chance, large objects, another database.
_UNSETTLED = re.compile(
    r"\b(?:nextval|setval|random|clock_timestamp|statement_timestamp|timeofday"
    r"|gen_random_uuid|uuid_generate_\w+|lo_\w+|dblink\w*|pg_read_\w+)\b",
    re.IGNORECASE,
)

# A default given in ALTER TABLE, which ADD COLUMN evaluates for every row there is: one that
# calls anything but now() (a function that advances a sequence, say) is not settled.
_DEFAULT = re.compile(r"\bdefault\b")
_NOW = re.compile(r"\bnow \( \)")

_TABLE = r"(?:(?:global|local)\s+)?(?:(?:temporary|temp|unlogged)\s+)?table"

# In either file: a table's rows rewritten through an expression (a second rewrite meets the
# rows the first left), or a relation filled by a query (which may call a function that
# advances a sequence). A new type alone casts: a value cast there and back casts the same
# way again (an integer rounded from a numeric stays that integer), so the second up meets
# what the first made of the rows.
_CHANGES_ROWS = re.compile(
    r"^alter\s+table\b.*\busing\b"
    rf"|^create\s+(?:{_TABLE}|materialized\s+view)\b.*\bas\s+(?:select|with|values|table|execute|\()",
    re.DOTALL,
)

# In the up: what held rows before it, destroyed (a table, a column, a materialized view, a
# sequence's value, what a CASCADE from a type, domain or schema reaches: columns, tables). The
# down, or the up itself, may give back its shape, never its rows. A CASCADE from a view or
# a function reaches views, materialized views, defaults, constraints and triggers: what
# holds rows among them (a materialized view) is made again by a statement refused above.
_DESTROYS_ROWS = re.compile(
    r"^drop\s+(?:table|materialized\s+view|sequence|extension|owned|foreign\s+table|server)\b"
    r"|^drop\s+(?!view\b|function\b|procedure\b|routine\b|trigger\b|index\b|policy\b|rule\b)"
    r".*\bcascade\b"
    r"|\bdetach\s+partition\b"
    r"|^alter\s+table\b.*\bdrop\s+(?!constraint\b|default\b|not\s+null\b|expression\b)",
    re.DOTALL,
)

# In the down: what holds rows, made again (an empty table where the up dropped one, an empty
# column where it dropped or emptied one).
_REMAKES_HOLDER = re.compile(
    rf"^create\s+(?:{_TABLE}|materialized\s+view|sequence|foreign\s+table|extension)\b"
    r"|^alter\s+table\b.*\badd\s+(?!constraint\b|primary\b|unique\b|foreign\b|check\b|exclude\b)",
    re.DOTALL,
)

# An event trigger of the migrations' own runs code on every DDL statement.
_EVENT_TRIGGER = re.compile(r"^create\s+(?:or\s+replace\s+)?event\s+trigger\b")


def server_wide(migration: Migration) -> bool:
    """Whether a file of ``migration`` changes what every database of the server shares (its
    statements read without their comments)."""
    return any(_SERVER_WIDE.search(s.normalized) for s in _statements(migration))


def up_again_follows(migration: Migration) -> bool:
    """Whether, as far as its files tell, ``migration``'s second up must do what its first
    did once the down gives back an equal schema (see the module's docstring)."""
    assert migration.down is not None
    return (
        all(_settled(s) for s in _statements(migration))
        and not any(_DESTROYS_ROWS.search(s.normalized) for s in migration.up.statements)
        and not any(_REMAKES_HOLDER.search(s.normalized) for s in migration.down.statements)
    )


def runs_code_on_ddl(migrations: Iterable[Migration]) -> bool:
    """Whether a migration makes an event trigger, whose function runs on every later DDL
    statement and may write rows or advance a sequence."""
    return any(_EVENT_TRIGGER.search(s.normalized) for m in migrations for s in _statements(m))


def _settled(statement: Statement) -> bool:
    text = statement.normalized
    first = text.split(None, 1)[0] if text else ""
    return (
        first in _SETTLED
        and not _calling_default(text)
        and not _UNSETTLED.search(text)
        and not _CHANGES_ROWS.search(text)
        and not _SERVER_WIDE.search(text)
        and not WRITES_CATALOGS.search(text)
    )


def _calling_default(text: str) -> bool:
    """Whether an ALTER TABLE gives a default that calls something (``normalized`` text,
    where a call reads ``name ( ... )``); anything in parentheses after it counts."""
    if not text.startswith("alter table"):
        return False
    found = _DEFAULT.search(text)
    return found is not None and "(" in _NOW.sub("", text[found.end() :])


def _statements(migration: Migration) -> list[Statement]:
    scripts: list[Script] = [migration.up]
    if migration.down is not None:
        scripts.append(migration.down)
    return [s for script in scripts for s in script.statements]
