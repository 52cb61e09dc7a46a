"""require-extension-if-not-exists: CREATE EXTENSION without IF NOT EXISTS."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind, head

RULE = Rule(
    id="require-extension-if-not-exists",
    severity=Severity.WARNING,
    summary="CREATE EXTENSION without IF NOT EXISTS",
    why="extensions are database-wide and often installed already (by a DBA, a hosting provider "
    "or another schema), and then CREATE EXTENSION fails",
    instead="write CREATE EXTENSION IF NOT EXISTS",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each CREATE EXTENSION without IF NOT EXISTS, in ups and downs."""
    for at in ctx.statements():
        found = head(at.words)
        if found is None or found.verb != "create" or found.kind is not Kind.EXTENSION:
            continue
        if found.tolerant:
            continue
        name, _ = at.words.name(found.name_at)
        yield at.finding(RULE, f"CREATE EXTENSION {name} without IF NOT EXISTS")
