"""requires-no-transaction: a statement PostgreSQL refuses inside a transaction block."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind, head
from schemactl.lint.words import Words

RULE = Rule(
    id="requires-no-transaction",
    severity=Severity.ERROR,
    summary="a statement that cannot run in a transaction, in a file that runs in one",
    why="PostgreSQL rejects it inside a transaction block, so the migration fails every time",
    instead="move it to its own file that starts with '-- schemactl:no-transaction'",
)


def non_transactional(words: Words) -> str | None:
    """What makes the statement refuse a transaction block, or None if it runs in one.

    ``ALTER TYPE ... ADD VALUE`` is left out: PostgreSQL 12 (our oldest) runs it in one.
    """
    found = head(words)
    if found is not None and found.kind is Kind.INDEX and found.concurrently:
        return f"{found.verb.upper()} INDEX CONCURRENTLY"
    first = words.kw(0)
    if first == "reindex":
        if "concurrently" in words.keywords():
            return "REINDEX CONCURRENTLY"
        if words.at(1, "database|system") or words.at(words.after_group(1), "database|system"):
            return "REINDEX DATABASE/SYSTEM"
    if first == "vacuum":
        return "VACUUM"
    if words.at(0, "alter", "system"):
        return "ALTER SYSTEM"
    if words.at(0, "create|drop", "database|tablespace"):
        return f"{first.upper()} {words.kw(1).upper()}"
    if words.at(0, "alter", "database") and "tablespace" in words.keywords():
        return "ALTER DATABASE ... SET TABLESPACE"
    if first == "cluster" and words.kw(len(words) - 1) in ("cluster", "verbose"):
        return "CLUSTER without a table"
    if words.at(0, "alter", "table") and _detach_concurrently(words):
        return "DETACH PARTITION CONCURRENTLY"
    return None


def _detach_concurrently(words: Words) -> bool:
    detach = words.find("detach")
    return detach is not None and "concurrently" in words.keywords(detach)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each such statement in a file without the no-transaction directive, up or down."""
    for at in ctx.statements():
        if at.script.no_transaction:
            continue
        what = non_transactional(at.words)
        if what is not None:
            yield at.finding(
                RULE,
                f"{what} cannot run inside a transaction block, and {at.script.path.name} "
                "runs in one",
            )
