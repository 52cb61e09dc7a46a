"""The live, read-only look at the target database: what it holds of the relations a plan
locks, and which sessions hold or wait for locks on them.

The session is opened with ``default_transaction_read_only = on``, so that nothing it sends
can write, and with a short ``lock_timeout``: ``pg_total_relation_size`` opens the relation
with ACCESS SHARE, and must never queue behind a lock on a busy table (it falls back to the
planner's page count instead). No migration SQL is ever sent here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from schemactl.review.locks import LockMode
from schemactl.review.report import OnTarget, Session
from schemactl.run import db

READ_ONLY = {
    "default_transaction_read_only": "on",
    "lock_timeout": "1s",
    "statement_timeout": "30s",
}

# A transaction open this long may take a lock on any table before the migration gets it.
LONG_TRANSACTION_SECONDS = 60.0
QUERY_WIDTH = 200

RELATIONS = """
SELECT w.nspname, w.relname, c.oid, c.reltuples::float8, c.relpages::bigint,
       pg_catalog.current_setting('block_size')::bigint
  FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS w (nspname, relname)
  LEFT JOIN pg_catalog.pg_namespace AS n ON n.nspname = w.nspname
  LEFT JOIN pg_catalog.pg_class AS c ON c.relnamespace = n.oid AND c.relname = w.relname
"""

TOTAL_SIZE = "SELECT pg_catalog.pg_total_relation_size(%s::oid)"

# Every relation lock another session holds or waits for on the named relations.
LOCKS_ON = """
SELECT n.nspname || '.' || c.relname, l.pid, l.mode, l.granted,
       coalesce(a.application_name, ''), a.state,
       extract(epoch FROM pg_catalog.clock_timestamp() - a.xact_start)::float8,
       a.query_start, left(a.query, %(width)s)
  FROM pg_catalog.pg_locks AS l
  JOIN pg_catalog.pg_class AS c ON c.oid = l.relation
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
 WHERE l.locktype = 'relation'
   AND l.database = (SELECT oid FROM pg_catalog.pg_database
                      WHERE datname = pg_catalog.current_database())
   AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
   AND (n.nspname, c.relname) IN (
         SELECT * FROM unnest(%(schemas)s::text[], %(names)s::text[]))
 ORDER BY a.xact_start NULLS FIRST, l.pid
"""

LONG_TRANSACTIONS = """
SELECT a.pid, coalesce(a.application_name, ''), a.state,
       extract(epoch FROM pg_catalog.clock_timestamp() - a.xact_start)::float8,
       a.query_start, left(a.query, %(width)s)
  FROM pg_catalog.pg_stat_activity AS a
 WHERE a.datname = pg_catalog.current_database()
   AND a.pid <> pg_catalog.pg_backend_pid()
   AND a.xact_start < pg_catalog.clock_timestamp() - make_interval(secs => %(seconds)s)
 ORDER BY a.xact_start
"""


@dataclass(frozen=True)
class TargetLook:
    """What the target holds of the relations asked about, and who is on them."""

    relations: dict[str, OnTarget]
    sessions: tuple[Session, ...]  # lock holders and waiters on those relations
    long_transactions: tuple[Session, ...]


def connect_read_only(url: str) -> psycopg.Connection:
    """A session on the target in which every transaction is read-only."""
    return db.connect(url, purpose="plan", settings=READ_ONLY)


def look(conn: psycopg.Connection, qualified: Iterable[tuple[str, str]]) -> TargetLook:
    """Read sizes, row estimates and lock holders for ``qualified`` (schema, name) pairs."""
    pairs = sorted(set(qualified))
    params = {"schemas": [s for s, _ in pairs], "names": [n for _, n in pairs]}
    # The lock holders first: reading a size opens the relation, and a busy one may be slow.
    rows = conn.execute(LOCKS_ON, {**params, "width": QUERY_WIDTH}).fetchall()
    sessions = tuple(_holder(row) for row in rows)
    long_rows = conn.execute(
        LONG_TRANSACTIONS, {"width": QUERY_WIDTH, "seconds": LONG_TRANSACTION_SECONDS}
    ).fetchall()
    long = tuple(_session(row) for row in long_rows)
    relations = {
        f"{schema}.{name}": _on_target(conn, f"{schema}.{name}", oid, tuples, pages, block)
        for schema, name, oid, tuples, pages, block in conn.execute(RELATIONS, params).fetchall()
    }
    return TargetLook(relations, sessions, long)


def _session(row: Sequence[Any]) -> Session:
    pid, app, state, seconds, start, query = row
    return Session(pid, str(app), state, seconds, start, _one_line(query))


def _holder(row: Sequence[object]) -> Session:
    relation, pid, mode, granted, app, state, seconds, start, query = row
    return Session(
        pid=pid,  # type: ignore[arg-type]
        application_name=str(app),
        state=state,  # type: ignore[arg-type]
        transaction_seconds=seconds,  # type: ignore[arg-type]
        query_start=start,  # type: ignore[arg-type]
        query=_one_line(query),
        relation=str(relation),
        mode=LockMode.from_pg(str(mode)),
        granted=bool(granted),
    )


def _on_target(
    conn: psycopg.Connection,
    relation: str,
    oid: int | None,
    tuples: float | None,
    pages: int | None,
    block: int | None,
) -> OnTarget:
    if oid is None:
        return OnTarget(relation, exists=False)
    # PostgreSQL 14+ says -1 for a table never vacuumed or analyzed; before, 0 with pages.
    never_counted = tuples is None or tuples < 0 or (tuples == 0 and (pages or 0) > 0)
    rows = None if never_counted else round(tuples or 0)
    try:
        row = conn.execute(TOTAL_SIZE, (oid,)).fetchone()
    except psycopg.errors.LockNotAvailable:
        estimate = (pages or 0) * (block or 8192)
        return OnTarget(relation, True, estimate, rows, size_estimated=True)
    size = int(row[0]) if row and row[0] is not None else None
    return OnTarget(relation, True, size, rows)


def _one_line(query: object) -> str:
    return " ".join(str(query or "").split())
