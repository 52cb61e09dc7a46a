"""Modified, missing and out-of-order versions: refused unless overridden; ``repair``."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

USERS_UP = """
CREATE TABLE users (
    id int PRIMARY KEY
);
INSERT INTO users VALUES (1);
"""
USERS = (USERS_UP, "DROP TABLE users;")
ORDERS = ("CREATE TABLE orders (id int);", "DROP TABLE orders;")
ITEMS = ("CREATE TABLE items (id int);", "DROP TABLE items;")


def states(directory, target):
    report = json_out(invoke(["status", "--json", *target(directory)]))
    return {m["version"]: m["state"] for m in report["migrations"]}


def applied_users(migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])
    return directory


def test_licence_header_and_reindent_are_not_a_modification(migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(
        "-- Copyright 2026 Example Corp.\n/* SPDX-License-Identifier: MIT */\n\n"
        "create table USERS (id int primary key);\n\n\tINSERT  INTO users\n  VALUES (1);\n"
    )

    assert states(directory, target) == {1: "applied"}
    invoke(["up", *target(directory)])


def test_changed_literal_is_a_modification_and_status_shows_the_statement(migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(USERS_UP.replace("(1)", "(2)"))

    report = json_out(invoke(["status", "--json", *target(directory)]))
    human = invoke(["status", *target(directory)])

    (entry,) = report["migrations"]
    assert entry["state"] == "modified"
    assert entry["checksum"] != entry["file_checksum"]
    assert entry["changed_statements"] == [
        {
            "kind": "changed",
            "applied_index": 1,
            "current_index": 1,
            "applied": "insert into users values ( 1 )",
            "current": "insert into users values ( 2 )",
        }
    ]
    assert "migration 1 changed since it was applied:" in human.stdout
    assert "statement 2 changed:" in human.stdout
    assert "+ insert into users values ( 2 )" in human.stdout


def test_added_statement_is_shown_as_added(migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(USERS_UP + "SELECT 1 / 0;\n")

    report = json_out(invoke(["status", "--json", *target(directory)]))

    assert report["migrations"][0]["changed_statements"] == [
        {
            "kind": "added",
            "applied_index": None,
            "current_index": 2,
            "applied": None,
            "current": "select 1 / 0",
        }
    ]


def test_up_and_down_refuse_a_modified_migration(conn, migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(USERS_UP.replace("(1)", "(2)"))
    migration_dir({"0002_orders": ORDERS})

    up = invoke(["up", *target(directory)], ExitCode.REFUSED)
    down = invoke(["down", *target(directory)], ExitCode.REFUSED)

    for result in (up, down):
        assert "migration 1 users was modified after it was applied" in result.stderr
    assert not relation_exists(conn, "orders")
    assert relation_exists(conn, "users")


def test_allow_modified_lets_up_and_down_run(conn, migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(USERS_UP.replace("(1)", "(2)"))
    migration_dir({"0002_orders": ORDERS})

    invoke(["up", "--allow-modified", *target(directory)])
    assert relation_exists(conn, "orders")
    invoke(["down", "2", "--allow-modified", *target(directory)])

    assert ledger_versions(conn) == []


def test_repair_accept_records_the_current_file(conn, migration_dir, target):
    directory = applied_users(migration_dir, target)
    (directory / "0001_users.up.sql").write_text(USERS_UP.replace("(1)", "(2)"))

    result = invoke(["repair", "1", "--accept", *target(directory)])

    assert "accepted its current file" in result.stderr
    assert states(directory, target) == {1: "applied"}
    invoke(["status", "--exit-code", *target(directory)])


def test_repair_accept_refuses_a_version_that_is_not_modified(migration_dir, target):
    directory = applied_users(migration_dir, target)

    result = invoke(["repair", "1", "--accept", *target(directory)], ExitCode.REFUSED)

    assert (
        "version 1 is applied; --accept applies only to down_modified or modified versions"
        in result.stderr
    )


def test_repair_of_a_version_not_in_the_ledger_is_a_usage_error(migration_dir, target):
    directory = applied_users(migration_dir, target)

    result = invoke(["repair", "7", "--forget", *target(directory)], ExitCode.USAGE)

    assert "version 7 is not in the ledger" in result.stderr


def test_repair_needs_exactly_one_action(migration_dir, target):
    directory = applied_users(migration_dir, target)

    invoke(["repair", "1", *target(directory)], ExitCode.USAGE)
    invoke(["repair", "1", "--accept", "--forget", *target(directory)], ExitCode.USAGE)


def test_up_and_down_refuse_a_missing_migration(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").unlink()
    (directory / "0001_users.down.sql").unlink()
    migration_dir({"0003_items": ITEMS})

    assert states(directory, target) == {1: "missing", 2: "applied", 3: "pending"}
    up = invoke(["up", *target(directory)], ExitCode.REFUSED)
    down = invoke(["down", *target(directory)], ExitCode.REFUSED)

    for result in (up, down):
        assert "migration 1 users is applied but its file is missing" in result.stderr
    assert not relation_exists(conn, "items")
    assert relation_exists(conn, "orders")


def test_allow_missing_lets_up_and_down_run(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").unlink()
    (directory / "0001_users.down.sql").unlink()
    migration_dir({"0003_items": ITEMS})

    invoke(["up", "--allow-missing", *target(directory)])
    invoke(["down", "2", "--allow-missing", *target(directory)])

    assert ledger_versions(conn) == [1]
    result = invoke(["down", "--allow-missing", *target(directory)], ExitCode.REFUSED)
    assert "its files are missing" in result.stderr


def test_repair_forget_removes_a_missing_migration(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})
    invoke(["up", *target(directory)])
    (directory / "0001_users.up.sql").unlink()
    (directory / "0001_users.down.sql").unlink()

    invoke(["repair", "1", "--forget", *target(directory)])

    assert ledger_versions(conn) == [2]
    invoke(["status", "--exit-code", *target(directory)])


def test_up_refuses_an_out_of_order_migration(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0003_items": ITEMS})
    invoke(["up", *target(directory)])
    migration_dir({"0002_orders": ORDERS})

    assert states(directory, target) == {1: "applied", 2: "out_of_order", 3: "applied"}
    result = invoke(["up", *target(directory)], ExitCode.REFUSED)
    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)

    assert "migration 2 orders is pending but a higher version is already applied" in (
        result.stderr
    )
    assert not relation_exists(conn, "orders")


def test_allow_out_of_order_applies_it(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0003_items": ITEMS})
    invoke(["up", *target(directory)])
    migration_dir({"0002_orders": ORDERS})

    invoke(["up", "--allow-out-of-order", *target(directory)])

    assert ledger_versions(conn) == [1, 2, 3]
    assert relation_exists(conn, "orders")


def test_status_exit_code_is_1_for_a_modified_or_missing_migration(migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})
    invoke(["up", *target(directory)])
    invoke(["status", "--exit-code", *target(directory)])

    (directory / "0001_users.up.sql").write_text(USERS_UP.replace("(1)", "(2)"))
    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)
    (directory / "0002_orders.up.sql").unlink()
    (directory / "0002_orders.down.sql").unlink()

    assert states(directory, target) == {1: "modified", 2: "missing"}
    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)
