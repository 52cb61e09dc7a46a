"""require-concurrent-partition-detach: DETACH PARTITION without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="require-concurrent-partition-detach",
    severity=Severity.WARNING,
    summary="DETACH PARTITION without CONCURRENTLY on an existing table",
    why="detaching takes an ACCESS EXCLUSIVE lock on the parent table, blocking every query on "
    "every partition",
    instead="on PostgreSQL 14+, DETACH PARTITION ... CONCURRENTLY alone in a file that starts "
    "with '-- schemactl:no-transaction'",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each plain DETACH PARTITION (not CONCURRENTLY, not FINALIZE) in an up file."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is not ActionKind.DETACH_PARTITION:
                continue
            if alter.has(action, "concurrently") or alter.has(action, "finalize"):
                continue
            yield at.finding(
                RULE,
                f"DETACH PARTITION {action.subject} locks all of {alter.table} until it commits",
            )
