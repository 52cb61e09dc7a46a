"""``lint``: run every enabled rule over a migration set and return the findings, sorted."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from schemactl.errors import UsageError
from schemactl.files.migrations import MigrationSet
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding
from schemactl.lint.registry import CHECKS, LAYOUT_RULE_IDS, LINT_RULE_IDS


def release() -> None:
    """Forget what the rules cached of the statements they read (the caches hold the
    statements, and their words), for a run that goes on long after its lint (``check``)."""
    from schemactl.lint import alter, columns, heads, objects, reversal, words

    for cached in (
        words.words_of,
        alter.alter_table,
        objects.effects,
        columns.create_table_body,
        reversal._made_by,
        heads.head,
    ):
        cached.cache_clear()
    words.forget_shared()


def lint(
    migrations: MigrationSet,
    *,
    disabled: frozenset[str] = frozenset(),
    other_rules: Iterable[str] = (),
) -> list[Finding]:
    """All findings of the enabled rules, sorted by (version, path, line, rule).

    A rule in ``disabled`` (configuration-wide) or in a file's ``-- schemactl:disable=``
    directive is silenced (for that file). ``other_rules`` are ids of checks that run elsewhere
    (``check``'s round trips): they may be named in ``disabled`` and in directives, and are
    ignored here. Raises UsageError for any other id in ``disabled``, including layout rules,
    which cannot be silenced because a directory that does not load runs nothing.
    """
    others = frozenset(other_rules)
    _validate(disabled, others)
    context = LintContext(migrations, known_rule_ids=LINT_RULE_IDS | others)
    silenced = _silenced_by_file(migrations)
    findings = [
        finding
        for rule, check in CHECKS
        if rule.id not in disabled
        for finding in check(context)
        if finding.rule not in silenced.get(finding.path, frozenset())
    ]
    return sorted(findings, key=lambda f: f.sort_key)


def _validate(disabled: frozenset[str], others: frozenset[str]) -> None:
    layout = sorted(disabled & LAYOUT_RULE_IDS)
    if layout:
        raise UsageError(
            f"rule(s) cannot be disabled: {', '.join(layout)}",
            detail="they are migration-file errors: a directory that does not load runs nothing",
            hint="fix the files instead",
        )
    unknown = sorted(disabled - LINT_RULE_IDS - others)
    if unknown:
        raise UsageError(
            f"unknown lint rule(s) in disabled: {', '.join(unknown)}",
            hint=f"known rules: {', '.join(sorted(LINT_RULE_IDS | others))}",
        )


def _silenced_by_file(migrations: MigrationSet) -> dict[Path, frozenset[str]]:
    silenced: dict[Path, frozenset[str]] = {}
    for migration in migrations.migrations:
        for script in (migration.up, migration.down):
            if script is not None:
                silenced[script.path] = script.disabled_rules
    return silenced
