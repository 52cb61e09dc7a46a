"""What ``plan`` found, as plain data: per statement, what it locked, rewrote and scanned on
the scratch database, what the target holds of those relations, and the verdict.

Computed once by ``review.plan``; the terminal, JSON and Markdown renderers only read it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from schemactl.lint import Finding
from schemactl.review.locks import LockMode, strongest


@dataclass(frozen=True)
class Relation:
    """A relation of the scratch schema; ``table`` is the table of an index."""

    schema: str
    name: str
    kind: str  # "table", "index", "partitioned table", "materialized view", ...
    table: Relation | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def owner(self) -> str:
        """The table whose rows this relation's work is about (itself unless an index)."""
        return self.table.qualified if self.table is not None else self.qualified


class Source(enum.StrEnum):
    """How a lock is known: read from pg_locks after the statement, or from the docs."""

    OBSERVED = "observed"
    DOCUMENTED = "documented"


@dataclass(frozen=True)
class LockTaken:
    """The lock modes a statement newly took on one relation."""

    relation: Relation
    modes: tuple[LockMode, ...]  # weakest first
    source: Source = Source.OBSERVED

    @property
    def mode(self) -> LockMode:
        """The strongest of them: the one that decides what waits."""
        found = strongest(self.modes)
        assert found is not None
        return found


@dataclass(frozen=True)
class Scan:
    """Work over a table's existing rows, known from the statement's kind (``kinds``)."""

    relation: Relation
    what: str  # "validates" or "builds an index"
    clause: str


@dataclass(frozen=True)
class Observation:
    """What one statement did on the scratch database.

    ``held`` is the strongest lock the statement's transaction holds on each relation once
    it has run (an earlier statement of the same migration may have taken it): a rewrite or
    scan runs under that lock. ``observed`` is False for a statement that ran outside a
    transaction, whose locks are documented (or unknown) rather than read back.
    """

    locks: tuple[LockTaken, ...] = ()
    rewrites: tuple[Relation, ...] = ()
    scans: tuple[Scan, ...] = ()
    held: dict[str, LockMode] = field(default_factory=dict)
    observed: bool = True
    in_transaction: bool = True


@dataclass(frozen=True)
class OnTarget:
    """A relation as the target database has it now; ``rows`` is the planner's estimate
    (``reltuples``), None when the table was never analyzed."""

    relation: str
    exists: bool
    total_bytes: int | None = None
    rows: int | None = None
    size_estimated: bool = False  # pg_total_relation_size was locked out: from relpages


@dataclass(frozen=True)
class Session:
    """Another session on the target: a holder of (or waiter for) a lock on a relation the
    plan locks, or a long-running transaction."""

    pid: int | None  # None for a prepared transaction
    application_name: str
    state: str | None
    transaction_seconds: float | None
    query_start: datetime | None
    query: str
    relation: str | None = None
    mode: LockMode | None = None
    granted: bool = True


class Level(enum.IntEnum):
    """How bad a statement is for the traffic on the tables it touches, worst last."""

    SAFE = 0
    BRIEF = 1
    SCAN = 2
    REWRITE = 3
    QUEUE = 4


@dataclass(frozen=True)
class Verdict:
    """``text`` is the one line a DBA reads first; ``then`` what follows once the lock is
    granted, for a statement that would queue; ``advice`` what to do instead."""

    level: Level
    text: str
    advice: str | None = None
    then: str | None = None
    blockers: tuple[Session, ...] = ()
    rows: int | None = None  # the rows the work covers, where the target says


@dataclass
class StatementReview:
    """One pending statement, observed and judged."""

    version: int
    path: Path
    index: int  # 0-based, among the statements that run
    line: int
    text: str
    observation: Observation
    findings: tuple[Finding, ...] = ()
    on_target: tuple[OnTarget, ...] = ()
    verdict: Verdict = Verdict(Level.SAFE, "safe")

    @property
    def label(self) -> str:
        return f"{self.version} statement {self.index + 1} (line {self.line})"


@dataclass
class MigrationReview:
    """One pending migration; ``in_transaction`` False when it runs statement by statement."""

    version: int
    name: str
    path: Path
    in_transaction: bool
    statements: list[StatementReview] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()  # about the file, not one statement

    @property
    def label(self) -> str:
        """As the file names it: ``0001_create_orders``."""
        return self.path.name.removesuffix(".up.sql")

    @property
    def holds_until_commit(self) -> list[LockTaken]:
        """For a transactional migration, every lock it takes is held until its COMMIT."""
        by_relation: dict[str, tuple[Relation, set[LockMode]]] = {}
        for statement in self.statements:
            for lock in statement.observation.locks:
                entry = by_relation.setdefault(lock.relation.qualified, (lock.relation, set()))
                entry[1].update(lock.modes)
        return [
            LockTaken(relation, tuple(sorted(modes, key=lambda m: m.value)))
            for relation, modes in by_relation.values()
        ]


@dataclass
class PlanReport:
    """Everything ``plan`` found. ``target`` describes the target database (no password),
    None when the plan covers every migration without one."""

    directory: Path
    target: str | None
    scratch: str
    applied: int
    migrations: list[MigrationReview] = field(default_factory=list)
    long_transactions: tuple[Session, ...] = ()

    @property
    def statements(self) -> list[StatementReview]:
        return [s for m in self.migrations for s in m.statements]

    def worst_first(self) -> list[StatementReview]:
        """Every statement, the worst verdict first (more rows first within a level); plan
        order among equals."""
        return sorted(self.statements, key=lambda s: (-s.verdict.level, -(s.verdict.rows or 0)))

    @property
    def worst(self) -> StatementReview | None:
        ranked = self.worst_first()
        return ranked[0] if ranked else None
