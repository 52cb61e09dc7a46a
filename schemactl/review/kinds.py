"""What a statement does to the rows already in a table, known from its kind alone.

The scratch database holds the schema but no rows, so a scan of existing rows cannot be seen
there: ``SET NOT NULL`` on an empty table checks nothing. What a statement's kind promises is
certain all the same, and the rule is this one: a statement is marked as validating (or
building an index over) a table's existing rows whenever its kind does so for a table that
has rows, whatever the scratch table holds; the target's row estimate then says how many.

- validates: ``ADD CONSTRAINT`` of a CHECK or FOREIGN KEY without NOT VALID, ``ADD COLUMN``
  with a CHECK or REFERENCES clause, ``VALIDATE CONSTRAINT``, ``ALTER COLUMN ... SET NOT
  NULL`` (unless a valid CHECK (col IS NOT NULL) proves it, PostgreSQL 12+), ``ATTACH
  PARTITION`` (the partition's rows, unless its constraints prove them);
- builds an index: ``CREATE INDEX`` without CONCURRENTLY, ``ADD PRIMARY KEY``, ``ADD
  UNIQUE`` and ``ADD EXCLUDE`` not ``USING INDEX``.

A statement that cannot run in a transaction block runs on its own, where its locks cannot be
read back from ``pg_locks`` after it ends (on an empty scratch table it is over in
milliseconds, too fast to sample). Its lock modes come from PostgreSQL's documentation and are
marked as documented rather than observed: ``DOCUMENTED_LOCKS`` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemactl.files.statements import Statement
from schemactl.lint.alter import ActionKind, alter_table
from schemactl.lint.words import Words, words_of
from schemactl.review.locks import LockMode


@dataclass(frozen=True)
class RowWork:
    """Work over a table's existing rows: ``table`` as the statement spells it."""

    table: str
    what: str  # "validates" or "builds an index"
    clause: str  # the clause that does it, for the report: "SET NOT NULL"


@dataclass(frozen=True)
class DocumentedLock:
    """A lock a statement outside a transaction takes, per PostgreSQL's documentation;
    ``name`` as the statement spells it, ``of_index`` when the lock is on the index's table."""

    name: str
    mode: LockMode
    of_index: bool = False


VALIDATES = "validates"
BUILDS_INDEX = "builds an index"


def row_work(statement: Statement) -> list[RowWork]:
    """What ``statement`` does over existing rows, by its kind (see the module's rule)."""
    words = words_of(statement)
    if words.at(0, "create"):
        return _create_index(words)
    alter = alter_table(words)
    if alter is None:
        return []
    table = alter.table.text
    work: list[RowWork] = []
    for action in alter.actions:
        top = alter.has
        if action.kind is ActionKind.ADD_CONSTRAINT:
            kind = action.constraint_type or ""
            if kind in ("check", "foreign") and not top(action, "not", "valid"):
                clause = "ADD CONSTRAINT ... " + ("CHECK" if kind == "check" else "FOREIGN KEY")
                work.append(RowWork(table, VALIDATES, clause))
            elif kind in ("primary", "unique", "exclude") and not top(action, "using", "index"):
                work.append(RowWork(table, BUILDS_INDEX, f"ADD {_CONSTRAINT_WORDS[kind]}"))
        elif action.kind is ActionKind.ADD_COLUMN:
            spoken = set(words.keywords(action.start, action.stop))
            if "references" in spoken or "check" in spoken:
                work.append(RowWork(table, VALIDATES, "ADD COLUMN ... CHECK/REFERENCES"))
            if "primary" in spoken or "unique" in spoken:
                work.append(RowWork(table, BUILDS_INDEX, "ADD COLUMN ... PRIMARY KEY/UNIQUE"))
        elif action.kind is ActionKind.VALIDATE_CONSTRAINT:
            work.append(RowWork(table, VALIDATES, "VALIDATE CONSTRAINT"))
        elif action.kind is ActionKind.SET_NOT_NULL:
            work.append(RowWork(table, VALIDATES, "SET NOT NULL"))
        elif words.at(action.start, "attach", "partition"):
            partition, _ = words.name(action.start + 2)
            if partition is not None:
                work.append(RowWork(partition.text, VALIDATES, "ATTACH PARTITION"))
    return work


_CONSTRAINT_WORDS = {"primary": "PRIMARY KEY", "unique": "UNIQUE", "exclude": "EXCLUDE"}


def empties(statement: Statement) -> bool:
    """TRUNCATE gives each table a new, empty file: its relfilenode changes, yet no row is
    copied, so it is not reported as a rewrite."""
    return words_of(statement).at(0, "truncate")


def _create_index(words: Words) -> list[RowWork]:
    i = words.skip(1, "unique")
    if not words.at(i, "index") or words.at(i + 1, "concurrently"):
        return []
    on = words.find("on", i + 1)
    if on is None:
        return []
    table, _ = words.name(words.skip(on + 1, "only"))
    return [RowWork(table.text, BUILDS_INDEX, "CREATE INDEX")] if table else []


# PostgreSQL 15 documentation: CREATE INDEX, "Building Indexes Concurrently"; DROP INDEX,
# CONCURRENTLY; REINDEX, "Rebuilding Indexes Concurrently"; ALTER TABLE, DETACH PARTITION ...
# CONCURRENTLY; "Table-Level Lock Modes" (SHARE UPDATE EXCLUSIVE: VACUUM without FULL;
# ACCESS EXCLUSIVE: VACUUM FULL).
_SUE = LockMode.SHARE_UPDATE_EXCLUSIVE


def documented_locks(statement: Statement) -> list[DocumentedLock]:
    """The relation locks a statement that runs outside a transaction takes, per the
    documentation; empty for a kind it does not cover (reported as not observed)."""
    words = words_of(statement)
    if words.at(0, "create"):
        i = words.skip(1, "unique")
        if words.at(i, "index", "concurrently"):
            on = words.find("on", i + 2)
            table, _ = words.name(words.skip(on + 1, "only")) if on is not None else (None, 0)
            return [DocumentedLock(table.text, _SUE)] if table else []
    if words.at(0, "drop", "index", "concurrently"):
        i = words.skip(3, "if", "exists")
        index, _ = words.name(i)
        return (
            [DocumentedLock(index.text, _SUE), DocumentedLock(index.text, _SUE, True)]
            if (index)
            else []
        )
    if words.at(0, "reindex"):
        return _reindex(words)
    if words.at(0, "vacuum"):
        return _vacuum(words)
    alter = alter_table(words)
    if alter is not None:
        for action in alter.actions:
            if action.kind is ActionKind.DETACH_PARTITION and alter.has(action, "concurrently"):
                locks = [DocumentedLock(alter.table.text, _SUE)]
                if action.subject:
                    locks.append(DocumentedLock(action.subject, _SUE))
                return locks
    return []


def _reindex(words: Words) -> list[DocumentedLock]:
    i = words.after_group(1) if words.is_open(1) else 1
    what = words.kw(i)
    if what not in ("index", "table") or not words.at(i + 1, "concurrently"):
        return []
    name, _ = words.name(i + 2)
    if name is None:
        return []
    if what == "index":
        return [DocumentedLock(name.text, _SUE), DocumentedLock(name.text, _SUE, True)]
    return [DocumentedLock(name.text, _SUE)]


def _vacuum(words: Words) -> list[DocumentedLock]:
    i, full = 1, False
    if words.is_open(1):
        options = words.keywords(1, words.after_group(1))
        full = "full" in options and "false" not in options and "off" not in options
        i = words.after_group(1)
    while words.kw(i) in ("full", "freeze", "verbose", "analyze"):
        full = full or words.kw(i) == "full"
        i += 1
    mode = LockMode.ACCESS_EXCLUSIVE if full else _SUE
    locks = []
    for start, stop in words.split(i, len(words)):
        name, _ = words.name(start)
        if name is not None and start < stop:
            locks.append(DocumentedLock(name.text, mode))
    return locks
