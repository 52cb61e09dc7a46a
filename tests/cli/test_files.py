"""A bad migration directory: exit 2, every problem named with its file, nothing applied."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, relation_exists

GOOD = ("CREATE TABLE good (id int);", "DROP TABLE good;")


def write(directory, name, content):
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


# name -> (files to add beside a good 0001 pair, file the message names, words in the message)
CASES = {
    "duplicate_version": (
        {"2_orders.up.sql": "SELECT 1;", "2_orders.down.sql": "SELECT 1;",
         "0002_items.up.sql": "SELECT 1;", "0002_items.down.sql": "SELECT 1;"},
        "0002_items.up.sql",
        "duplicate version 2",
    ),
    "upper_case_name": (
        {"0002_Orders.up.sql": "SELECT 1;", "0002_Orders.down.sql": "SELECT 1;"},
        "0002_Orders.up.sql",
        "file name does not match",
    ),
    "missing_version_prefix": (
        {"orders.up.sql": "SELECT 1;"},
        "orders.up.sql",
        "file name does not match",
    ),
    "up_without_down": (
        {"0002_orders.up.sql": "SELECT 1;"},
        "0002_orders.up.sql",
        "up file has no down file",
    ),
    "down_without_up": (
        {"0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.down.sql",
        "down file has no up file",
    ),
    "non_utf8": (
        {"0002_orders.up.sql": b"SELECT '\xe9t\xe9';\n", "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:1",
        "not valid UTF-8",
    ),
    "empty_file": (
        {"0002_orders.up.sql": "", "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql",
        "file is empty",
    ),
    "whitespace_only_file": (
        {"0002_orders.up.sql": "SELECT 1;", "0002_orders.down.sql": "\n  \n"},
        "0002_orders.down.sql",
        "file is empty",
    ),
    "unknown_directive": (
        {"0002_orders.up.sql": "-- schemactl:no_transaction\nSELECT 1;",
         "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:1",
        "unknown directive 'schemactl:no_transaction'",
    ),
    "directive_after_first_statement": (
        {"0002_orders.up.sql": "SELECT 1;\n-- schemactl:no-transaction\n",
         "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:2",
        "directives must come before the first statement",
    ),
    "down_beside_irreversible_up": (
        {"0002_orders.up.sql": "-- schemactl:irreversible\nSELECT 1;",
         "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.down.sql",
        "declared irreversible",
    ),
    "transaction_control": (
        {"0002_orders.up.sql": "BEGIN;\nSELECT 1;\nCOMMIT;", "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:3",
        "transaction control statement",
    ),
    "unterminated_string": (
        {"0002_orders.up.sql": "SELECT 1;\nSELECT 'oops;\n", "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:2",
        "unterminated string",
    ),
    "mismatched_pair_names": (
        {"0002_orders.up.sql": "SELECT 1;", "0002_items.down.sql": "SELECT 1;"},
        "0002_items.down.sql",
        "does not match its up",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_directory_exits_2_naming_the_file_and_applies_nothing(
    case, conn, migration_dir, target
):
    files, named, words = CASES[case]
    directory = migration_dir({"0001_good": GOOD})
    for name, content in files.items():
        write(directory, name, content)

    result = invoke(["up", *target(directory)], ExitCode.USAGE)

    assert f"{directory / named}" in result.stderr
    assert words in result.stderr
    assert not relation_exists(conn, "good")
    assert not relation_exists(conn, "public.schemactl_migrations")


def test_every_problem_is_reported_at_once(conn, migration_dir, target):
    directory = migration_dir({"0001_good": GOOD})
    write(directory, "0002_a.up.sql", "SELECT 1;")
    write(directory, "0003_b.down.sql", "SELECT 1;")
    write(directory, "0004_c.up.sql", b"\xff")
    write(directory, "0004_c.down.sql", "")
    write(directory, "0005_Bad.up.sql", "SELECT 1;")

    result = invoke(["status", *target(directory)], ExitCode.USAGE)

    assert "migration directory has 5 problems" in result.stderr
    for name in ("0002_a.up.sql", "0003_b.down.sql", "0004_c.up.sql", "0004_c.down.sql"):
        assert str(directory / name) in result.stderr
    assert str(directory / "0005_Bad.up.sql") in result.stderr


def test_missing_directory_is_a_usage_error(tmp_path, target):
    result = invoke(["up", *target(tmp_path / "nope")], ExitCode.USAGE)

    assert "migration directory does not exist" in result.stderr


def test_other_files_in_the_directory_are_ignored(conn, migration_dir, target):
    directory = migration_dir({"0001_good": GOOD})
    write(directory, "README.md", "notes")
    write(directory, "schema.sql", "garbage that is not a migration")
    (directory / "archive").mkdir()

    invoke(["up", *target(directory)])

    assert relation_exists(conn, "good")


def test_irreversible_up_without_down_is_valid(conn, migration_dir, target):
    directory = migration_dir({"0001_good": "-- schemactl:irreversible\nCREATE TABLE good ();"})

    invoke(["up", *target(directory)])

    assert relation_exists(conn, "good")


def test_known_directives_are_accepted(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_good": (
                "-- schemactl:idempotent\n-- schemactl: disable=rule-a,rule-b\n"
                "CREATE TABLE IF NOT EXISTS good ();",
                "DROP TABLE good;",
            )
        }
    )

    invoke(["up", *target(directory)])

    assert relation_exists(conn, "good")
