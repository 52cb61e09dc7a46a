"""multi-statement-no-transaction: a no-transaction file with more than one statement."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="multi-statement-no-transaction",
    severity=Severity.WARNING,
    summary="a no-transaction file runs several statements one by one",
    why="if a later statement fails, the earlier ones stay applied and the migration is left dirty",
    instead="give each statement that needs no transaction a file of its own (a file whose "
    "only statement cannot run in a transaction runs outside one with no directive)",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """One finding per no-transaction file (up or down) with two or more statements. A file
    run outside a transaction without the directive has one statement: never found here."""
    for migration, script in ctx.scripts():
        count = len(script.statements)
        # A file that runs outside a transaction undeclared has one statement: with two or
        # more, the directive alone tells (and reading it costs no search of the file).
        if count < 2 or not script.declares_no_transaction:
            continue
        yield RULE.finding(
            script.path,
            f"no-transaction file {script.path.name} runs {count} statements one by one; "
            "a failure after the first leaves it half done",
            line=script.statements[1].line,
            version=migration.version,
        )
