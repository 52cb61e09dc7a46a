"""constraint-missing-not-valid: a FOREIGN KEY or CHECK added to an existing table, validated
while it is added."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.context import LintContext, Located
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="constraint-missing-not-valid",
    severity=Severity.WARNING,
    summary="FOREIGN KEY or CHECK added to an existing table without NOT VALID, or validated "
    "in the same transaction",
    why="validating scans the whole table while the lock taken to add the constraint blocks "
    "writes (and, for CHECK, reads)",
    instead="ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
)

_VALIDATED = ("check", "foreign")


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each such constraint; and each VALIDATE in the same transaction as its NOT VALID add."""
    added_not_valid: dict[tuple[str, str], Located] = {}
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.ADD_CONSTRAINT and action.constraint_type in _VALIDATED:
                if not alter.has(action, "not", "valid"):
                    what = "FOREIGN KEY" if action.constraint_type == "foreign" else "CHECK"
                    name = f" {action.subject}" if action.subject else ""
                    yield at.finding(
                        RULE,
                        f"{what} constraint{name} on existing table {alter.table} is validated "
                        "as it is added",
                    )
                elif action.subject:
                    added_not_valid[(str(at.script.path), action.subject)] = at
            elif action.kind is ActionKind.VALIDATE_CONSTRAINT and action.subject:
                earlier = added_not_valid.get((str(at.script.path), action.subject))
                if earlier is not None and not at.script.no_transaction:
                    yield at.finding(
                        RULE,
                        f"VALIDATE CONSTRAINT {action.subject} runs in the same transaction "
                        f"that adds it NOT VALID (line {earlier.statement.line})",
                    )
