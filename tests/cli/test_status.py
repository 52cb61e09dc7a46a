"""``schemactl status``: the table, --json by value, --exit-code."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, relation_exists

SPEC = {
    "0001_users": ("CREATE TABLE users (id int);", "DROP TABLE users;"),
    "0002_orders": ("CREATE TABLE orders (id int);", "DROP TABLE orders;"),
}


def test_status_json_lists_applied_and_pending_versions(conn, migration_dir, target):
    directory = migration_dir(SPEC)
    invoke(["up", "--to", "1", *target(directory)])

    report = json_out(invoke(["status", "--json", *target(directory)]))

    assert report["directory"] == str(directory)
    assert report["ledger_table"] == "public.schemactl_migrations"
    assert report["summary"] == {"applied": 1, "pending": 1}
    first, second = report["migrations"]
    assert (first["version"], first["name"], first["state"]) == (1, "users", "applied")
    assert first["applied_by"] == "postgres" and first["applied_at"] is not None
    assert first["checksum"] == first["file_checksum"]
    assert second == {
        "version": 2,
        "name": "orders",
        "state": "pending",
        "applied_at": None,
        "applied_by": None,
        "execution_ms": None,
        "checksum": None,
        "file_checksum": second["file_checksum"],
        "statements_done": None,
        "statement_sent": None,
        "down_checksum": None,
        "down_file_checksum": second["down_file_checksum"],
        "baselined_from": None,
        "transaction": "one",
        "wrapped": False,
        "runs_alone": None,
    }


def test_status_table_goes_to_stdout_and_counts_to_stderr(migration_dir, target):
    directory = migration_dir(SPEC)
    invoke(["up", "--to", "1", *target(directory)])

    result = invoke(["status", *target(directory)])

    lines = result.stdout.splitlines()
    assert lines[0].split() == ["version", "name", "state", "applied", "at", "duration"]
    assert lines[1].split()[:3] == ["1", "users", "applied"]
    assert lines[2].split() == ["2", "orders", "pending"]
    assert result.stderr.strip() == "1 applied, 1 pending"


def test_status_does_not_create_the_ledger(conn, migration_dir, target):
    directory = migration_dir(SPEC)

    report = json_out(invoke(["status", "--json", *target(directory)]))

    assert report["summary"] == {"pending": 2}
    assert not relation_exists(conn, "public.schemactl_migrations")


def test_status_exit_code_is_1_when_something_is_pending(migration_dir, target):
    directory = migration_dir(SPEC)

    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)
    invoke(["status", *target(directory)])


def test_status_exit_code_is_0_when_everything_is_applied(migration_dir, target):
    directory = migration_dir(SPEC)
    invoke(["up", *target(directory)])

    invoke(["status", "--exit-code", *target(directory)])


def test_status_of_an_empty_directory_says_so(migration_dir, target):
    directory = migration_dir({})

    result = invoke(["status", "--exit-code", *target(directory)])

    assert "no migrations in" in result.stdout


def test_status_json_stays_valid_when_statements_look_like_passwords(migration_dir, target):
    directory = migration_dir({"0001_users": ("CREATE TABLE u (password text);", "DROP TABLE u;")})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").write_text(
        "CREATE TABLE u (password text);\nUPDATE u SET password = NULL;\n"
    )

    report = json_out(invoke(["status", "--json", *target(directory)]))
    human = invoke(["status", *target(directory)])

    (change,) = report["migrations"][0]["changed_statements"]
    assert change["current"] == "update u set password = null"
    assert "+ update u set password = null" in human.stdout


def test_output_has_no_colour_codes_without_a_terminal(migration_dir, target):
    directory = migration_dir(SPEC)

    result = invoke(["status", *target(directory)])

    assert "\x1b[" not in result.output
