"""layout_findings: every problem load_directory reports becomes an error with a stable id."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.errors import FileProblem, MigrationFileError
from schemactl.files.migrations import load_directory
from schemactl.files.transactions import (
    ADVICE,
    NO_TRANSACTION,
    OWN_MIGRATION,
    PSQL_WHY,
    KindedFileProblem,
    ProblemKind,
)
from schemactl.lint import RULES, Severity, layout_findings


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (directory / name).write_bytes(data)
    return directory


def problems_of(directory: Path) -> list[FileProblem]:
    with pytest.raises(MigrationFileError) as raised:
        load_directory(directory)
    return raised.value.problems


OK = {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;"}

# (rule, files that make load_directory report it)
CASES: list[tuple[str, dict[str, str | bytes]]] = [
    ("bad-file-name", {**OK, "0002-B.up.sql": "SELECT 1;"}),
    ("duplicate-version", {**OK, "1_b.up.sql": "SELECT 1;", "1_b.down.sql": "SELECT 1;"}),
    ("orphan-down", {**OK, "0002_b.down.sql": "SELECT 1;"}),
    ("mismatched-down-name", {"0001_a.up.sql": "SELECT 1;", "0001_b.down.sql": "SELECT 1;"}),
    ("missing-down", {**OK, "0002_b.up.sql": "SELECT 1;"}),
    ("irreversible-with-down", {"0001_a.up.sql": "-- schemactl:irreversible\nSELECT 1;",
                                "0001_a.down.sql": "SELECT 1;"}),
    ("empty-file", {**OK, "0002_b.up.sql": "  \n", "0002_b.down.sql": "SELECT 1;"}),
    ("unterminated", {**OK, "0002_b.up.sql": "SELECT 'x;\n", "0002_b.down.sql": "SELECT 1;"}),
    ("not-utf8", {**OK, "0002_b.up.sql": b"SELECT '\xff';", "0002_b.down.sql": "SELECT 1;"}),
    ("unknown-directive", {**OK, "0002_b.up.sql": "-- schemactl:no-transactoin\nSELECT 1;",
                           "0002_b.down.sql": "SELECT 1;"}),
    ("misplaced-directive", {**OK, "0002_b.up.sql": "SELECT 1;\n-- schemactl:irreversible\n",
                             "0002_b.down.sql": "SELECT 1;"}),
    ("transaction-control", {**OK, "0002_b.up.sql": "SELECT 1;\nCOMMIT;\nSELECT 2;",
                             "0002_b.down.sql": "SELECT 1;"}),
    ("transaction-control", {**OK, "0002_b.up.sql": "SELECT 1;\nPREPARE TRANSACTION 'x';",
                             "0002_b.down.sql": "SELECT 1;"}),
    ("client-copy", {**OK, "0002_b.up.sql": "CREATE TABLE t (x int);\nCOPY t FROM STDIN;",
                     "0002_b.down.sql": "COPY (SELECT 1) TO stdout;"}),
    ("transaction-control", {**OK, "0002_b.up.sql": "-- schemactl:no-transaction\n"
                                                    "SELECT 1;\nROLLBACK;",
                             "0002_b.down.sql": "SELECT 1;"}),
    ("needs-own-file", {**OK, "0002_b.up.sql": "CREATE TABLE t (x int);\n"
                                               "CREATE INDEX CONCURRENTLY i ON t (x);",
                        "0002_b.down.sql": "DROP TABLE t;"}),
    ("needs-own-file", {**OK, "0002_b.up.sql": "BEGIN;\nVACUUM;\nCOMMIT;",
                        "0002_b.down.sql": "SELECT 1;"}),
    ("psql-meta-command", {**OK, "0002_b.up.sql": "\\set ON_ERROR_STOP on\nSELECT 1;",
                           "0002_b.down.sql": "SELECT 1;\n\\connect other\nSELECT 2;"}),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "files"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_directory_problem_gets_its_own_rule(tmp_path, rule, files):
    findings = layout_findings(problems_of(write(tmp_path / "m", files)))

    assert rule in {f.rule for f in findings}
    for finding in findings:
        assert finding.severity is Severity.ERROR
        assert finding.rule in RULES and finding.rule != "invalid-file"
        assert finding.why == RULES[finding.rule].why


def test_missing_directory(tmp_path):
    findings = layout_findings(problems_of(tmp_path / "nowhere"))

    assert [(f.rule, f.version) for f in findings] == [("missing-directory", None)]


def test_location_and_version_come_from_the_problem_and_file_name(tmp_path):
    directory = write(tmp_path / "m", {**OK, "0002_b.up.sql": "SELECT 1;\nSELECT 'x;\n",
                                       "0002_b.down.sql": "SELECT 1;"})  # fmt: skip

    [finding] = layout_findings(problems_of(directory))

    assert (finding.rule, finding.path.name, finding.line, finding.version) == (
        "unterminated",
        "0002_b.up.sql",
        2,
        2,
    )
    assert "unterminated string" in finding.message


def test_an_unknown_problem_falls_back_to_invalid_file(tmp_path):
    problem = FileProblem(tmp_path / "x.sql", "something new went wrong")

    [finding] = layout_findings([problem])

    assert (finding.rule, finding.severity, finding.version) == (
        "invalid-file",
        Severity.ERROR,
        None,
    )
    assert finding.message == "something new went wrong"


def test_findings_are_sorted(tmp_path):
    directory = write(tmp_path / "m", {"0002_b.up.sql": "SELECT 1;", "0001_a.up.sql": "BEGIN;",
                                       "0001_a.down.sql": "SELECT 1;"})  # fmt: skip

    findings = layout_findings(problems_of(directory))

    assert [(f.version, f.rule) for f in findings] == [
        (1, "transaction-control"),
        (2, "missing-down"),
    ]


def test_a_refused_statement_is_classified_by_its_kind_not_its_sentence(tmp_path):
    problems = [
        KindedFileProblem(tmp_path / "0003_c.up.sql", "reworded entirely", 4, kind)
        for kind in ProblemKind
    ]

    findings = layout_findings(problems)

    assert sorted(f.rule for f in findings) == sorted(kind.value for kind in ProblemKind)
    assert {(f.line, f.version, f.message) for f in findings} == {(4, 3, "reworded entirely")}


@pytest.mark.parametrize("kind", list(ProblemKind), ids=str)
def test_each_refusal_rule_gives_the_files_stage_advice(kind):
    rule = RULES[kind.value]

    assert rule.severity is Severity.ERROR
    assert (rule.summary, rule.why, rule.instead) == (
        ADVICE[kind].summary,
        ADVICE[kind].why,
        ADVICE[kind].instead,
    )


def test_transaction_control_advice_no_longer_sends_the_file_to_no_transaction():
    # A no-transaction file refuses transaction control too: that was no way out.
    instead = RULES["transaction-control"].instead

    assert "no-transaction" not in instead
    assert "first and last statements" in instead and "split the file" in instead


def test_the_problem_and_its_rule_give_the_same_way_out(tmp_path):
    directory = write(tmp_path / "m", {**OK, "0002_b.up.sql": "CREATE TABLE t (x int);\n"
                                                              "VACUUM t;\n\\set x 1\n",
                                       "0002_b.down.sql": "DROP TABLE t;"})  # fmt: skip

    by_rule = {f.rule: f for f in layout_findings(problems_of(directory))}

    own_file, psql = by_rule["needs-own-file"], by_rule["psql-meta-command"]
    assert (own_file.line, psql.line) == (2, 3)
    assert OWN_MIGRATION in own_file.message and OWN_MIGRATION in own_file.instead
    assert NO_TRANSACTION in own_file.message and NO_TRANSACTION in own_file.instead
    assert PSQL_WHY in psql.message and psql.why == PSQL_WHY
