"""``schemactl new``: the next version, padded like the directory, and name validation."""

from __future__ import annotations

import os

import pytest

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


def name_max(directory):
    return os.pathconf(directory, "PC_NAME_MAX")


def test_new_refuses_a_name_too_long_for_the_file_system_before_making_anything(tmp_path):
    directory = tmp_path / "fresh"
    # 0001_ before the name and .down.sql after it, the longer of the two files.
    longest = name_max(tmp_path) - len("0001_") - len(".down.sql")

    result = invoke(["new", "a" * (longest + 1), "--dir", directory], ExitCode.USAGE)

    assert "migration name is too long" in result.stderr
    assert f"at most {longest} characters" in result.stderr
    assert not directory.exists()

    invoke(["new", "a" * longest, "--dir", directory])

    assert sorted(len(p.name) for p in directory.iterdir()) == [
        name_max(tmp_path) - 2,
        name_max(tmp_path),
    ]


def test_the_longest_name_allows_for_the_directory_s_padding(migration_dir):
    directory = migration_dir({"000001_users": ("SELECT 1;", "SELECT 1;")})
    longest = name_max(directory) - len("000002_") - len(".down.sql")

    result = invoke(["new", "b" * (longest + 1), "--dir", directory], ExitCode.USAGE)

    assert f"at most {longest} characters" in result.stderr
    assert len(list(directory.iterdir())) == 2

    invoke(["new", "b" * longest, "--dir", directory])

    assert (directory / f"000002_{'b' * longest}.down.sql").is_file()


@pytest.mark.parametrize("name", ["", "a/b", "a\x00b", "..", "é"])
def test_new_refuses_a_bad_name_without_leaving_a_directory_behind(tmp_path, name):
    directory = tmp_path / "fresh"

    result = invoke(["new", name, "--dir", directory], ExitCode.USAGE)

    assert f"invalid migration name {name!r}" in result.stderr
    assert not directory.exists()


def test_new_refuses_to_go_beyond_the_largest_version(migration_dir):
    directory = migration_dir({"9223372036854775807_last": "-- schemactl:irreversible\nSELECT 1;"})

    result = invoke(["new", "more", "--dir", directory], ExitCode.USAGE)

    assert "the next version would be 9223372036854775808" in result.stderr
    assert len(list(directory.iterdir())) == 1


def test_new_refuses_a_dir_that_is_a_file(tmp_path):
    (tmp_path / "migrations").write_text("")

    result = invoke(["new", "more", "--dir", tmp_path / "migrations"], ExitCode.USAGE)

    assert "is not a directory" in result.stderr
