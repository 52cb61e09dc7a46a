"""The one way CLI tests run schemactl: ``invoke(args, expect=ExitCode.X)``.

``typer.testing.CliRunner`` keeps stdout and stderr apart: ``result.stdout`` holds data
(tables, JSON, dry-run SQL), ``result.stderr`` progress and errors, ``result.output`` both
interleaved as a user would see them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from schemactl.cli.app import app
from schemactl.errors import ExitCode
from tests.cli.holders import HOLDER_APP
from tests.conftest import url_for


def invoke(
    args: Sequence[str | Path], expect: ExitCode = ExitCode.OK, *, input: str | None = None
) -> Result:
    """Run ``schemactl ARGS`` in-process and assert its exit code.

    Any exception other than SystemExit propagates (``catch_exceptions=False``), so a crash
    can never pass as an expected exit code. On a mismatch the assertion shows both streams.
    Output of anything but an internal error, or a run with --debug, must hold no traceback.
    """
    argv = [str(arg) for arg in args]
    result = CliRunner().invoke(app, argv, input=input, catch_exceptions=False)
    shown = (
        f"schemactl {' '.join(argv)}\nexit code {result.exit_code}, expected {int(expect)}\n"
        f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
    )
    assert result.exit_code == expect, shown
    if expect is not ExitCode.INTERNAL and "--debug" not in argv:
        assert "Traceback" not in result.output, shown
    return result


def json_out(result: Result) -> Any:
    """The JSON document a ``--json`` run printed on stdout."""
    return json.loads(result.stdout)


@pytest.fixture(autouse=True)
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from an empty directory, so no stray schemactl.toml is read."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def target(database_url: str) -> Callable[[Path], list[str]]:
    """``target(directory)``: the flags that point a command at ``directory`` and the test DB."""

    def flags(directory: Path) -> list[str]:
        return ["--dir", str(directory), "--database-url", database_url]

    return flags


def ledger_versions(conn: Any, table: str = '"public"."schemactl_migrations"') -> list[int]:
    """Versions recorded in the ledger, in order (the table must exist)."""
    return [row[0] for row in conn.execute(f"SELECT version FROM {table} ORDER BY version")]


def relation_exists(conn: Any, name: str) -> bool:
    """True when ``name`` (as written in SQL, may be schema-qualified) resolves to a relation."""
    return conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is not None


@pytest.fixture
def holder(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """Another session reading table t in a transaction it keeps open (ACCESS SHARE); see
    tests/cli/holders.py for releasing it once the run has looked."""
    conn.execute("CREATE TABLE t (id int)")
    with psycopg.connect(url_for(conn), application_name=HOLDER_APP) as other:
        other.execute("SELECT 1 FROM t LIMIT 1")
        yield other
        other.rollback()


@pytest.fixture
def check(database_url):
    """``check(directory, *flags, expect=...)``: ``check --json`` with a server for its
    scratch databases; its report."""

    def run(directory, *flags, expect=ExitCode.OK):
        args = ["check", "--json", "--dir", directory, "--database-url", database_url, *flags]
        return json_out(invoke(args, expect=expect))

    return run
