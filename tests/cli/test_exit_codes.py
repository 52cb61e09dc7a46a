"""Exit codes a CI job can rely on, and output that never leaks a password or a traceback."""

from __future__ import annotations

import psycopg
import pytest

import schemactl
from schemactl import operations
from schemactl.errors import ExitCode
from schemactl.run import db
from tests.cli.conftest import invoke, relation_exists
from tests.conftest import url_for

UNREACHABLE = "postgresql://postgres:s3cretpass@127.0.0.1:1/x"
USERS = ("CREATE TABLE users (id int);", "DROP TABLE users;")


def test_version_exits_0():
    result = invoke(["--version"])

    assert result.stdout.strip() == f"schemactl {schemactl.__version__}"


@pytest.mark.parametrize("command", [["up"], ["down"], ["status"], ["repair", "1", "--forget"]])
def test_unreachable_server_exits_3_without_the_password(command, migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke([*command, "--dir", directory, "--database-url", UNREACHABLE],
                    ExitCode.ENVIRONMENT)  # fmt: skip

    assert "cannot connect to database x on 127.0.0.1:1 as postgres" in result.stderr
    assert "s3cretpass" not in result.output


def test_unreachable_key_value_connection_string_exits_3_without_the_password(migration_dir):
    directory = migration_dir({"0001_users": USERS})
    dsn = "host=127.0.0.1 port=1 user=postgres password=s3cretpass dbname=x"

    result = invoke(["up", "--dir", directory, "--database-url", dsn], ExitCode.ENVIRONMENT)

    assert "s3cretpass" not in result.output


def test_malformed_connection_string_exits_3_without_the_password(migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(
        ["up", "--dir", directory, "--database-url", "password=s3cretpass nonsense"],
        ExitCode.ENVIRONMENT,
    )

    assert "s3cretpass" not in result.output


def test_run_lock_held_elsewhere_exits_3_naming_the_holder(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    key = db.lock_key("public.schemactl_migrations")
    with psycopg.connect(url_for(conn), autocommit=True, application_name="other-run") as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))
        pid = other.info.backend_pid

        result = invoke(["up", "--wait", "0.3", *target(directory)], ExitCode.ENVIRONMENT)

    assert "another schemactl run holds the lock" in result.stderr
    assert f"held by pid {pid} (other-run, user postgres" in result.stderr
    assert f"waiting for the run lock, held by pid {pid} (other-run" in result.stderr
    assert not relation_exists(conn, "users")


def test_a_lock_on_another_ledger_does_not_block(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    key = db.lock_key("public.schemactl_migrations")
    with psycopg.connect(url_for(conn), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (key,))

        invoke(["up", "--wait", "0", "--ledger-table", "ops.ledger", *target(directory)])

    assert relation_exists(conn, "users")


def test_internal_error_exits_70_with_a_masked_traceback_and_no_locals(
    monkeypatch, migration_dir, target
):
    def broken(settings, **kwargs):
        local_secret = "l0calvalue"  # noqa: F841 -- must not be shown: no locals in tracebacks
        raise RuntimeError("boom at postgresql://postgres:s3cretpass@db.example/x")

    monkeypatch.setattr(operations, "up", broken)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", *target(directory)], ExitCode.INTERNAL)

    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom at postgresql://postgres:****@db.example/x" in result.stderr
    assert "internal error (a bug in schemactl)" in result.stderr
    assert "s3cretpass" not in result.output
    assert "l0calvalue" not in result.output


def test_keyboard_interrupt_exits_130(monkeypatch, migration_dir, target):
    def interrupted(settings, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(operations, "up", interrupted)
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", *target(directory)], ExitCode.INTERRUPTED)

    assert "error: interrupted" in result.stderr


def test_debug_adds_a_traceback_to_a_user_error(tmp_path, target):
    result = invoke(["up", "--debug", *target(tmp_path / "nope")], ExitCode.USAGE)

    assert "Traceback" in result.stderr
    assert "migration directory does not exist" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["up", "--no-such-flag"], ["up", "--to", "three"], ["frobnicate"], ["down", "many"]],
)
def test_bad_command_line_exits_2(args):
    invoke(args, ExitCode.USAGE)
