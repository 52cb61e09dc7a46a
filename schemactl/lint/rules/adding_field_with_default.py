"""adding-field-with-default: a new column on an existing table that makes PostgreSQL rewrite it."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.alter import ActionKind
from schemactl.lint.columns import SERIAL_TYPES, ColumnDef
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.words import words_of

RULE = Rule(
    id="adding-field-with-default",
    severity=Severity.WARNING,
    summary="ADD COLUMN with a volatile DEFAULT, a serial, identity or stored generated column "
    "on an existing table",
    why="PostgreSQL 11+ adds a column with a constant default instantly, but a value computed "
    "per row rewrites the whole table under an ACCESS EXCLUSIVE lock",
    instead="add the column without the default, set the default with ALTER COLUMN ... SET "
    "DEFAULT, and backfill existing rows in batches",
)

# Functions whose value differs per row. now() and the other transaction-time functions are
# stable, so they are computed once and stay cheap.
VOLATILE = frozenset(
    {
        "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
        "uuid_generate_v1mc", "uuid_generate_v4", "nextval", "setval", "txid_current",
        "gen_random_bytes",
    }
)  # fmt: skip
_DECLARED_NOT_VOLATILE = frozenset({"immutable", "stable"})


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each such column in an up file on a table that is not new."""
    for at, alter in ctx.existing_table_alters():
        for action in alter.actions:
            column = action.column
            if action.kind is not ActionKind.ADD_COLUMN or column is None:
                continue
            reason = _rewrite_reason(ctx, column)
            if reason is not None:
                yield at.finding(
                    RULE,
                    f"ADD COLUMN {column.name} {reason} rewrites existing table {alter.table}",
                )


def _rewrite_reason(ctx: LintContext, column: ColumnDef) -> str | None:
    if column.base_type in SERIAL_TYPES:
        return f"of type {column.base_type}"
    if column.identity:
        return "as an identity column"
    if column.stored_generated:
        return "as a stored generated column"
    default = column.default
    if default is None:
        return None
    for _, name in column.words.calls(*default):
        if name in VOLATILE or _volatile_routine(ctx, name):
            return f"with DEFAULT {name}() (volatile)"
    return None


def _volatile_routine(ctx: LintContext, name: str) -> bool:
    """A function the set creates is VOLATILE unless its definition says otherwise."""
    statement = ctx.created_routines.get(name)
    if statement is None:
        return False
    return not _DECLARED_NOT_VOLATILE.intersection(words_of(statement).keywords())
