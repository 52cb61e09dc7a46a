"""empty-down: a down file with no statements, for an up that creates nothing it would drop."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.reversal import new_objects

RULE = Rule(
    id="empty-down",
    severity=Severity.WARNING,
    summary="a down file with no statements",
    why="rolling back does nothing, so whatever the up changed (data, grants, settings) stays "
    "changed while the ledger says it was undone",
    instead="write the inverse of the up; if there is none, declare '-- schemactl:irreversible' "
    "in the up and delete the down (or disable this rule in the down file)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each empty down whose up creates no object (down-leaves-object reports the others)."""
    new = new_objects(ctx.migrations)
    for migration in ctx.migrations.migrations:
        down = migration.down
        if down is None or down.statements or new[migration.version]:
            continue
        yield RULE.finding(
            down.path,
            f"down file {down.path.name} has no statements, so rolling back migration "
            f"{migration.version} undoes nothing",
            version=migration.version,
        )
