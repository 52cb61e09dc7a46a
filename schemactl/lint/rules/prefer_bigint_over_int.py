"""prefer-bigint-over-int: a 32- or 16-bit integer key (primary key, identity or serial)."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.columns import INT_TYPES, SERIAL_TYPES, create_table_body
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="prefer-bigint-over-int",
    severity=Severity.INFO,
    summary="an integer or smallint primary key, identity or serial column",
    why="a busy table runs out of 32-bit ids (2^31) and widening the column later rewrites the "
    "table under an ACCESS EXCLUSIVE lock",
    instead="use bigint (or bigserial / bigint GENERATED ... AS IDENTITY) for keys",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each int/smallint column that generates or is a single-column primary key.

    Only keys: other integer columns (counts, sizes) rarely outgrow 32 bits.
    """
    for at, table, column in ctx.column_definitions():
        if column.base_type not in INT_TYPES:
            continue
        body = create_table_body(at.words)
        single_pk = body is not None and body.primary_key == (column.name,)
        key = column.has("primary", "key") or single_pk
        if key or column.identity or column.base_type in SERIAL_TYPES:
            yield at.finding(
                RULE,
                f"key column {table}.{column.name} is {column.base_type}: its values run out "
                "long before bigint's",
            )
