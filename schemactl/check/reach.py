"""How far a migration reaches beyond its database's schema, as the round trips need to know.

A statement may change what the whole server shares (roles, tablespaces, databases), write
catalog rows directly, rename what other objects are shown by, or change state that no schema
digest sees: the rows of a table, a sequence's value, a large object.

The last decides whether a round trip's second up must run. The up ran on a state; the down
gave back a state of equal digest. If the rows and sequences the up met are also as they
were, the second up meets exactly what the first met, inside the same transaction (``now()``
the same), and must do exactly what the first did: its outcome is known without running it.
Three questions decide it. ``up_again_follows`` reads the files: only DDL on what a digest
models, and session settings; nothing that writes rows itself or runs code (SELECT f(), DO),
nothing that moves on its own or outlives a rollback (``nextval``, the clock, chance,
``set_config``, replication slots), no cast of a table's rows. ``calls_made`` asks the server
right after the up whether it made an expression that calls a function of the migrations
(PostgreSQL inlines a plain SQL function there, and counts no call of it). ``moved_past_schema``
asks, once the down has run, what DDL may still have done through what it calls (a default,
a check, a domain, an operator): whether a function of the migrations ran (the session counts
every call), a sequence's value was taken or a large object made, and whether a table,
column, materialized view or sequence that held rows before the up was dropped (the down may
give back its shape, never its rows). What is left unseen: a built-in with effects outside
rows, sequences and large objects that the files' list of names does not hold, reached by an
expression that calls no function of the migrations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import psycopg

from schemactl.catalog.digest import Digest
from schemactl.catalog.touched import TRIGGER_PREFIX
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
    r"|gen_random_uuid|uuid_generate_\w+|lo_\w+|dblink\w*|pg_read_\w+"
    # built-ins whose effects outlive a rollback or reach past the database, or that change
    # the settings (the counting among them) of what runs after them
    r"|set_config|pg_create_\w+|pg_drop_replication_slot|pg_replication_\w+|pg_notify"
    r"|pg_advisory\w*|pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_switch_wal"
    r"|pg_logical_emit_message|pg_promote|pg_stat_reset\w*|pg_file_\w+)\b",
    re.IGNORECASE,
)

# In either file: a table's rows cast to a new type or rewritten through an expression (a
# second rewrite meets the rows the first left: a numeric rounded to an integer and back), or
# a composite type's attribute retyped under the tables of that type.
_CASTS_ROWS = re.compile(
    r"^alter\s+table\b.*\b(?:type|using)\b|^alter\s+type\b.*\battribute\b", re.DOTALL
)

# In either file: what evaluates an expression once, leaving no trace of what it called: a
# table filled by a query, a partition's bounds that call a function (``normalized`` text,
# where a call reads ``name (``).
_EVALUATES_ONCE = re.compile(
    r"^create\s+(?:(?:global|local)\s+)?(?:(?:temporary|temp|unlogged)\s+)?table\b.*\bas\s+"
    r"(?:select|with|values|table|execute|\()",
    re.DOTALL,
)
_BOUNDS = "for values"
_NAME_BEFORE_PARENTHESIS = re.compile(r"([\w\"]+) \(")
_BOUND_WORDS = frozenset({"in", "from", "to", "with"})

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

# Right after the up, with the settings pinned: whether it made what evaluates a function of
# the migrations' for the rows there are (a default or generated column, a check, an index
# expression, a materialized view's query: PostgreSQL inlines a plain SQL function into the
# expression, and then no call is counted, nor is what a built-in inside it did), or a column
# of a domain of theirs (whose default or check may do the same). Asked before the down,
# which drops those again. The savepoint is where a known second up comes back to.
CALLS_MADE = """
SAVEPOINT schemactl_up;
SET LOCAL search_path = pg_catalog, pg_temp;
SELECT EXISTS (
    SELECT FROM pg_depend AS d
     WHERE d.refclassid = 'pg_proc'::regclass AND d.refobjid >= 16384
       AND age(d.xmin) <= age(pg_current_xact_id()::xid)
       AND (d.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass,
                          'pg_class'::regclass)
            OR d.classid = 'pg_rewrite'::regclass AND EXISTS (
                SELECT FROM pg_rewrite AS r JOIN pg_class AS c ON c.oid = r.ev_class
                 WHERE r.oid = d.objid AND c.relkind = 'm')))
    OR EXISTS (
    SELECT FROM pg_schemactl.events AS e
      JOIN pg_attribute AS a ON a.attrelid = e.objid AND a.attnum > 0
      JOIN pg_type AS t ON t.oid = a.atttypid
     WHERE e.n > {since} AND NOT e.dropped AND e.classid = 'pg_class'::regclass
       AND t.typtype = 'd' AND t.oid >= 16384)
"""

# From the down back to the state right after the up, where CALLS_MADE took its savepoint.
BACK_TO_UP = "ROLLBACK TO SAVEPOINT schemactl_up; RELEASE SAVEPOINT schemactl_up"

# Event triggers the database has beside schemactl's own (a lent scratch database, a template
# that has them): they run code on every DDL statement.
_OTHER_EVENT_TRIGGERS = f"""
SELECT EXISTS (SELECT FROM pg_catalog.pg_event_trigger
                WHERE NOT pg_catalog.starts_with(evtname, '{TRIGGER_PREFIX}'))
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


def other_event_triggers(conn: psycopg.Connection) -> bool:
    """Whether the database has event triggers that are not schemactl's."""
    return _ask(conn, _OTHER_EVENT_TRIGGERS)[0] is not False


def calls_made(conn: psycopg.Connection, before: Digest) -> bool:
    """Right after the up, on the state ``before`` was taken of: takes the savepoint that
    BACK_TO_UP returns to, and tells whether the up made what evaluates the migrations' own
    functions (see CALLS_MADE). True where the events are not recorded."""
    if before.mark is None:
        return True
    return _ask(conn, CALLS_MADE.format(since=int(before.mark)))[0] is not False


def moved_past_schema(conn: psycopg.Connection, before: Digest) -> bool:
    """After the down: whether the round trip's transaction ran a function of the
    migrations, took a sequence value or changed a large object, or dropped what held rows
    in the state ``before`` was taken of. True where the events are not recorded."""
    if before.mark is None:
        return True
    row = _ask(conn, MOVED.format(since=int(before.mark)))
    if row[0] is not False:
        return True
    dropped_keys = row[1]
    assert isinstance(dropped_keys, list)
    for dropped in dropped_keys:
        kind, key = dropped.split(" ")
        if before.holds(kind, key) or (kind == "relation" and before.holds("sequence", key)):
            return True
    return False


def _ask(conn: psycopg.Connection, text: str) -> tuple[object, ...]:
    """The last statement's row of ``text``. Its SET LOCAL lasts until the caller rolls back
    to the state after the up, or the next file's fresh session resets it."""
    with conn.cursor() as cur:
        cur.execute(text.encode(), prepare=False)
        cur.set_result(-1)
        row = cur.fetchone()
    return row if row is not None else (None,)


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
        and not _EVALUATES_ONCE.search(text)
        and not _calls_in_bounds(text)
        and not _SERVER_WIDE.search(text)
        and not WRITES_CATALOGS.search(text)
    )


def _calls_in_bounds(text: str) -> bool:
    at = text.find(_BOUNDS)
    return at >= 0 and any(
        name not in _BOUND_WORDS for name in _NAME_BEFORE_PARENTHESIS.findall(text, at)
    )


def _statements(migration: Migration) -> list[Statement]:
    scripts: list[Script] = [migration.up]
    if migration.down is not None:
        scripts.append(migration.down)
    return [s for script in scripts for s in script.statements]
