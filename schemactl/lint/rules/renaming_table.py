"""renaming-table: ALTER TABLE ... RENAME TO on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="renaming-table",
    severity=Severity.WARNING,
    summary="RENAME TO on an existing table",
    why="application code still running with the old name fails as soon as the migration commits",
    instead="create the new table, write to both, backfill, move reads over, then drop the old "
    "one (or leave a view with the old name for the transition)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each ALTER TABLE ... RENAME TO in an up file on a table that is not new."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.RENAME_TABLE:
                yield at.finding(
                    RULE,
                    f"RENAME of existing table {alter.table} to {action.new_name} breaks code "
                    "that uses the old name",
                )
