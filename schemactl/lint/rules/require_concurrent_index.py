"""require-concurrent-index: CREATE INDEX without CONCURRENTLY on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind, head

RULE = Rule(
    id="require-concurrent-index",
    severity=Severity.WARNING,
    summary="CREATE INDEX without CONCURRENTLY on an existing table",
    why="building the index blocks every write to the table until it finishes, minutes on a "
    "big table",
    instead="CREATE INDEX CONCURRENTLY, alone in a file that starts with "
    "'-- schemactl:no-transaction'",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each plain CREATE INDEX in an up file on a table the same file did not create."""
    for at in ctx.up_statements():
        found = head(at.words)
        if found is None or found.verb != "create" or found.kind is not Kind.INDEX:
            continue
        on = at.words.find("on", found.name_at)
        # ON ONLY builds nothing: it is the first step of indexing a partitioned table.
        if found.concurrently or on is None or at.words.at(on + 1, "only"):
            continue
        table, _ = at.words.name(on + 1)
        if table is None or ctx.is_new(table, at):
            continue
        index, _ = at.words.name(found.name_at) if on > found.name_at else (None, 0)
        what = f"CREATE INDEX {index}" if index else "CREATE INDEX"
        yield at.finding(RULE, f"{what} on existing table {table} blocks writes while it builds")
