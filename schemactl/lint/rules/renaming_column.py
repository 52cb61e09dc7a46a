"""renaming-column: RENAME COLUMN on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="renaming-column",
    severity=Severity.WARNING,
    summary="RENAME COLUMN on an existing table",
    why="application code still running with the old name fails as soon as the migration commits",
    instead="add the new column, write to both, backfill, move reads over, then drop the old one",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each RENAME COLUMN in an up file on a table that is not new."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.RENAME_COLUMN:
                yield at.finding(
                    RULE,
                    f"RENAME COLUMN {action.subject} TO {action.new_name} on existing table "
                    f"{alter.table} breaks code that uses the old name",
                )
