"""unknown-rule-in-directive: '-- schemactl:disable=' names a rule that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="unknown-rule-in-directive",
    severity=Severity.WARNING,
    summary="a disable directive names a rule that does not exist",
    why="a misspelt rule id silences nothing, so the finding it was meant to silence comes back",
    instead="use the rule ids listed by 'schemactl check' (or remove the id)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each file whose disable directive names ids no rule has."""
    for migration, script in ctx.scripts():
        unknown = sorted(script.disabled_rules - ctx.known_rule_ids)
        if unknown:
            yield RULE.finding(
                script.path,
                f"'-- schemactl:disable=' names unknown rule(s): {', '.join(unknown)}",
                line=_directive_line(script.text),
                version=migration.version,
            )


def _directive_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if "schemactl:" in line and "disable=" in line:
            return number
    return None
