"""Files whose bytes the ledger vouches for are not split again; everything else still is.

The ledger keeps each up file's byte checksum (``raw_checksum``). ``up`` and ``status`` read
every file but split and check only those whose bytes differ from what was applied, or that
are not applied: a no-op run over a long history stays cheap, and nothing that will run goes
unchecked.
"""

from __future__ import annotations

import hashlib

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out

USERS = ("CREATE TABLE users (id int PRIMARY KEY);", "DROP TABLE users;")
ORDERS = ("CREATE TABLE orders (id int);", "DROP TABLE orders;")
LEDGER = '"public"."schemactl_migrations"'


def states(directory, target):
    report = json_out(invoke(["status", "--json", *target(directory)]))
    return {m["version"]: m["state"] for m in report["migrations"]}


def raw_checksums(conn):
    rows = conn.execute(f"SELECT version, raw_checksum FROM {LEDGER} ORDER BY version")
    return dict(rows.fetchall())


def test_up_records_the_checksum_of_the_files_bytes(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})

    invoke(["up", *target(directory)])

    expected = {
        version: hashlib.sha256((directory / f"{stem}.up.sql").read_bytes()).hexdigest()
        for version, stem in ((1, "0001_users"), (2, "0002_orders"))
    }
    assert raw_checksums(conn) == expected


def test_a_broken_down_file_of_an_applied_untouched_migration_stops_only_down(
    conn, migration_dir, target
):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.down.sql").write_text("DROP TABLE 'users;\n")

    invoke(["up", *target(directory)])
    # status tells the down file is not the one recorded; up does not read it.
    assert states(directory, target) == {1: "down_modified"}
    result = invoke(["down", "--allow-modified", *target(directory)], ExitCode.USAGE)

    assert "0001_users.down.sql:1" in result.stderr
    assert "unterminated" in result.stderr


def test_a_changed_file_is_split_again_and_its_problems_reported(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").write_text(
        "CREATE TABLE users (id int PRIMARY KEY);\nBEGIN;\n"
    )

    for command in ("up", "status"):
        result = invoke([command, *target(directory)], ExitCode.USAGE)

        assert "0001_users.up.sql:2" in result.stderr
        assert "transaction control statement" in result.stderr


def test_comment_only_edit_stays_applied_and_an_edit_is_modified(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    up_file = directory / "0001_users.up.sql"

    up_file.write_text("-- the users\n" + USERS[0] + "\n")
    assert states(directory, target) == {1: "applied"}
    up_file.write_text("CREATE TABLE users (id bigint PRIMARY KEY);")
    assert states(directory, target) == {1: "modified"}
    invoke(["up", *target(directory)], ExitCode.REFUSED)


def test_a_ledger_from_before_the_byte_checksum_is_read_then_upgraded_by_up(
    conn, migration_dir, target
):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    conn.execute(f"ALTER TABLE {LEDGER} DROP COLUMN raw_checksum")
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})

    assert states(directory, target) == {1: "applied", 2: "pending"}
    invoke(["up", "--dry-run", *target(directory)])
    invoke(["up", *target(directory)])

    assert set(raw_checksums(conn)) == {1, 2}
    assert all(raw_checksums(conn).values()), "the old row is filled in, the new one recorded"
    report = json_out(invoke(["status", "--json", *target(directory)]))
    assert [m["checksum"] == m["file_checksum"] for m in report["migrations"]] == [True, True]


def test_a_ledger_row_whose_bytes_are_unknown_is_checked_by_its_statements(
    conn, migration_dir, target
):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    conn.execute(f"UPDATE {LEDGER} SET raw_checksum = NULL")
    (directory / "0001_users.up.sql").write_text("-- a comment\n" + USERS[0])

    invoke(["up", *target(directory)])

    recorded = raw_checksums(conn)[1]
    assert recorded == hashlib.sha256((directory / "0001_users.up.sql").read_bytes()).hexdigest()
