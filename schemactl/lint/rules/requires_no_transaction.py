"""requires-no-transaction: a statement PostgreSQL refuses inside a transaction block only
because of what it acts on.

What the statement's text alone tells (``CREATE INDEX CONCURRENTLY``, ``VACUUM``, ...) is
decided when the files are read (``schemactl.files.transactions``): a file whose only
statement is one runs outside a transaction, any other is refused before anything runs. This
rule finds the rest, which the schema decides: ``CLUSTER`` and ``REINDEX TABLE|INDEX`` of a
partitioned table (or its index), which PostgreSQL 15 refuses in a block, as it does for a
partitioned table's REINDEX in ReindexPartitions and CLUSTER in cluster().
"""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext, Located
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind, head
from schemactl.lint.words import ObjectName, Words

RULE = Rule(
    id="requires-no-transaction",
    severity=Severity.ERROR,
    summary="CLUSTER or REINDEX of a partitioned table, in a file that runs in a transaction",
    why="PostgreSQL rejects it inside a transaction block, so the migration fails every time",
    instead="declare '-- schemactl:no-transaction' at the top of the file",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each CLUSTER or REINDEX TABLE|INDEX of a partitioned table, created by an earlier
    statement of the set, in a file that runs in a transaction, up or down."""
    if not any(_may_rebuild(at) for at in ctx.statements()):
        return  # most sets: no CLUSTER or REINDEX at all, so no table to follow
    partitioned = _Partitioned()
    for migration, script in ctx.scripts():
        for at in ctx.located(migration, script):
            partitioned.read(at.words)
            target = _rebuilt(at.words)
            if target is None or script.no_transaction or not partitioned.has(target):
                continue
            verb = at.words.kw(0).upper()
            yield at.finding(
                RULE,
                f"{verb} of the partitioned {target} cannot run inside a transaction block, "
                f"and {script.path.name} runs in one",
            )


def _may_rebuild(at: Located) -> bool:
    return at.statement.normalized.startswith(("cluster", "reindex"))


class _Partitioned:
    """Partitioned tables and the indexes on them, as the statements read so far made them."""

    def __init__(self) -> None:
        self.tables: list[ObjectName] = []
        self.indexes: list[ObjectName] = []

    def has(self, name: ObjectName) -> bool:
        return any(name.same(known) for known in (*self.tables, *self.indexes))

    def read(self, words: Words) -> None:
        found = head(words)
        if found is None or found.verb != "create":
            return
        name, after = words.name(found.name_at)
        if name is None:
            return
        if found.kind is Kind.TABLE and _partition_by(words, after):
            self.tables.append(name)
        elif found.kind is Kind.INDEX:
            on = words.find("on", after)
            table, _ = words.name(words.skip(on + 1, "only")) if on is not None else (None, 0)
            if table is not None and self.has(table):
                self.indexes.append(name)


def _partition_by(words: Words, start: int) -> bool:
    return any(words.at(i, "partition", "by") for i in words.top_level(start))


def _rebuilt(words: Words) -> ObjectName | None:
    """The table or index a CLUSTER or REINDEX TABLE|INDEX names."""
    first = words.kw(0)
    i = words.after_group(1)
    if first == "cluster":
        i = words.skip(i, "verbose")
    elif first == "reindex" and words.kw(i) in ("table", "index"):
        i = words.skip(i + 1, "concurrently")
    else:
        return None
    name, _ = words.name(i)
    return name
