"""version-gap: the versions are not contiguous."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="version-gap",
    severity=Severity.WARNING,
    summary="migration versions are not contiguous",
    why="a gap usually means a migration was deleted or renumbered, or a branch has not merged yet",
    instead="renumber the new migration to follow the highest version, or restore the missing one",
)

# Timestamp versions (20240101120000) are never contiguous; from 8 digits on, gaps are expected.
_TIMESTAMP_VERSION = 10_000_000


def check(ctx: LintContext) -> Iterator[Finding]:
    """A finding on the first migration after each gap."""
    migrations = ctx.migrations.migrations
    for before, after in pairwise(migrations):
        if after.version - before.version <= 1 or before.version >= _TIMESTAMP_VERSION:
            continue
        missing = after.version - before.version - 1
        what = (
            ", ".join(str(v) for v in range(before.version + 1, after.version))
            if missing <= 3
            else f"{missing} versions"
        )
        yield RULE.finding(
            after.up.path,
            f"versions jump from {before.version} to {after.version} ({what} missing)",
            version=after.version,
        )
