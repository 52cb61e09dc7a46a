"""Down files are held to their checksum: ``status`` marks a down file changed since its
migration was applied, ``down`` refuses to run it unless ``--allow-modified``, and
``repair N --accept`` records it.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

USERS = ("CREATE TABLE users (id int);", "DROP TABLE users;")
ORDERS = ("CREATE TABLE orders (id int);", "DROP TABLE orders;")
LEDGER = '"public"."schemactl_migrations"'


def applied(migration_dir, target, spec=None):
    directory = migration_dir(spec or {"0001_users": USERS, "0002_orders": ORDERS})
    invoke(["up", *target(directory)])
    return directory


def states(directory, target):
    report = json_out(invoke(["status", "--json", *target(directory)]))
    return {m["version"]: m["state"] for m in report["migrations"]}


def down_checksums(conn):
    rows = conn.execute(
        f"SELECT version, down_checksum, down_raw_checksum FROM {LEDGER} ORDER BY version"
    )
    return {version: (down, raw) for version, down, raw in rows.fetchall()}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_status_marks_a_changed_down_file_in_the_table_json_and_exit_code(migration_dir, target):
    directory = applied(migration_dir, target)
    down_file = directory / "0001_users.down.sql"
    down_file.write_text("DROP TABLE users CASCADE;\n")

    result = invoke(["status", *target(directory)])

    lines = result.stdout.splitlines()
    assert lines[1].split()[:4] == ["1", "users", "down", "modified"]
    assert lines[2].split()[:3] == ["2", "orders", "applied"]
    assert f"migration 1's down file changed since it was applied: {down_file}" in result.stdout
    assert result.stderr.strip() == "1 applied, 1 down modified"

    report = json_out(invoke(["status", "--json", *target(directory)]))
    first, second = report["migrations"]
    assert first["state"] == "down_modified"
    assert first["checksum"] == first["file_checksum"], "the up file is unchanged"
    assert first["down_checksum"] != first["down_file_checksum"]
    assert second["down_checksum"] == second["down_file_checksum"]
    assert report["summary"] == {"down_modified": 1, "applied": 1}

    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)


def test_down_refuses_a_changed_down_file_naming_it(conn, migration_dir, target):
    directory = applied(migration_dir, target)
    (directory / "0002_orders.down.sql").write_text("DROP TABLE orders CASCADE;\n")

    for extra in ([], ["--dry-run"]):
        result = invoke(["down", *extra, *target(directory)], ExitCode.REFUSED)

        assert "the down file of migration 2 orders changed since it was applied" in result.stderr
        assert str(directory / "0002_orders.down.sql") in result.stderr
        assert "schemactl repair 2 --accept" in result.stderr
        assert "--allow-modified" in result.stderr
    error = json_out(invoke(["down", "--json", *target(directory)], ExitCode.REFUSED))["error"]
    assert error["exit_code"] == ExitCode.REFUSED
    assert "0002_orders.down.sql" in error["detail"]
    assert ledger_versions(conn) == [1, 2]
    assert relation_exists(conn, "orders")


def test_down_minds_only_the_down_files_it_rolls_back(conn, migration_dir, target):
    directory = applied(migration_dir, target)
    (directory / "0001_users.down.sql").write_text("DROP TABLE users CASCADE;\n")

    invoke(["down", *target(directory)])
    assert ledger_versions(conn) == [1]
    result = invoke(["down", *target(directory)], ExitCode.REFUSED)

    assert "0001_users.down.sql" in result.stderr
    assert ledger_versions(conn) == [1]


def test_allow_modified_runs_the_down_file_as_it_is_now(conn, migration_dir, target):
    directory = applied(migration_dir, target)
    (directory / "0002_orders.down.sql").write_text(
        "DROP TABLE orders;\nCREATE TABLE orders_were_here (id int);\n"
    )

    invoke(["down", "--allow-modified", *target(directory)])

    assert ledger_versions(conn) == [1]
    assert not relation_exists(conn, "orders")
    assert relation_exists(conn, "orders_were_here")


def test_up_applies_pending_migrations_whatever_the_applied_down_files_are(
    conn, migration_dir, target
):
    directory = applied(migration_dir, target, {"0001_users": USERS})
    (directory / "0001_users.down.sql").write_text("DROP TABLE users CASCADE;\n")
    migration_dir({"0002_orders": ORDERS})

    invoke(["up", *target(directory)])

    assert ledger_versions(conn) == [1, 2]
    assert states(directory, target) == {1: "down_modified", 2: "applied"}


def test_repair_accept_records_the_new_down_file(conn, migration_dir, target):
    directory = applied(migration_dir, target)
    down_file = directory / "0002_orders.down.sql"
    down_file.write_text("DROP TABLE orders CASCADE;\n")
    before = down_checksums(conn)[2]

    result = invoke(["repair", "2", "--accept", *target(directory)])

    assert "version 2 orders (was down_modified)" in result.stderr
    down_checksum, down_raw_checksum = down_checksums(conn)[2]
    assert down_checksum != before[0]
    assert down_raw_checksum == sha256(down_file)
    assert states(directory, target) == {1: "applied", 2: "applied"}
    invoke(["status", "--exit-code", *target(directory)])
    invoke(["down", *target(directory)])
    assert ledger_versions(conn) == [1]


def test_repair_accept_still_refuses_an_unchanged_migration(migration_dir, target):
    directory = applied(migration_dir, target)

    result = invoke(["repair", "2", "--accept", *target(directory)], ExitCode.REFUSED)

    assert "down_modified or modified" in result.stderr


@pytest.mark.parametrize(
    "edit",
    ["-- undo the orders table\nDROP TABLE orders;\n", "drop   table\n  ORDERS ;\n\n"],
    ids=["comment", "whitespace-and-case"],
)
def test_a_comment_or_layout_edit_of_a_down_file_is_not_a_modification(
    conn, migration_dir, target, edit
):
    directory = applied(migration_dir, target)
    (directory / "0002_orders.down.sql").write_text(edit)

    assert states(directory, target) == {1: "applied", 2: "applied"}
    invoke(["status", "--exit-code", *target(directory)])
    invoke(["down", *target(directory)])
    assert not relation_exists(conn, "orders")


def test_up_records_the_down_files_checksums(conn, migration_dir, target):
    log = "-- schemactl:irreversible\nCREATE TABLE log (id int);"
    directory = applied(migration_dir, target, {"0001_users": USERS, "0002_log": log})

    recorded = down_checksums(conn)

    assert recorded[1][1] == sha256(directory / "0001_users.down.sql")
    assert len(recorded[1][0]) == 64
    assert recorded[2] == (None, None)


def test_a_row_written_before_the_down_bytes_were_recorded_is_compared_by_statements(
    conn, migration_dir, target
):
    directory = applied(migration_dir, target)
    conn.execute(f"UPDATE {LEDGER} SET down_raw_checksum = NULL")
    (directory / "0001_users.down.sql").write_text("-- a comment\nDROP TABLE users;\n")
    (directory / "0002_orders.down.sql").write_text("DROP TABLE orders CASCADE;\n")

    assert states(directory, target) == {1: "applied", 2: "down_modified"}
    invoke(["down", *target(directory)], ExitCode.REFUSED)
    invoke(["up", *target(directory)])

    recorded = down_checksums(conn)
    assert recorded[1][1] == sha256(directory / "0001_users.down.sql"), "filled in by up"
    assert recorded[2][1] is None, "a changed down file is not vouched for"
    assert states(directory, target) == {1: "applied", 2: "down_modified"}


def test_a_ledger_without_the_down_bytes_column_is_read_then_upgraded(conn, migration_dir, target):
    directory = applied(migration_dir, target)
    conn.execute(f"ALTER TABLE {LEDGER} DROP COLUMN down_raw_checksum")

    assert states(directory, target) == {1: "applied", 2: "applied"}
    (directory / "0002_orders.down.sql").write_text("DROP TABLE orders CASCADE;\n")
    assert states(directory, target) == {1: "applied", 2: "down_modified"}
    invoke(["up", *target(directory)])

    recorded = down_checksums(conn)
    assert recorded[1][1] == sha256(directory / "0001_users.down.sql")
    assert recorded[2][1] is None


def test_a_down_file_written_after_an_irreversible_migration_was_applied_is_down_modified(
    conn, migration_dir, target
):
    directory = applied(
        migration_dir, target, {"0001_users": "-- schemactl:irreversible\n" + USERS[0]}
    )
    (directory / "0001_users.up.sql").write_text(USERS[0] + "\n")
    (directory / "0001_users.down.sql").write_text(USERS[1] + "\n")

    result = invoke(["status", *target(directory)])
    assert "migration 1's down file was added after it was applied: " in result.stdout
    assert states(directory, target) == {1: "down_modified"}
    refused = invoke(["down", *target(directory)], ExitCode.REFUSED)
    assert "migration 1 users had no down file when it was applied" in refused.stderr

    invoke(["repair", "1", "--accept", *target(directory)])
    assert states(directory, target) == {1: "applied"}
    invoke(["down", *target(directory)])
    assert ledger_versions(conn) == []


def test_a_migration_declared_irreversible_after_it_was_applied_is_down_modified(
    conn, migration_dir, target
):
    directory = applied(migration_dir, target, {"0001_users": USERS})
    (directory / "0001_users.up.sql").write_text("-- schemactl:irreversible\n" + USERS[0])
    (directory / "0001_users.down.sql").unlink()

    result = invoke(["status", *target(directory)])
    assert "migration 1's down file was removed after it was applied" in result.stdout
    refused = invoke(["down", *target(directory)], ExitCode.REFUSED)
    assert "irreversible" in refused.stderr

    invoke(["repair", "1", "--accept", *target(directory)])
    assert states(directory, target) == {1: "applied"}
    assert down_checksums(conn)[1] == (None, None)


def test_a_broken_down_file_of_an_applied_migration_is_down_modified_and_stops_only_down(
    conn, migration_dir, target
):
    directory = applied(migration_dir, target)
    (directory / "0002_orders.down.sql").write_text("DROP TABLE 'orders;\n")

    assert states(directory, target) == {1: "applied", 2: "down_modified"}
    invoke(["up", *target(directory)])
    result = invoke(["down", "--allow-modified", *target(directory)], ExitCode.USAGE)

    assert "0002_orders.down.sql:1" in result.stderr
    assert ledger_versions(conn) == [1, 2]


def test_a_no_op_up_reads_no_down_file_and_status_splits_none(migration_dir, target, monkeypatch):
    directory = applied(migration_dir, target)
    from schemactl.files import migrations, statements

    read = []
    split = []
    real_read, real_split = migrations._read_bytes, statements.split_statements

    def reading(path, dir_fd=None):
        read.append(os.path.basename(path))
        return real_read(path, dir_fd)

    def splitting(text):
        split.append(text)
        return real_split(text)

    monkeypatch.setattr(migrations, "_read_bytes", reading)
    monkeypatch.setattr(statements, "split_statements", splitting)

    invoke(["up", *target(directory)])
    assert sorted(read) == ["0001_users.up.sql", "0002_orders.up.sql"]
    assert split == []

    read.clear()
    invoke(["status", *target(directory)])
    assert sorted(name for name in read if name.endswith(".down.sql")) == [
        "0001_users.down.sql",
        "0002_orders.down.sql",
    ]
    assert split == [], "down files with the recorded bytes are not split"
