"""A bad migration directory: exit 2, every problem named with its file, nothing applied."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

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
        {"0002_orders.up.sql": "SELECT 1;\nCOMMIT;\nSELECT 2;",
         "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:2",
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
    "nul_byte": (
        {"0002_orders.up.sql": b"SELECT 1;\nSELECT 'a\x00b';\n",
         "0002_orders.down.sql": "SELECT 1;"},
        "0002_orders.up.sql:2",
        "contains a NUL byte",
    ),
    "version_beyond_bigint": (
        {"9223372036854775808_orders.up.sql": "SELECT 1;",
         "9223372036854775808_orders.down.sql": "SELECT 1;"},
        "9223372036854775808_orders.up.sql",
        "version is too large",
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


@pytest.fixture
def no_hang():
    """Turn a read that would block (a FIFO opened without a writer) into a failure."""

    def expired(signum, frame):
        raise TimeoutError("schemactl blocked reading the migration directory")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def symlink_to_a_directory(path):
    (path.parent / "elsewhere").mkdir()
    path.symlink_to("elsewhere")


# kind -> (make it at a path, the words that name it)
NOT_REGULAR = {
    "directory": (Path.mkdir, "(a directory)"),
    "fifo": (os.mkfifo, "(a FIFO)"),
    "dangling_symlink": (lambda path: path.symlink_to("nowhere.sql"), "(a symlink to nothing)"),
    "symlink_to_directory": (symlink_to_a_directory, "(a symlink to a directory)"),
    "symlink_loop": (
        lambda path: path.symlink_to(path.name),
        "(a symlink that cannot be followed:",
    ),
}


@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize("kind", list(NOT_REGULAR))
def test_a_path_named_like_a_migration_that_is_not_a_file_is_named_as_such(
    kind, direction, conn, migration_dir, target, no_hang
):
    make, words = NOT_REGULAR[kind]
    directory = migration_dir({"0001_good": GOOD})
    other = "down" if direction == "up" else "up"
    write(directory, f"0002_orders.{other}.sql", "SELECT 1;")
    make(directory / f"0002_orders.{direction}.sql")

    for command in ("up", "status"):
        result = invoke([command, *target(directory)], ExitCode.USAGE)

        named = directory / f"0002_orders.{direction}.sql"
        assert f"{named}: named like a migration but is not a regular file {words}" in (
            result.stderr
        )
        assert "has no up file" not in result.stderr
        assert "has no down file" not in result.stderr
        assert "migration directory has 1 problem" in result.stderr
    assert not relation_exists(conn, "good")
    assert not relation_exists(conn, "public.schemactl_migrations")


@pytest.mark.parametrize("kind", ["directory", "fifo", "dangling_symlink"])
def test_a_lone_path_named_like_a_migration_that_is_not_a_file_is_not_ignored(
    kind, conn, migration_dir, target, no_hang
):
    make, words = NOT_REGULAR[kind]
    directory = migration_dir({"0001_good": GOOD})
    make(directory / "0002_orders.up.sql")

    result = invoke(["up", *target(directory)], ExitCode.USAGE)

    assert f"0002_orders.up.sql: named like a migration but is not a regular file {words}" in (
        result.stderr
    )
    assert not relation_exists(conn, "public.schemactl_migrations")


def test_a_symlink_to_a_migration_file_is_read_through(conn, migration_dir, target, tmp_path):
    directory = migration_dir({"0001_good": GOOD})
    kept = tmp_path / "kept"
    kept.mkdir()
    write(kept, "orders.sql", "CREATE TABLE orders (id int);")
    (directory / "0002_orders.up.sql").symlink_to(kept / "orders.sql")
    write(directory, "0002_orders.down.sql", "DROP TABLE orders;")

    invoke(["up", *target(directory)])

    assert relation_exists(conn, "orders")
    assert ledger_versions(conn) == [1, 2]


def test_the_largest_bigint_is_a_version_and_so_is_zero(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0_first": ("CREATE TABLE first ();", "DROP TABLE first;"),
            "9223372036854775807_last": ("CREATE TABLE last ();", "DROP TABLE last;"),
        }
    )

    invoke(["up", *target(directory)])

    assert ledger_versions(conn) == [0, 9223372036854775807]


@pytest.mark.parametrize("digits", ["9223372036854775808", "1" * 200])
def test_a_version_beyond_bigint_names_both_files_and_applies_nothing(
    digits, conn, migration_dir, target
):
    directory = migration_dir({"0001_good": GOOD, f"{digits}_orders": GOOD})

    result = invoke(["up", *target(directory)], ExitCode.USAGE)

    assert "migration directory has 2 problems" in result.stderr
    for direction in ("up", "down"):
        assert f"{directory / f'{digits}_orders.{direction}.sql'}: version is too large" in (
            result.stderr
        )
    assert "9223372036854775807" in result.stderr
    assert not relation_exists(conn, "public.schemactl_migrations")


def pair_with(directory, bad, make):
    """``make`` the file ``bad`` names, and write its partner as a good file."""
    make(directory / bad)
    partner = bad.replace(".up.", ".down.") if ".up." in bad else bad.replace(".down.", ".up.")
    write(directory, partner, "SELECT 1;")


# kind -> (add it beside an applied 0001 and a pending 0002; the file and line; words; rule)
AFTER_APPLIED = {
    "nul_byte": (
        lambda d: pair_with(d, "0003_c.up.sql", lambda p: p.write_bytes(b"SELECT 1;\n\n'\0';")),
        "0003_c.up.sql:3",
        "file contains a NUL byte",
        "nul-byte",
    ),
    "version_beyond_bigint": (
        lambda d: write(d, "99999999999999999999_c.up.sql", "-- schemactl:irreversible\nSELECT 1;"),
        "99999999999999999999_c.up.sql",
        "version is too large",
        "version-too-large",
    ),
    "fifo": (
        lambda d: pair_with(d, "0003_c.up.sql", os.mkfifo),
        "0003_c.up.sql",
        "is not a regular file (a FIFO)",
        "not-regular-file",
    ),
    "directory": (
        lambda d: pair_with(d, "0003_c.down.sql", Path.mkdir),
        "0003_c.down.sql",
        "is not a regular file (a directory)",
        "not-regular-file",
    ),
    "dangling_symlink": (
        lambda d: pair_with(d, "0003_c.up.sql", lambda p: p.symlink_to("gone.sql")),
        "0003_c.up.sql",
        "is not a regular file (a symlink to nothing)",
        "not-regular-file",
    ),
}


@pytest.mark.parametrize("kind", list(AFTER_APPLIED))
def test_a_bad_file_after_applied_ones_stops_up_status_and_check_before_running_any(
    kind, conn, migration_dir, target, no_hang
):
    add, named, words, rule = AFTER_APPLIED[kind]
    directory = migration_dir({"0001_good": GOOD})
    invoke(["up", *target(directory)])
    write(directory, "0002_next.up.sql", "CREATE TABLE next (id int);")
    write(directory, "0002_next.down.sql", "DROP TABLE next;")
    add(directory)

    for command in ("up", "status"):
        result = invoke([command, *target(directory)], ExitCode.USAGE)

        assert f"{directory / named}: " in result.stderr
        assert words in result.stderr
        assert "migration directory has 1 problem" in result.stderr
    assert ledger_versions(conn) == [1]
    assert not relation_exists(conn, "next")

    report = json_out(
        invoke(["check", "--json", "--lint-only", "--dir", directory], ExitCode.CHECK_FAILED)
    )

    (finding,) = report["findings"]
    assert (finding["rule"], finding["severity"]) == (rule, "error")
    file, _, line = named.partition(":")
    assert (finding["file"], finding["line"]) == (str(directory / file), int(line or 0) or None)
    assert words in finding["message"]
