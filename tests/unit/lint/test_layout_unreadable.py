"""layout_findings for files that read but cannot run: NUL bytes, versions beyond bigint, and
paths named like migrations that are not regular files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from schemactl.errors import MigrationFileError
from schemactl.files.migrations import load_directory
from schemactl.lint import RULES, Severity, layout_findings
from schemactl.lint.layout import layout_rules

OK = {"0001_a.up.sql": b"SELECT 1;", "0001_a.down.sql": b"SELECT 1;"}


def nul_byte(directory: Path) -> None:
    (directory / "0002_b.up.sql").write_bytes(b"SELECT 1;\nSELECT '\x00';")
    (directory / "0002_b.down.sql").write_bytes(b"SELECT 1;")


def version_beyond_bigint(directory: Path) -> None:
    (directory / "9223372036854775808_b.up.sql").write_bytes(b"SELECT 1;")
    (directory / "9223372036854775808_b.down.sql").write_bytes(b"SELECT 1;")


def a_directory(directory: Path) -> None:
    (directory / "0002_b.up.sql").mkdir()
    (directory / "0002_b.down.sql").write_bytes(b"SELECT 1;")


def a_fifo(directory: Path) -> None:
    os.mkfifo(directory / "0002_b.down.sql")
    (directory / "0002_b.up.sql").write_bytes(b"SELECT 1;")


def a_dangling_symlink(directory: Path) -> None:
    (directory / "0002_b.up.sql").symlink_to("gone.sql")
    (directory / "0002_b.down.sql").write_bytes(b"SELECT 1;")


CASES = [
    ("nul-byte", nul_byte),
    ("version-too-large", version_beyond_bigint),
    ("not-regular-file", a_directory),
    ("not-regular-file", a_fifo),
    ("not-regular-file", a_dangling_symlink),
]


@pytest.mark.parametrize(("rule", "make"), CASES, ids=[make.__name__ for _, make in CASES])
def test_each_problem_gets_its_own_rule(tmp_path, rule, make):
    directory = tmp_path / "m"
    directory.mkdir()
    for name, content in OK.items():
        (directory / name).write_bytes(content)
    make(directory)

    with pytest.raises(MigrationFileError) as raised:
        load_directory(directory)
    findings = layout_findings(raised.value.problems)

    assert {f.rule for f in findings} == {rule}
    for finding in findings:
        assert finding.severity is Severity.ERROR
        assert finding.why == RULES[rule].why


def test_the_new_rules_are_layout_rules():
    assert {"nul-byte", "version-too-large", "not-regular-file"} <= {r.id for r in layout_rules()}
