"""Running pending migrations on a scratch database, statement by statement, and reading
back what each one did: the relation locks it newly took, and the tables and indexes it
rewrote.

A migration runs as ``up`` runs it: a transactional one inside one transaction, and after
each statement its own backend's ``pg_locks`` rows are read (relation locks are held until
the transaction ends, so what is new since the statement before is what it took). A rewrite
gives a table or index a new file: ``pg_class.relfilenode`` changes. Only rows of ``pg_class``
that this transaction changed can have a new one (their ``xmin`` is its transaction id), so
after each statement only those are read, and compared with the file each relation had.

A statement of a no-transaction migration runs in a transaction of its own, which is how it
runs anyway, so it is observed the same way; one that PostgreSQL refuses inside a
transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...) runs on its own, with a snapshot
of relfilenodes before and after it, and its locks from the documentation (``kinds``).

Relations created by the same transaction are left out: no other session can see them yet.
So are catalogs and TOAST tables, which a DBA does not schedule around.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from schemactl.files.migrations import Migration, Script
from schemactl.files.statements import Statement
from schemactl.lint.words import words_of_text
from schemactl.review import kinds
from schemactl.review.locks import LockMode, strongest
from schemactl.review.report import LockTaken, Observation, Relation, Scan, Source
from schemactl.run.runner import commit_failure, failure

# Not a catalog, not TOAST, not another session's temporary schema. No backslashes: a
# migration may have turned standard_conforming_strings off for the session.
_USER_RELATION = """
       n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND left(n.nspname, 8) <> 'pg_temp_' AND left(n.nspname, 14) <> 'pg_toast_temp_'
"""

RELATIONS = f"""
SELECT c.oid, c.relfilenode, n.nspname, c.relname, c.relkind, i.indrelid
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_index AS i ON i.indexrelid = c.oid
 WHERE {_USER_RELATION}
"""

# One round trip after each statement: the relation locks this backend holds, then the
# pg_class rows this transaction has changed (a rewrite changes relfilenode, so its row).
AFTER_STATEMENT = f"""
SELECT 'lock', l.relation, l.mode, NULL::oid, NULL::name, NULL::name, NULL::"char", NULL::oid
  FROM pg_catalog.pg_locks AS l
 WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted
   AND l.database = (SELECT oid FROM pg_catalog.pg_database
                      WHERE datname = pg_catalog.current_database())
UNION ALL
SELECT 'class', c.oid, NULL, c.relfilenode, n.nspname, c.relname, c.relkind, i.indrelid
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_index AS i ON i.indexrelid = c.oid
 WHERE c.xmin::text = (pg_catalog.txid_current_if_assigned() % 4294967296)::text
   AND {_USER_RELATION}
"""

# A name as a statement spells it, found as the server would find it (search_path).
RESOLVE = """
SELECT c.oid
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
 WHERE c.relname = %(name)s
   AND (n.nspname = %(schema)s
        OR (%(schema)s::text IS NULL AND n.nspname = ANY (pg_catalog.current_schemas(true))))
 ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname::text)
 LIMIT 1
"""

# Each migration starts as a new session would, as ``up`` gives it one; commits on a scratch
# database need not wait for the disk.
FRESH_SESSION = "RESET ALL; RESET ROLE; SET synchronous_commit = off"

_KINDS = {
    "r": "table",
    "p": "partitioned table",
    "i": "index",
    "I": "partitioned index",
    "m": "materialized view",
    "S": "sequence",
    "v": "view",
    "f": "foreign table",
    "c": "composite type",
}

_ACTIVE_TRANSACTION = "25001"  # "... cannot run inside a transaction block"


@dataclass(frozen=True)
class _Known:
    node: int
    relation: Relation


Snapshot = dict[int, _Known]


def _relations(rows: list[tuple[Any, ...]], base: Snapshot) -> Snapshot:
    """Relations by oid from RELATIONS-shaped rows; an index's table found among ``rows`` or,
    failing that, in ``base``."""
    tables = {
        oid: Relation(schema, name, _KINDS.get(kind, kind))
        for oid, _, schema, name, kind, _ in rows
    }
    found: Snapshot = {}
    for oid, node, schema, name, kind, table in rows:
        owner = None
        if table is not None:
            owner = tables.get(table) or (base[table].relation if table in base else None)
        found[oid] = _Known(node, Relation(schema, name, _KINDS.get(kind, kind), owner))
    return found


@dataclass
class StatementObserved:
    """One statement of a pending migration and what it did."""

    statement: Statement
    observation: Observation


class Observer:
    """Runs migrations on one scratch connection and observes each statement."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn
        self.known: Snapshot = {}

    def start(self) -> None:
        """Take the first snapshot, of the schema the applied migrations built."""
        self.known = self._snapshot()

    def migration(self, m: Migration) -> list[StatementObserved]:
        """Run the up of ``m`` as ``up`` would, observing every statement.

        Raises MigrationFailedError (file, line, the server's words) when a statement fails.
        """
        self.conn.execute(FRESH_SESSION.encode(), prepare=False)
        script = m.up
        if script.no_transaction:
            return [self._alone(script, statement) for statement in script.statements]
        observed: list[StatementObserved] = []
        try:
            with self.conn.transaction():
                tracker = _Tracker(self.known)
                for statement in script.statements:
                    observed.append(self._in_transaction(script, statement, tracker))
        except psycopg.Error as exc:
            raise commit_failure(script, exc) from exc
        self.known = tracker.after()
        return observed

    # --- one statement --------------------------------------------------------------------

    def _in_transaction(
        self, script: Script, statement: Statement, tracker: _Tracker
    ) -> StatementObserved:
        scans = self._scans(statement, tracker.start)
        self._execute(script, statement)
        rows = self.conn.execute(AFTER_STATEMENT, prepare=False).fetchall()
        observation = tracker.step(rows, scans, rewrites=not kinds.empties(statement))
        return StatementObserved(statement, observation)

    def _alone(self, script: Script, statement: Statement) -> StatementObserved:
        try:
            with self.conn.transaction():
                tracker = _Tracker(self.known)
                observed = self._in_transaction(script, statement, tracker)
        except _RefusesTransaction:
            return self._autocommit(script, statement)
        except psycopg.Error as exc:
            raise commit_failure(script, exc) from exc
        self.known = tracker.after()
        return StatementObserved(statement, _outside(observed.observation))

    def _autocommit(self, script: Script, statement: Statement) -> StatementObserved:
        before = self.known
        locks = self._documented(statement, before)
        scans = self._scans(statement, before)
        self._execute(script, statement, refused_ok=False)
        after = self._snapshot()
        rewritten = [
            after[oid].relation
            for oid, known in before.items()
            if oid in after and after[oid].node != known.node and not kinds.empties(statement)
        ]
        rewrites = tuple(sorted(rewritten, key=_rank))
        held = {lock.relation.qualified: lock.mode for lock in locks}
        self.known = after
        observation = Observation(
            locks=tuple(locks),
            rewrites=rewrites,
            scans=scans,
            held=held,
            observed=False,
            in_transaction=False,
        )
        return StatementObserved(statement, observation)

    def _execute(self, script: Script, statement: Statement, *, refused_ok: bool = True) -> None:
        try:
            self.conn.execute(statement.text.encode("utf-8"))
        except psycopg.Error as exc:
            if refused_ok and exc.diag.sqlstate == _ACTIVE_TRANSACTION:
                raise _RefusesTransaction from exc
            raise failure(script.path, statement, exc, dirty=False) from exc

    # --- names ----------------------------------------------------------------------------

    def _resolve(self, spelled: str) -> int | None:
        words = words_of_text(spelled)
        name, _ = words.name(0)
        if name is None:
            return None
        row = self.conn.execute(RESOLVE, {"name": name.name, "schema": name.schema}).fetchone()
        return int(row[0]) if row else None

    def _scans(self, statement: Statement, start: Snapshot) -> tuple[Scan, ...]:
        found = []
        for work in kinds.row_work(statement):
            oid = self._resolve(work.table)
            if oid is not None and oid in start:
                found.append(Scan(start[oid].relation, work.what, work.clause))
        return tuple(found)

    def _documented(self, statement: Statement, known: Snapshot) -> list[LockTaken]:
        modes: dict[int, set[LockMode]] = {}
        for lock in kinds.documented_locks(statement):
            oid = self._resolve(lock.name)
            if oid is None or oid not in known:
                continue
            if lock.of_index:
                oid = _table_oid(known, oid)
                if oid is None:
                    continue
            modes.setdefault(oid, set()).add(lock.mode)
        return [
            LockTaken(known[oid].relation, _ordered(found), Source.DOCUMENTED)
            for oid, found in modes.items()
        ]

    def _snapshot(self) -> Snapshot:
        rows = self.conn.execute(RELATIONS, prepare=False).fetchall()
        return _relations(rows, {})


class _RefusesTransaction(Exception):
    """The statement cannot run inside a transaction block; nothing of it ran."""


class _Tracker:
    """The state of one transaction on the scratch database, statement after statement."""

    def __init__(self, start: Snapshot):
        self.start = start  # relations as the transaction found them
        self.nodes = {oid: known.node for oid, known in start.items()}
        self.held: set[tuple[int, str]] = set()
        self.changed: Snapshot = {}

    def step(
        self, rows: list[tuple[Any, ...]], scans: tuple[Scan, ...], *, rewrites: bool = True
    ) -> Observation:
        """The observation of the statement just run, from AFTER_STATEMENT's ``rows``; with
        ``rewrites`` False, new files are not reported (see ``kinds.empties``)."""
        locks = {(int(r[1]), str(r[2])) for r in rows if r[0] == "lock"}
        classes = [(r[1], *r[3:]) for r in rows if r[0] == "class"]
        changed = _relations(classes, {**self.start, **self.changed})
        new = locks - self.held
        self.held = locks
        rewritten = []
        for oid, known in changed.items():
            if oid in self.nodes and self.nodes[oid] != known.node and oid in self.start:
                rewritten.append(self.start[oid].relation)
            self.nodes[oid] = known.node
        self.changed.update(changed)
        return Observation(
            locks=self._taken(new),
            rewrites=tuple(sorted(rewritten, key=_rank)) if rewrites else (),
            scans=scans,
            held=self._strongest_held(locks),
        )

    def _taken(self, new: set[tuple[int, str]]) -> tuple[LockTaken, ...]:
        modes: dict[int, set[LockMode]] = {}
        for oid, name in new:
            mode = LockMode.from_pg(name)
            if mode is not None and oid in self.start:
                modes.setdefault(oid, set()).add(mode)
        return tuple(
            LockTaken(self.start[oid].relation, _ordered(found))
            for oid, found in sorted(modes.items(), key=lambda item: _order(self.start, item[0]))
        )

    def _strongest_held(self, locks: set[tuple[int, str]]) -> dict[str, LockMode]:
        modes: dict[int, list[LockMode]] = {}
        for oid, name in locks:
            mode = LockMode.from_pg(name)
            if mode is not None and oid in self.start:
                modes.setdefault(oid, []).append(mode)
        held: dict[str, LockMode] = {}
        for oid, found in modes.items():
            best = strongest(found)
            if best is not None:
                held[self.start[oid].relation.qualified] = best
        return held

    def after(self) -> Snapshot:
        """The relations once the transaction has committed (names and files as it left
        them; relations it dropped linger, harmlessly: only their oids are looked up)."""
        return {**self.start, **self.changed}


def _outside(observation: Observation) -> Observation:
    """A no-transaction migration's statement: observed, in a transaction of its own."""
    return Observation(
        locks=observation.locks,
        rewrites=observation.rewrites,
        scans=observation.scans,
        held=observation.held,
        observed=True,
        in_transaction=False,
    )


def _table_oid(known: Snapshot, index_oid: int) -> int | None:
    owner = known[index_oid].relation.table
    if owner is None:
        return None
    return next((oid for oid, k in known.items() if k.relation == owner), None)


def _ordered(modes: set[LockMode]) -> tuple[LockMode, ...]:
    return tuple(sorted(modes, key=lambda mode: mode.value))


def _order(snapshot: Snapshot, oid: int) -> tuple[int, str]:
    return _rank(snapshot[oid].relation)


def _rank(relation: Relation) -> tuple[int, str]:
    # Tables before their indexes, then by name: a stable order for reports and tests.
    return (0 if relation.table is None else 1, relation.qualified)


def observe_all(
    conn: psycopg.Connection,
    pending: list[Migration],
    on_migration: Callable[[Migration], None] = lambda m: None,
) -> list[tuple[Migration, list[StatementObserved]]]:
    """Observe each of ``pending`` in order on ``conn``, a scratch database holding the
    schema the applied migrations built."""
    observer = Observer(conn)
    observer.start()
    observed = []
    for migration in pending:
        on_migration(migration)
        observed.append((migration, observer.migration(migration)))
    return observed
