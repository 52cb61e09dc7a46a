"""prefer-timestamptz: a column of type timestamp without time zone."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="prefer-timestamptz",
    severity=Severity.INFO,
    summary="a column of type timestamp (without time zone)",
    why="timestamp drops the offset, so the same instant reads differently under different "
    "TimeZone settings and comparisons with now() shift",
    instead="use timestamptz (timestamp with time zone)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each column an up file defines or retypes as timestamp without a time zone."""
    for at, table, column in ctx.column_definitions():
        if column.base_type == "timestamp" and "with" not in column.type_words:
            yield at.finding(RULE, f"column {table}.{column.name} is timestamp without time zone")
