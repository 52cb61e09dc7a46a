"""adding-not-nullable-field: SET NOT NULL on an existing table's column."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import Action, ActionKind, AlterTable
from schemactl.lint.context import LintContext, Located
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="adding-not-nullable-field",
    severity=Severity.WARNING,
    summary="ALTER COLUMN ... SET NOT NULL on an existing table",
    why="PostgreSQL scans the whole table to check for NULLs while an ACCESS EXCLUSIVE lock "
    "blocks reads and writes",
    instead="ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later "
    "migration, then SET NOT NULL (PostgreSQL 12+ skips the scan)",
)

Column = tuple[tuple[str, str], str]


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each SET NOT NULL, unless a validated ``CHECK (col IS NOT NULL)`` already proves it.

    The proof counts when it was validated in an earlier migration, or earlier in the same
    no-transaction file (each of its statements commits on its own).
    """
    checks: dict[tuple[tuple[str, str], str], Column] = {}
    proven: dict[Column, Located] = {}
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            if action.kind is ActionKind.ADD_CONSTRAINT and action.subject:
                column = _not_null_check(alter, action)
                if column is not None:
                    checks[(alter.table.key, action.subject)] = (alter.table.key, column)
                    if not alter.has(action, "not", "valid"):
                        proven[(alter.table.key, column)] = at
            elif action.kind is ActionKind.VALIDATE_CONSTRAINT and action.subject:
                column_key = checks.get((alter.table.key, action.subject))
                if column_key is not None:
                    proven[column_key] = at
            elif action.kind is ActionKind.SET_NOT_NULL and action.subject:
                proof = proven.get((alter.table.key, action.subject))
                if proof is None or not _counts(proof, at):
                    yield at.finding(
                        RULE,
                        f"SET NOT NULL on {alter.table}.{action.subject} scans the existing "
                        "table under an ACCESS EXCLUSIVE lock",
                    )


def _not_null_check(alter: AlterTable, action: Action) -> str | None:
    """The column of a ``CHECK (col IS NOT NULL)`` constraint, else None."""
    words = alter.words
    i = words.find("check", action.start, action.stop)
    if i is None or not words.is_open(i + 1):
        return None
    group = words.items[i + 2 : words.after_group(i + 1) - 1]
    inside = [w for w in group if w.text not in ("(", ")")]
    values = [w.value for w in inside]
    if len(inside) == 4 and inside[0].is_ident and values[1:] == ["is", "not", "null"]:
        return inside[0].value
    return None


def _counts(proof: Located, at: Located) -> bool:
    if proof.migration.version < at.migration.version:
        return True
    same_file = proof.script is at.script and at.script.no_transaction
    return same_file and proof.statement.index < at.statement.index
