"""ban-char-field: a column of type char(n) / character(n)."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="ban-char-field",
    severity=Severity.INFO,
    summary="a column of type char(n) or character(n)",
    why="char(n) pads values with spaces, which leak into comparisons, lengths and clients, and "
    "it is no faster than text",
    instead="use text (with a CHECK on length if it matters) or varchar(n)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each column an up file defines or retypes as char, character or bpchar (not varying)."""
    for at, table, column in ctx.column_definitions():
        words = column.type_words
        if column.base_type in ("char", "character", "bpchar") and "varying" not in words[1:2]:
            yield at.finding(
                RULE, f"column {table}.{column.name} is {column.base_type}, padded with blanks"
            )
