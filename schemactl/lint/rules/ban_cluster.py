"""ban-cluster: CLUSTER in a migration."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="ban-cluster",
    severity=Severity.WARNING,
    summary="CLUSTER in a migration",
    why="it rewrites the table in index order under an ACCESS EXCLUSIVE lock that blocks reads "
    "and writes",
    instead="pg_repack --order-by, run by hand outside migrations",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each CLUSTER statement in an up file."""
    for at in ctx.up_statements():
        if at.words.kw(0) != "cluster":
            continue
        table, _ = at.words.name(at.words.skip(1, "verbose"))
        what = f"CLUSTER {table}" if table is not None else "CLUSTER"
        yield at.finding(RULE, f"{what} rewrites tables under an ACCESS EXCLUSIVE lock")
