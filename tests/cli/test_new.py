"""``schemactl new``: the next version, padded like the directory, and name validation."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke


def test_new_in_an_empty_directory_uses_four_digits(tmp_path):
    directory = tmp_path / "fresh"

    result = invoke(["new", "create_users", "--dir", directory])

    assert sorted(p.name for p in directory.iterdir()) == [
        "0001_create_users.down.sql",
        "0001_create_users.up.sql",
    ]
    assert result.stdout.split() == [
        str(directory / "0001_create_users.up.sql"),
        str(directory / "0001_create_users.down.sql"),
    ]


def test_new_keeps_a_three_digit_directory_three_digits(migration_dir):
    directory = migration_dir(
        {"001_users": ("SELECT 1;", "SELECT 1;"), "009_orders": ("SELECT 1;", "SELECT 1;")}
    )

    invoke(["new", "add_items", "--dir", directory])

    assert (directory / "010_add_items.up.sql").is_file()
    assert (directory / "010_add_items.down.sql").is_file()


def test_new_files_are_valid_migrations_that_apply(conn, migration_dir, target):
    directory = migration_dir({"0001_users": ("SELECT 1;", "SELECT 1;")})

    invoke(["new", "placeholder", "--dir", directory])
    invoke(["up", *target(directory)])

    assert [r[0] for r in conn.execute("SELECT version FROM schemactl_migrations")] == [1, 2]


def test_new_rejects_a_name_that_is_not_lower_snake_case(migration_dir):
    directory = migration_dir({"0001_users": ("SELECT 1;", "SELECT 1;")})

    result = invoke(["new", "Add-Items", "--dir", directory], ExitCode.USAGE)

    assert "invalid migration name 'Add-Items'" in result.stderr
    assert sorted(p.name for p in directory.iterdir()) == [
        "0001_users.down.sql",
        "0001_users.up.sql",
    ]


def test_new_refuses_an_invalid_directory_naming_the_file(migration_dir):
    directory = migration_dir({"0001_users": "SELECT 1;"})

    result = invoke(["new", "more", "--dir", directory], ExitCode.USAGE)

    assert "0001_users.up.sql" in result.stderr
    assert not (directory / "0002_more.up.sql").exists()
