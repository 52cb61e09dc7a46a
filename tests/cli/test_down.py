"""``schemactl down``: newest first, N, --to, --all (with confirmation), --dry-run."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

SPEC = {
    "0001_users": ("CREATE TABLE users (id int);", "DROP TABLE users;"),
    "0002_orders": ("CREATE TABLE orders (id int);", "DROP TABLE orders;"),
    "0003_items": ("CREATE TABLE items (id int);", "DROP TABLE items;"),
}


def applied(migration_dir, target):
    directory = migration_dir(SPEC)
    invoke(["up", *target(directory)])
    return directory


def test_down_rolls_back_only_the_newest_migration(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    result = invoke(["down", *target(directory)])

    assert ledger_versions(conn) == [1, 2]
    assert not relation_exists(conn, "items") and relation_exists(conn, "orders")
    assert "rolled back 3 items" in result.stderr


def test_down_n_rolls_back_the_newest_n_newest_first(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    report = json_out(invoke(["down", "2", "--json", *target(directory)]))

    assert [r["version"] for r in report["ran"]] == [3, 2]
    assert report["direction"] == "down"
    assert ledger_versions(conn) == [1]


def test_down_zero_is_a_usage_error(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    invoke(["down", "0", *target(directory)], ExitCode.USAGE)

    assert ledger_versions(conn) == [1, 2, 3]


def test_down_to_keeps_that_version_applied(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    invoke(["down", "--to", "1", *target(directory)])

    assert ledger_versions(conn) == [1]
    assert relation_exists(conn, "users") and not relation_exists(conn, "orders")


def test_down_all_with_yes_rolls_back_everything(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    invoke(["down", "--all", "--yes", *target(directory)])

    assert ledger_versions(conn) == []
    assert not relation_exists(conn, "users")


def test_down_all_without_terminal_or_yes_is_refused_as_usage(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    result = invoke(["down", "--all", *target(directory)], ExitCode.USAGE)

    assert "down --all needs confirmation" in result.stderr
    assert ledger_versions(conn) == [1, 2, 3]


def test_down_all_and_to_cannot_be_combined(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    invoke(["down", "--all", "--yes", "--to", "1", *target(directory)], ExitCode.USAGE)

    assert ledger_versions(conn) == [1, 2, 3]


def test_down_dry_run_prints_the_down_sql_and_touches_nothing(conn, migration_dir, target):
    directory = applied(migration_dir, target)

    result = invoke(["down", "--all", "--dry-run", *target(directory)])

    assert result.stdout.index("DROP TABLE items;") < result.stdout.index("DROP TABLE users;")
    assert "-- down 3 items (0003_items.down.sql, one transaction)" in result.stdout
    assert ledger_versions(conn) == [1, 2, 3]


def test_down_with_nothing_applied_does_nothing(migration_dir, target):
    directory = migration_dir(SPEC)

    result = invoke(["down", *target(directory)])

    assert "nothing to roll back" in result.stderr


def test_down_refuses_to_pass_an_irreversible_migration(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_users": ("CREATE TABLE users (id int);", "DROP TABLE users;"),
            "0002_drop_data": "-- schemactl:irreversible\nDELETE FROM users;\n",
        }
    )
    invoke(["up", *target(directory)])

    result = invoke(["down", *target(directory)], ExitCode.REFUSED)

    assert "migration 2 drop_data is irreversible" in result.stderr
    assert ledger_versions(conn) == [1, 2]


def test_down_is_not_blocked_by_a_pending_file_below_the_applied_ones(conn, migration_dir, target):
    directory = migration_dir({k: SPEC[k] for k in ("0001_users", "0003_items")})
    invoke(["up", *target(directory)])
    migration_dir({"0002_orders": SPEC["0002_orders"]})

    invoke(["down", *target(directory)])

    assert ledger_versions(conn) == [1]
