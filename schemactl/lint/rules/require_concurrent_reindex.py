"""require-concurrent-reindex: REINDEX without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="require-concurrent-reindex",
    severity=Severity.WARNING,
    summary="REINDEX without CONCURRENTLY",
    why="REINDEX blocks writes to the table, and reads that use the index, until it finishes",
    instead="REINDEX ... CONCURRENTLY (PostgreSQL 12+), alone in a file that starts with "
    "'-- schemactl:no-transaction'",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each REINDEX of an index, table, schema or database without CONCURRENTLY, in up files."""
    for at in ctx.up_statements():
        words = at.words
        if words.kw(0) != "reindex" or "concurrently" in words.keywords():
            continue
        start = words.after_group(1) if words.is_open(1) else 1
        # REINDEX SYSTEM has no concurrent form.
        if words.at(start, "system"):
            continue
        target, _ = words.name(start + 1)
        what = f"REINDEX {words.kw(start).upper()} {target or ''}".rstrip()
        yield at.finding(RULE, f"{what} blocks writes until it finishes")
