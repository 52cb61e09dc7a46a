"""changing-column-type: ALTER COLUMN ... TYPE on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="changing-column-type",
    severity=Severity.WARNING,
    summary="ALTER COLUMN ... TYPE on an existing table",
    why="most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE lock that "
    "blocks reads and writes (varchar(n) to text and a larger varchar limit do not)",
    instead="add a column of the new type, backfill it in batches, switch the application over, "
    "then drop the old column",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each ALTER COLUMN ... [SET DATA] TYPE in an up file on a table that is not new."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.ALTER_TYPE:
                yield at.finding(
                    RULE,
                    f"ALTER COLUMN {action.subject} TYPE on existing table {alter.table} may "
                    "rewrite the table under an ACCESS EXCLUSIVE lock",
                )
