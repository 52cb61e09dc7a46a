"""reference-to-unknown-table: a table no migration in the set creates."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.timeline import Status, table_references

RULE = Rule(
    id="reference-to-unknown-table",
    severity=Severity.INFO,
    summary="a table that no migration in the set creates",
    why="it must already exist in every target database (created before schemactl, or by "
    "something else); on a fresh database the migration fails, and a typo looks the same",
    instead="check the name; if the table predates the migrations, add a baseline migration "
    "that creates it (with IF NOT EXISTS)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """The first reference to each such table."""
    reported: set[tuple[str, str]] = set()
    for reference in table_references(ctx):
        key = reference.table.key
        if reference.status is not Status.NEVER_CREATED or key in reported:
            continue
        reported.add(key)
        yield reference.at.finding(
            RULE, f"table {reference.table} is not created by any migration in this directory"
        )
