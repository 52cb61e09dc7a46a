"""disallowed-unique-constraint: UNIQUE or PRIMARY KEY added to an existing table, building its
index under the table lock."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="disallowed-unique-constraint",
    severity=Severity.WARNING,
    summary="UNIQUE or PRIMARY KEY added to an existing table without USING INDEX",
    why="the index is built while an ACCESS EXCLUSIVE lock blocks all reads and writes",
    instead="CREATE UNIQUE INDEX CONCURRENTLY first (no-transaction file), then "
    "ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each table constraint without USING INDEX, and each new column declared UNIQUE/PK."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.ADD_CONSTRAINT and action.constraint_type in (
                "unique",
                "primary",
            ):
                if alter.has(action, "using", "index"):
                    continue
                what = "UNIQUE" if action.constraint_type == "unique" else "PRIMARY KEY"
                name = f" {action.subject}" if action.subject else ""
                yield at.finding(
                    RULE,
                    f"{what} constraint{name} on existing table {alter.table} builds its index "
                    "under an ACCESS EXCLUSIVE lock",
                )
            column = action.column
            if action.kind is not ActionKind.ADD_COLUMN or column is None:
                continue
            if column.has("unique") or column.has("primary", "key"):
                yield at.finding(
                    RULE,
                    f"ADD COLUMN {column.name} with a unique index on existing table "
                    f"{alter.table} builds it under an ACCESS EXCLUSIVE lock",
                )
