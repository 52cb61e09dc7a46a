"""A ``--json`` command that fails prints one ``{"error": {...}}`` document on stdout.

Whatever ends the run (a SchemactlError of any exit code, a bad command line, Ctrl-C, a bug),
stdout must parse as exactly one JSON document, so ``schemactl up --json | jq`` never reads
an empty or doubled stream; the human message still goes to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from typer.testing import Result

from schemactl import errors, operations
from schemactl.cli import migrate
from schemactl.errors import ExitCode
from schemactl.render import human
from schemactl.run import db
from tests.cli.conftest import invoke, json_out
from tests.conftest import url_for

UNREACHABLE = "postgresql://postgres:s3cretpass@127.0.0.1:1/x"
USERS = ("CREATE TABLE users (id int);", "DROP TABLE users;")
TO_THREE = "Invalid value for '--to': 'three' is not a valid int."
KEYS = ["message", "detail", "hint", "exit_code", "file", "line", "sqlstate", "dirty", "problems"]


def error_of(result: Result) -> dict[str, Any]:
    """The error object of a failed ``--json`` run, once stdout is known to hold it alone."""
    document = json_out(result)  # json.loads refuses a second document ("Extra data")
    assert list(document) == ["error"], result.stdout
    error = document["error"]
    assert list(error) == KEYS, error
    assert error["exit_code"] == result.exit_code
    assert "s3cretpass" not in result.output
    return error


def stderr_error(result: Result) -> str:
    """The message the human error on stderr starts with."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0].removeprefix("error: ")


def test_a_failing_migration_reports_its_file_line_and_sqlstate(migration_dir, target):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_backfill": (
                "CREATE TABLE t (a int);\nUPDATE t\n   SET a = emial;\n",
                "DROP TABLE t;",
            ),
        }
    )

    result = invoke(["up", "--json", *target(directory)], ExitCode.MIGRATION_FAILED)

    error = error_of(result)
    assert error["file"] == str(directory / "0002_backfill.up.sql")
    assert error["line"] == 3
    assert error["sqlstate"] == "42703"
    assert error["dirty"] is False
    assert error["problems"] == []
    assert 'column "emial" does not exist' in error["message"]
    assert error["message"] == stderr_error(result)
    assert error["detail"].startswith("statement 2: UPDATE t")
    assert error["exit_code"] == 4


def test_a_no_transaction_migration_that_fails_midway_says_it_is_dirty(migration_dir, target):
    up = """
    -- schemactl:no-transaction
    CREATE TABLE a (id int);
    CREATE INDEX CONCURRENTLY b_id ON b (id);
    """
    directory = migration_dir({"0001_indexes": (up, "DROP TABLE a;")})

    result = invoke(["up", "--json", *target(directory)], ExitCode.MIGRATION_FAILED)

    error = error_of(result)
    assert error["dirty"] is True
    assert error["sqlstate"] == "42P01"
    assert error["file"] == str(directory / "0001_indexes.up.sql")
    assert error["line"] == 3


def test_migration_file_errors_list_every_problem_with_its_file_and_line(migration_dir, target):
    directory = migration_dir(
        {
            "0001_users": "CREATE TABLE users (id int);",
            "0002_orders": ("-- schemactl:bogus\nCREATE TABLE orders (id int);", "DROP TABLE o;"),
        }
    )

    result = invoke(["up", "--json", *target(directory)], ExitCode.USAGE)

    error = error_of(result)
    assert error["message"] == "migration directory has 2 problems"
    users, orders = (str(directory / f"{stem}.up.sql") for stem in ("0001_users", "0002_orders"))
    problems = {(p["file"], p["line"]): p["message"] for p in error["problems"]}
    assert list(problems) == [(users, None), (orders, 1)]
    assert problems[users, None].startswith("up file has no down file")
    assert "unknown directive 'schemactl:bogus'" in problems[orders, 1]
    # Two places: the error as a whole is at neither.
    assert error["file"] is None and error["line"] is None
    assert error["sqlstate"] is None and error["dirty"] is None


def test_a_single_file_problem_is_also_the_errors_own_place(tmp_path, target):
    missing = tmp_path / "nope"

    result = invoke(["status", "--json", *target(missing)], ExitCode.USAGE)

    error = error_of(result)
    assert error["problems"] == [
        {"file": str(missing), "line": None, "message": "migration directory does not exist"}
    ]
    assert error["file"] == str(missing)
    assert error["hint"] == "pass --dir, or set dir in schemactl.toml"


@pytest.mark.parametrize(
    "command", [["up"], ["down"], ["status"], ["diff"], ["dump", "--from", UNREACHABLE]]
)
def test_an_unreachable_server_is_reported_with_the_password_masked(command, migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(
        [*command, "--json", "--dir", directory, "--database-url", UNREACHABLE],
        ExitCode.ENVIRONMENT,
    )

    error = error_of(result)
    assert error["message"] == "cannot connect to database x on 127.0.0.1:1 as postgres"
    assert "Connection refused" in error["detail"]
    assert error["hint"] is not None
    assert error["exit_code"] == 3


def test_a_password_in_a_malformed_connection_string_is_masked(migration_dir):
    directory = migration_dir({"0001_users": USERS})
    dsn = "password=s3cretpass nonsense"

    result = invoke(["up", "--json", "--dir", directory, "--database-url", dsn],
                    ExitCode.ENVIRONMENT)  # fmt: skip

    message = error_of(result)["message"]
    assert message.startswith("cannot connect to password=****")


def test_every_string_of_the_error_is_masked(monkeypatch, migration_dir, target):
    url = "postgresql://app:s3cretpass@db.example/x"

    def refused(settings, **kwargs):
        raise errors.RefusedError(f"refused {url}", detail=f"detail {url}", hint=f"hint {url}")

    monkeypatch.setattr(operations, "status", refused)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["status", "--json", *target(directory)], ExitCode.REFUSED)

    error = error_of(result)
    masked = "postgresql://app:****@db.example/x"
    assert (error["message"], error["detail"], error["hint"]) == (
        f"refused {masked}",
        f"detail {masked}",
        f"hint {masked}",
    )


def test_a_modified_applied_migration_is_refused(migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").write_text("CREATE TABLE users (id bigint);\n")

    for command in (["up"], ["down"]):
        result = invoke([*command, "--json", *target(directory)], ExitCode.REFUSED)

        error = error_of(result)
        assert "migration 1 users was modified after it was applied" in error["message"]
        assert error["message"] == stderr_error(result)
        assert error["exit_code"] == 5


def test_a_run_lock_held_elsewhere_is_reported(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    key = db.lock_key("public.schemactl_migrations")
    with psycopg.connect(url_for(conn), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))

        result = invoke(["up", "--json", "--wait", "0.2", *target(directory)],
                        ExitCode.ENVIRONMENT)  # fmt: skip

    assert "another schemactl run holds the lock" in error_of(result)["message"]


def test_check_reports_a_scratch_database_it_cannot_reach(migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(
        ["check", "--json", "--dir", directory, "--scratch-url", UNREACHABLE], ExitCode.ENVIRONMENT
    )

    assert error_of(result)["message"] == "cannot connect to database x on 127.0.0.1:1 as postgres"


def test_check_reports_a_bad_scratch_mode(migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["check", "--json", "--dir", directory, "--scratch", "bogus"], ExitCode.USAGE)

    error = error_of(result)
    assert error["message"] == "unknown scratch mode 'bogus'"
    assert error["hint"] == "use one of auto, server, embedded"


def test_check_findings_stay_a_normal_result(tmp_path):
    result = invoke(["check", "--json", "--lint-only", "--dir", tmp_path / "nope"],
                    ExitCode.CHECK_FAILED)  # fmt: skip

    assert "error" not in json_out(result)
    assert json_out(result)["passed"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["up", "--json", "--to", "three"],
            TO_THREE,
        ),
        (
            ["up", "--to", "three", "--json"],
            TO_THREE,
        ),
        (["down", "--json", "many"], "Invalid value for 'count': 'many' is not a valid int."),
        (["status", "--json", "--no-such-flag"], "No such option: --no-such-flag"),
        (["check", "--jobs", "0", "--json"], "0 is not in the range x>=1."),
        (["dump", "--json", "extra"], "Got unexpected extra argument(s) (extra)"),
    ],
)
def test_a_bad_command_line_gives_json_when_json_was_asked_for(args, message):
    result = invoke(args, ExitCode.USAGE)

    error = error_of(result)
    assert message in error["message"]
    assert error["hint"] == f"Try 'schemactl {args[0]} -h' for help."
    assert error["exit_code"] == 2
    assert error["file"] is None and error["problems"] == []


def test_a_missing_option_value_gives_json_without_a_hint_as_on_stderr():
    result = invoke(["diff", "--json", "--to"], ExitCode.USAGE)

    error = error_of(result)
    assert error["message"] == "Option '--to' requires an argument."
    assert error["hint"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["up", "--to", "three"],  # no --json
        ["up", "--", "--json"],  # --json only as an argument
        ["new", "x", "--json"],  # a command without --json
        ["frobnicate", "--json"],  # no command at all
        ["--json", "up"],  # the root takes no --json
    ],
)
def test_a_bad_command_line_without_json_keeps_stdout_empty(args):
    result = invoke(args, ExitCode.USAGE)

    assert result.stdout == ""


def test_a_usage_error_raised_by_a_command(migration_dir, target):
    directory = migration_dir({"0001_users": USERS})

    down = invoke(["down", "--all", "--json", *target(directory)], ExitCode.USAGE)
    dump = invoke(["dump", "--json", "--output", "a", "--check", "b"], ExitCode.USAGE)

    assert error_of(down)["message"] == "down --all needs confirmation"
    assert error_of(dump)["message"] == "--output and --check contradict each other"


def test_an_internal_error_gives_json_and_keeps_the_traceback_on_stderr(
    monkeypatch, migration_dir, target
):
    def broken(settings, **kwargs):
        raise RuntimeError("boom at postgresql://postgres:s3cretpass@db.example/x")

    monkeypatch.setattr(operations, "up", broken)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", "--json", *target(directory)], ExitCode.INTERNAL)

    error = error_of(result)
    assert error["message"] == "internal error (a bug in schemactl)"
    assert error["detail"] == "RuntimeError: boom at postgresql://postgres:****@db.example/x"
    assert "traceback" in error["hint"]
    assert "Traceback (most recent call last)" in result.stderr
    assert "Traceback" not in result.stdout


def test_ctrl_c_gives_json(monkeypatch, migration_dir, target):
    def interrupted(settings, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(operations, "up", interrupted)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", "--json", *target(directory)], ExitCode.INTERRUPTED)

    error = error_of(result)
    assert error["message"] == "interrupted"
    assert error["exit_code"] == 130
    assert "error: interrupted" in result.stderr


def test_an_interrupted_run_error_gives_json(monkeypatch, migration_dir, target):
    def interrupted(settings, **kwargs):
        raise errors.InterruptedRunError("interrupted while migration 1 users ran")

    monkeypatch.setattr(operations, "down", interrupted)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["down", "--json", *target(directory)], ExitCode.INTERRUPTED)

    assert error_of(result)["message"] == "interrupted while migration 1 users ran"


def test_an_aborted_confirmation_gives_json(monkeypatch, migration_dir, target):
    def aborted(directory: Path) -> None:
        raise typer.Abort()

    monkeypatch.setattr(migrate, "_confirm_all", aborted)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["down", "--all", "--json", *target(directory)], ExitCode.CHECK_FAILED)

    assert error_of(result)["message"] == "aborted"


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_failure_after_the_result_was_printed_adds_no_second_document(
    failure, monkeypatch, migration_dir, target
):
    def summary(terminal, result):
        raise failure

    monkeypatch.setattr(human, "run_summary", summary)
    directory = migration_dir({"0001_users": USERS})
    expected = ExitCode.INTERRUPTED if failure is KeyboardInterrupt else ExitCode.INTERNAL

    result = invoke(["up", "--json", *target(directory)], expected)

    document = json_out(result)
    assert "error" not in document
    assert [m["version"] for m in document["ran"]] == [1]
    assert result.stderr.count("error: ") == 1


def test_debug_keeps_json_on_stdout_and_the_traceback_on_stderr(tmp_path, target):
    result = invoke(["up", "--json", "--debug", *target(tmp_path / "nope")], ExitCode.USAGE)

    assert error_of(result)["message"] == "migration directory has 1 problem"
    assert "Traceback" in result.stderr


def test_the_human_error_is_unchanged_without_json(migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").write_text("CREATE TABLE users (id bigint);\n")

    result = invoke(["up", *target(directory)], ExitCode.REFUSED)

    assert result.stdout == ""
    assert "migration 1 users was modified after it was applied" in stderr_error(result)
