"""Directory problems (what ``load_directory`` refuses) as findings with stable rule ids.

A problem that says its kind (the refusals of a file's statements: transaction control,
statements that need a file of their own, psql meta-commands) gets that kind's rule, worded by
the files stage itself (``schemactl.files.transactions.ADVICE``). The others are sentences:
this module recognises those ``schemactl.files.migrations`` writes, by their key phrases, and
falls back to ``invalid-file`` for any it does not know, so a new kind of problem is still
reported, only less precisely.
"""

from __future__ import annotations

import re

from schemactl.errors import FileProblem
from schemactl.files.transactions import ADVICE, KindedFileProblem, ProblemKind
from schemactl.lint.findings import Finding, Rule, Severity


def _rule(rule_id: str, summary: str, why: str, instead: str) -> Rule:
    return Rule(rule_id, Severity.ERROR, summary, why, instead)


_STOPS = "schemactl refuses to run any migration from a directory that does not load"
LAYOUT_RULES: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), rule)
    for pattern, rule in (
        (
            r"directory does not exist",
            _rule("missing-directory", "the migration directory does not exist", _STOPS,
                  "pass --dir, or set dir in schemactl.toml"),
        ),
        (
            r"file name does not match",
            _rule("bad-file-name", "a .sql file that looks like a migration is misnamed",
                  "a misnamed file is silently never applied",
                  "name it NNNN_lower_snake_name.up.sql or .down.sql"),
        ),
        (
            r"^version is too large",
            _rule("version-too-large", "a version beyond what the ledger's bigint column holds",
                  "the migration would run, then fail to be recorded, after the ones before it "
                  "were applied", "renumber it: versions go from 0 to 9223372036854775807"),
        ),
        (
            r"is not a regular file",
            _rule("not-regular-file", "a directory, FIFO or broken symlink named like a migration",
                  "schemactl cannot read it as a migration (a FIFO would wait for a writer)",
                  "put the migration file there, or move it out of the directory"),
        ),
        (
            r"^duplicate version",
            _rule("duplicate-version", "two files share a version and direction",
                  "schemactl cannot know which one to apply", "renumber one of them"),
        ),
        (
            r"has no up file",
            _rule("orphan-down", "a down file without its up file",
                  "it is never run, and usually means the up was renamed or deleted",
                  "rename it to match its up, or delete it"),
        ),
        (
            r"name does not match its up",
            _rule("mismatched-down-name", "a down file's name differs from its up's",
                  "the pair reads as two different migrations", "give both files the same name"),
        ),
        (
            r"has no down file",
            _rule("missing-down", "an up file without a down file",
                  "the migration cannot be rolled back",
                  "add the down file, or declare '-- schemactl:irreversible' in the up"),
        ),
        (
            r"declared irreversible",
            _rule("irreversible-with-down", "a down file for an up declared irreversible",
                  "the two say opposite things about rolling back",
                  "delete the down file, or remove the irreversible directive"),
        ),
        (
            r"^file is empty",
            _rule("empty-file", "an empty migration file", "an empty file is almost always an "
                  "unfinished migration", "write the migration, or a comment saying why it does "
                  "nothing"),
        ),
        (
            r"^unterminated",
            _rule("unterminated", "an unterminated string, identifier, comment or body",
                  "the rest of the file would be swallowed into it",
                  "close the quote, comment or dollar-quoted body"),
        ),
        (
            r"utf-8",
            _rule("not-utf8", "a file that is not valid UTF-8",
                  "schemactl cannot read it as PostgreSQL would", "save the file as UTF-8"),
        ),
        (
            r"contains a NUL byte",
            _rule("nul-byte", "a NUL byte in a migration file",
                  "PostgreSQL cannot take a NUL in query text: the file would fail when it runs, "
                  "after the migrations before it were applied",
                  "remove it; a file full of them was probably saved as UTF-16: save it as UTF-8"),
        ),
        (
            r"unknown directive",
            _rule("unknown-directive", "an unknown '-- schemactl:' directive",
                  "a misspelt directive would silently not apply",
                  "use no-transaction, irreversible, idempotent or disable=RULE"),
        ),
        (
            r"directives must come before",
            _rule("misplaced-directive", "a directive after the first statement",
                  "directives are only read from the leading comments",
                  "move it to the top of the file"),
        ),
        (
            r"COPY \.\.\. FROM STDIN or TO STDOUT",
            _rule("client-copy", "COPY ... FROM STDIN or TO STDOUT in a migration",
                  "its data would travel with the client, as psql's inline data does; schemactl "
                  "sends none, so the COPY could only fail or print nowhere",
                  "write the rows as INSERT statements, or COPY from a file on the server"),
        ),
    )
)  # fmt: skip

BY_KIND: dict[ProblemKind, Rule] = {
    kind: _rule(kind.value, advice.summary, advice.why, advice.instead)
    for kind, advice in ADVICE.items()
}

INVALID_FILE = _rule(
    "invalid-file",
    "a migration file problem without a more precise rule",
    _STOPS,
    "fix the problem the message describes",
)
_VERSION = re.compile(r"^([0-9]+)_")


def layout_rules() -> list[Rule]:
    """Every layout rule, the fallback included."""
    return [rule for _, rule in LAYOUT_RULES] + list(BY_KIND.values()) + [INVALID_FILE]


def classify(problem: FileProblem) -> Rule:
    """The rule of the problem's kind if it says one, else the rule whose phrase its message
    has, else ``invalid-file``."""
    if isinstance(problem, KindedFileProblem) and problem.kind is not None:
        return BY_KIND[problem.kind]
    return next((rule for p, rule in LAYOUT_RULES if p.search(problem.message)), INVALID_FILE)


def layout_findings(problems: list[FileProblem]) -> list[Finding]:
    """One error finding per directory problem, sorted like lint findings.

    The version comes from the file name's numeric prefix when it has one.
    """
    findings = []
    for problem in problems:
        match = _VERSION.match(problem.path.name)
        version = int(match.group(1)) if match else None
        finding = classify(problem).finding(
            problem.path, problem.message, line=problem.line, version=version
        )
        findings.append(finding)
    return sorted(findings, key=lambda f: f.sort_key)
