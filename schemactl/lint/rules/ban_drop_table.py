"""ban-drop-table: DROP TABLE in an up file."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind
from schemactl.lint.objects import Change

RULE = Rule(
    id="ban-drop-table",
    severity=Severity.WARNING,
    summary="DROP TABLE on an existing table in an up file",
    why="the data is gone for good (a down cannot bring it back) and code still using the table "
    "fails",
    instead="stop using the table first, deploy, then drop it in a migration declared "
    "'-- schemactl:irreversible' (or disable this rule there)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each table dropped by an up file that did not create it itself."""
    for at in ctx.up_statements():
        for effect in at.effects:
            if effect.change is not Change.DROP or effect.kind is not Kind.TABLE:
                continue
            if not ctx.is_new(effect.name, at):
                yield at.finding(RULE, f"DROP TABLE {effect.name} deletes the table and its data")
