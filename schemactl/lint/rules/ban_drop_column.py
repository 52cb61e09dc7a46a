"""ban-drop-column: DROP COLUMN in an up file."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="ban-drop-column",
    severity=Severity.WARNING,
    summary="DROP COLUMN on an existing table",
    why="the data is gone for good (a down cannot bring it back) and code still reading the "
    "column fails",
    instead="stop using the column in the application first, deploy, then drop it in a migration "
    "declared '-- schemactl:irreversible' (or disable this rule there)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each DROP COLUMN in an up file on a table that is not new."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.DROP_COLUMN:
                yield at.finding(
                    RULE,
                    f"DROP COLUMN {action.subject} on existing table {alter.table} deletes its "
                    "data",
                )
