"""ban-truncate-cascade: TRUNCATE ... CASCADE."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="ban-truncate-cascade",
    severity=Severity.WARNING,
    summary="TRUNCATE ... CASCADE",
    why="it also empties every table with a foreign key to the truncated ones, and the tables "
    "that reference those, which the file does not name",
    instead="name every table to truncate explicitly, without CASCADE",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each TRUNCATE ending in CASCADE, in ups and downs."""
    for at in ctx.statements():
        words = at.words
        if words.kw(0) == "truncate" and words.kw(len(words) - 1) == "cascade":
            tables = ", ".join(str(e.name) for e in at.effects)
            yield at.finding(
                RULE, f"TRUNCATE {tables} CASCADE also empties every table that references them"
            )
