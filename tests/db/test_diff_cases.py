"""Diff cases as data: ``tests/diff/cases/<case>/{a.sql,b.sql,expected.txt}``.

For each case, a.sql builds the expected schema in one database and b.sql the actual one in
another. The report and the suggested SQL must match ``expected.txt``; then the suggestions
are applied to the actual database and a second diff must be empty, except for what the
suggestions marked ``-- manual:``, which must be all that is left.

Regenerate the golden files after an intended change, and review them as a diff:

    SCHEMACTL_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/db/test_diff_cases.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import psycopg
import pytest
from rich.console import Console

from schemactl.catalog.digest import fingerprint
from schemactl.catalog.load import load_schema
from schemactl.render.diff import render_changes, suggestions_text
from schemactl.schema.diff import Change, diff_models, suggest_sql
from tests.db.conftest import execute_script

CASES = Path(__file__).parent.parent / "diff" / "cases"
# Read at import: the autouse isolated_env fixture clears SCHEMACTL_* for each test.
UPDATE = os.environ.get("SCHEMACTL_UPDATE_GOLDEN") == "1"


def report(changes: list[Change], statements: list[str]) -> str:
    out = io.StringIO()
    render_changes(Console(file=out, width=160, color_system=None), changes)
    text = "\n".join(line.rstrip() for line in out.getvalue().splitlines())
    return f"{text}\n\n{suggestions_text(statements) if statements else '-- nothing to suggest'}\n"


def manual_note(change: Change) -> str:
    return f"-- manual: {change.object_type} {change.name}: {change.property} differs"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case(case: str, conn: psycopg.Connection, second_database: psycopg.Connection):
    directory = CASES / case
    execute_script(conn, (directory / "a.sql").read_text())
    execute_script(second_database, (directory / "b.sql").read_text())
    expected, actual = load_schema(conn), load_schema(second_database)

    changes = diff_models(expected, actual)
    statements = suggest_sql(changes, expected, actual)

    golden = directory / "expected.txt"
    if UPDATE:
        golden.write_text(report(changes, statements))
    assert report(changes, statements) == golden.read_text()
    if case.startswith("same_"):
        assert changes == []
    else:
        assert changes, "a case that is not named same_* must differ"
        # check trusts equal digests without looking further: a difference must show.
        assert fingerprint(conn) != fingerprint(second_database)

    for statement in statements:
        if not statement.startswith("-- manual:"):
            second_database.execute(statement)
    left = diff_models(expected, load_schema(second_database))

    notes = [s for s in statements if s.startswith("-- manual:")]
    assert [manual_note(c) for c in left] == [n.removesuffix("; change it by hand") for n in notes]
