"""How far a migration reaches beyond its database's schema, as the round trips need to know.

A statement may change what the whole server shares (roles, tablespaces, databases), write
catalog rows directly, rename what other objects are shown by, or change state that no schema
digest sees: the rows of a table, a sequence's value, a large object.

The last decides whether a round trip's second up must run. The up ran on a state; the down
gave back a state of equal digest. If the rows and sequences the up met are also as they
were, the second up meets exactly what the first met, inside the same transaction (``now()``
the same), and must do exactly what the first did: its outcome is known without running it.
Two halves decide it. ``up_again_follows`` reads the files: only DDL on what a digest
models, and session settings; nothing that writes rows itself or runs code (SELECT f(), DO),
nothing that moves on its own (``nextval``, the clock, chance), no cast of a table's rows.
``moved_past_schema`` asks the server, once the down has run, what DDL may still have done
through what it calls (a default, a check, a domain, an operator): whether a function of the
migrations ran (the session counts every call), a sequence's value was taken or a large
object made, and whether a table, column, materialized view or sequence that held rows before
the up was dropped (the down may give back its shape, never its rows). A built-in function
with effects of its own that no count shows (an advisory lock, a notification) is what is
left unseen, called from an inlined SQL function of the migrations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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

# The statements whose effect is fixed by the schema and the rows they meet: DDL on the
# objects a digest models, comments, grants and session settings. The others write rows
# (INSERT: into a foreign table, say), run code (SELECT f(), DO, CALL), reach past the rows
# (TRUNCATE, COPY, LISTEN, PREPARE, which no rollback undoes), make what no digest shows (a
# rule, a publication, extended statistics, a cast: a down that forgets one passes, and a
# second up would fail), or stop the counting check.reach relies on (track_*, RESET ALL).
_MODELED = (
    r"(?:(?:global|local)\s+)?(?:(?:temporary|temp|unlogged|recursive|unique|constraint)\s+)?"
    r"(?:table|view|materialized\s+view|index|sequence|function|procedure|aggregate|trigger"
    r"|type|domain|schema|collation|operator|text\s+search\s+(?:configuration|dictionary)"
    r"|policy{})\b"
)
_SETTLED = re.compile(
    r"^(?:create(?:\s+or\s+replace)?|drop)\s+"
    + _MODELED.format("|extension")
    + r"|^alter\s+"
    + _MODELED.format("")
    + r"|^(?:comment|grant|revoke)\b"
    + r"|^(?:set|reset)\b(?!.*\btrack_)(?!\s+all\b)(?!\s+session\b)",
    re.DOTALL,
)

# What moves on its own, whatever the rows: a sequence's value (not undone by a rollback), a
# clock that is not the transaction's, chance, large objects, another database.
_UNSETTLED = re.compile(
    r"\b(?:nextval|setval|random|clock_timestamp|statement_timestamp|timeofday"
    r"|gen_random_uuid|uuid_generate_\w+|lo_\w+|dblink\w*|pg_read_\w+)\b",
    re.IGNORECASE,
)

# In either file: a table's rows cast to a new type or rewritten through an expression (a
# second rewrite meets the rows the first left: a numeric rounded to an integer and back), or
# a composite type's attribute retyped under the tables of that type.
_CASTS_ROWS = re.compile(
    r"^alter\s+table\b.*\b(?:type|using)\b|^alter\s+type\b.*\battribute\b", re.DOTALL
)

# After the down, in the round trip's transaction, with the settings pinned (a file may have
# put its own functions and operators first on the search path): whether a function of the
# migrations' ran (it may write rows, truncate a table, take a sequence's value, write to
# another database; an event trigger of schemactl's own aside), whether a sequence was read (a
# value taken by a default or an inlined function), whether a large object was made or
# removed, or whether the server counts none of it; and which tables, columns, materialized
# views and sequences were dropped since event {since} (their keys as the digests hold them).
MOVED = """
SET LOCAL search_path = pg_catalog, pg_temp;
SELECT current_setting('track_counts')::boolean IS NOT TRUE
    OR current_setting('track_functions') <> 'all'
    OR EXISTS (SELECT FROM pg_proc AS p
                WHERE p.oid >= 16384 AND p.pronamespace <> 'pg_schemactl'::regnamespace
                  AND pg_stat_get_xact_function_calls(p.oid) IS NOT NULL)
    OR EXISTS (SELECT FROM pg_sequence AS s JOIN pg_class AS c ON c.oid = s.seqrelid
                WHERE c.relnamespace <> 'pg_schemactl'::regnamespace
                  AND pg_stat_get_xact_blocks_fetched(s.seqrelid) > 0)
    OR EXISTS (SELECT FROM (VALUES ('pg_largeobject'::regclass),
                                   ('pg_largeobject_metadata'::regclass)) AS l (oid)
                WHERE pg_stat_get_xact_tuples_inserted(l.oid)
                      + pg_stat_get_xact_tuples_updated(l.oid)
                      + pg_stat_get_xact_tuples_deleted(l.oid) > 0),
    ARRAY(SELECT CASE WHEN e.objsubid <> 0 THEN 'column ' || e.objid || '.' || e.objsubid
                      ELSE 'relation ' || e.objid END
            FROM pg_schemactl.events AS e
           WHERE e.n > {since} AND e.dropped
             AND e.object_type IN ('table', 'table column', 'materialized view', 'sequence',
                                   'foreign table', 'composite type column'))
"""

# Set in each file's fresh session on a connection whose round trips ask (superuser only).
COUNT_CALLS = "SET track_functions = 'all'"

# A transaction's counts stay visible to the next ones until the session sends them, at most
# once a second: asked for in each round trip, they go as it commits (PostgreSQL 15 and later;
# before, a round trip soon after rows were written runs its second up).
FLUSH_COUNTS = "SELECT pg_catalog.pg_stat_force_next_flush()"


# An event trigger of the migrations' own runs code on every DDL statement.
_EVENT_TRIGGER = re.compile(r"^create\s+(?:or\s+replace\s+)?event\s+trigger\b")


def server_wide(migration: Migration) -> bool:
    """Whether a file of ``migration`` changes what every database of the server shares (its
    statements read without their comments)."""
    return any(_SERVER_WIDE.search(s.normalized) for s in _statements(migration))


def up_again_follows(migration: Migration) -> bool:
    """Whether, as far as its files tell, ``migration``'s second up must do what its first
    did once the down gives back an equal schema on unmoved rows (see the module's
    docstring)."""
    return all(_settled(s) for s in _statements(migration))


def moved_past_schema(
    conn: psycopg.Connection, since: int, held: Callable[[str, str], bool]
) -> bool:
    """Whether the round trip's transaction wrote rows or took sequence values, or dropped
    what held rows before it (``held``: whether the digest from before the up holds a catalog
    row), since event ``since``."""
    with conn.cursor() as cur:
        # SET LOCAL lasts until the caller rolls back to the state after the up, or the
        # second up's fresh session resets it.
        cur.execute(MOVED.format(since=int(since)).encode(), prepare=False)
        cur.set_result(-1)
        row = cur.fetchone()
    if row is None or row[0]:
        return True
    for dropped in row[1]:
        kind, key = dropped.split(" ")
        if held(kind, key) or (kind == "relation" and held("sequence", key)):
            return True
    return False


def runs_code_on_ddl(migrations: Iterable[Migration]) -> bool:
    """Whether a migration makes an event trigger, whose function runs on every later DDL
    statement and may write rows or advance a sequence."""
    return any(_EVENT_TRIGGER.search(s.normalized) for m in migrations for s in _statements(m))


def _settled(statement: Statement) -> bool:
    text = statement.normalized
    return (
        _SETTLED.match(text) is not None
        and not _UNSETTLED.search(text)
        and not _CASTS_ROWS.search(text)
        and not _SERVER_WIDE.search(text)
        and not WRITES_CATALOGS.search(text)
    )


def _statements(migration: Migration) -> list[Statement]:
    scripts: list[Script] = [migration.up]
    if migration.down is not None:
        scripts.append(migration.down)
    return [s for script in scripts for s in script.statements]
