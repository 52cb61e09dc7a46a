"""adding-required-field: ADD COLUMN ... NOT NULL without a DEFAULT on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.columns import SERIAL_TYPES
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="adding-required-field",
    severity=Severity.ERROR,
    summary="ADD COLUMN ... NOT NULL without a DEFAULT on an existing table",
    why="every existing row would get NULL in the new column, so it fails on any table with rows",
    instead="add the column with a constant DEFAULT, or add it nullable, backfill, then set "
    "NOT NULL",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each such column; identity and generated columns fill themselves and pass."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            column = action.column
            if action.kind is not ActionKind.ADD_COLUMN or column is None:
                continue
            fills = column.default is not None or column.identity or column.stored_generated
            if column.not_null and not fills and column.base_type not in SERIAL_TYPES:
                yield at.finding(
                    RULE,
                    f"ADD COLUMN {column.name} NOT NULL without a DEFAULT on existing table "
                    f"{alter.table} fails if the table has rows",
                )
