"""ban-vacuum-full: VACUUM FULL in a migration."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="ban-vacuum-full",
    severity=Severity.WARNING,
    summary="VACUUM FULL in a migration",
    why="it rewrites the table under an ACCESS EXCLUSIVE lock that blocks reads and writes for "
    "the whole rewrite",
    instead="plain VACUUM (no lock on reads or writes), or pg_repack run by hand outside "
    "migrations",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each VACUUM with the FULL option (``VACUUM FULL`` or ``VACUUM (FULL)``) in an up file."""
    for at in ctx.up_statements():
        words = at.words
        if words.kw(0) != "vacuum":
            continue
        options = words.keywords(1, words.after_group(1)) if words.is_open(1) else []
        if words.at(1, "full") or "full" in options:
            yield at.finding(RULE, "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock")
