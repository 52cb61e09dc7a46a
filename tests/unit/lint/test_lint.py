"""The lint API: suppression, validation of disabled ids, locations, order, the rule registry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schemactl.errors import UsageError
from schemactl.files.migrations import load_directory
from schemactl.lint import RULES, Finding, Rule, Severity, lint
from schemactl.lint.registry import CHECKS, LAYOUT_RULE_IDS, LINT_RULE_IDS
from tests.unit.lint.test_rules import USERS, on_users

SETS = Path(__file__).resolve().parents[3] / "sql"
RULES_DIR = Path(__file__).resolve().parents[3] / "schemactl" / "lint" / "rules"

INDEX_ON_USERS = on_users("CREATE INDEX users_email ON users (email);", "DROP INDEX users_email;")


def ids(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


@pytest.mark.parametrize("name", ["agentlink", "genesis", "postcard", "video_studio", "z_image"])
def test_the_example_sets_have_no_errors(name):
    findings = lint(load_directory(SETS / name))

    assert [f for f in findings if f.severity is Severity.ERROR] == []


def test_a_file_directive_silences_a_rule_for_that_file_only(lint_spec):
    spec = {
        "0001_users": USERS,
        "0002_a": ("-- schemactl:disable=require-concurrent-index\n"
                   "CREATE INDEX users_email ON users (email);", "DROP INDEX users_email;"),
        "0003_b": ("CREATE INDEX users_id ON users (id);", "DROP INDEX users_id;"),
    }  # fmt: skip

    found = [f for f in lint_spec(spec) if f.rule == "require-concurrent-index"]

    assert [f.path.name for f in found] == ["0003_b.up.sql"]


def test_a_directive_in_the_down_file_silences_findings_on_the_down(lint_spec):
    spec = on_users("INSERT INTO users (id) VALUES (1);", "-- schemactl:disable=empty-down\n")

    assert "empty-down" not in ids(lint_spec(spec))


def test_configuration_wide_disabled_silences_a_rule_everywhere(lint_spec):
    assert "require-concurrent-index" in ids(lint_spec(INDEX_ON_USERS))

    findings = lint_spec(INDEX_ON_USERS, disabled=frozenset({"require-concurrent-index"}))

    assert "require-concurrent-index" not in ids(findings)


def test_unknown_disabled_rule_is_a_usage_error_naming_it(lint_spec):
    with pytest.raises(UsageError) as raised:
        lint_spec(INDEX_ON_USERS, disabled=frozenset({"no-such-rule", "ban-drop-table"}))

    assert "no-such-rule" in raised.value.message
    assert "ban-drop-table" not in raised.value.message


def test_layout_rules_cannot_be_disabled(lint_spec):
    with pytest.raises(UsageError) as raised:
        lint_spec(INDEX_ON_USERS, disabled=frozenset({"missing-down"}))

    assert "missing-down" in raised.value.message


def test_rules_of_other_checks_may_be_disabled_and_named_in_directives(lint_spec):
    spec = {"0001_users": ("-- schemactl:disable=not-idempotent\n" + USERS[0], USERS[1])}

    findings = lint_spec(
        spec, disabled=frozenset({"down-fails"}), other_rules=["down-fails", "not-idempotent"]
    )

    assert "unknown-rule-in-directive" not in ids(findings)


def test_line_points_at_the_first_line_of_the_statement(lint_spec):
    up = (
        "-- Index the e-mail addresses.\n"
        "\n"
        "SELECT 1;\n"
        "/* a comment */ CREATE INDEX\n"
        "    users_email\n"
        "    ON users (email);\n"
    )

    found = [f for f in lint_spec(on_users(up)) if f.rule == "require-concurrent-index"]

    assert [(f.path.name, f.line, f.version) for f in found] == [("0002_change.up.sql", 4, 2)]


def test_findings_are_sorted_by_version_path_line_and_rule(lint_spec):
    spec = {
        "0001_users": USERS,
        "0002_many": ("CREATE INDEX b ON users (email);\n"
                      "ALTER TABLE users ADD COLUMN t timestamp;\n"
                      "ALTER TABLE users RENAME COLUMN email TO mail;", "SELECT 1;"),
        "0004_gap": ("VACUUM users;", "SELECT 1;"),
    }  # fmt: skip

    findings = lint_spec(spec)

    keys = [(f.version, str(f.path), f.line or 0, f.rule) for f in findings]
    assert keys == sorted(keys)
    assert len(set(ids(findings))) >= 4

    def shape(found: list[Finding]) -> list[tuple[str, str, int | None, str]]:
        return [(f.rule, f.path.name, f.line, f.message) for f in found]

    assert shape(lint_spec(spec)) == shape(findings)


def test_findings_carry_their_rules_advice(lint_spec):
    for finding in lint_spec(INDEX_ON_USERS):
        rule = RULES[finding.rule]
        assert (finding.severity, finding.why, finding.instead) == (
            rule.severity,
            rule.why,
            rule.instead,
        )


def test_rules_describes_every_lint_and_layout_rule():
    assert set(RULES) == LINT_RULE_IDS | LAYOUT_RULE_IDS
    assert not LINT_RULE_IDS & LAYOUT_RULE_IDS
    for rule_id, rule in RULES.items():
        assert isinstance(rule, Rule) and rule.id == rule_id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id)
        assert isinstance(rule.severity, Severity)
        for text in (rule.summary, rule.why, rule.instead):
            assert text and "\n" not in text and not text.endswith(".")


def test_each_rule_module_is_registered_under_its_own_id():
    modules = {p.stem for p in RULES_DIR.glob("*.py") if p.stem != "__init__"}

    assert modules == {rule.id.replace("-", "_") for rule, _ in CHECKS}


def test_importing_lint_loads_neither_sqlparse_nor_psycopg():
    probe = (
        "import json, sys\n"
        "import schemactl.lint\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('psycopg', 'sqlparse'))))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
