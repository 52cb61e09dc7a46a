"""reference-before-create: a table used before the migration that creates it, or after the
one that drops it."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.timeline import Reference, Status, table_references

RULE = Rule(
    id="reference-before-create",
    severity=Severity.ERROR,
    summary="a table is referenced before it is created (or after it is dropped or renamed)",
    why="on a fresh database the table does not exist yet at that point, so the migration fails",
    instead="move the reference into (or after) the migration that creates the table, or "
    "renumber the migrations",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each reference (REFERENCES, ALTER TABLE, CREATE INDEX/TRIGGER ON, INSERT INTO, ...) in
    an up file to a table created only later in the set, or already dropped or renamed."""
    for reference in table_references(ctx):
        message = _message(reference)
        if message is not None:
            yield reference.at.finding(RULE, message)


def _message(reference: Reference) -> str | None:
    at, table = reference.at, reference.table
    if reference.status is Status.CREATED_LATER and reference.created is not None:
        creation = reference.created
        where = (
            f"at line {creation.statement.line} of this file"
            if creation.script is at.script
            else f"by {creation.script.path.name}"
        )
        return f"table {table} is referenced before it is created ({where})"
    if reference.status is Status.GONE and reference.removed is not None:
        removal, verb = reference.removed
        where = (
            f"line {removal.statement.line} of this file"
            if removal.script is at.script
            else removal.script.path.name
        )
        return f"table {table} is referenced after {where} {verb} it"
    return None
