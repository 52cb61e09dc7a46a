"""Settings from flags, then environment, then schemactl.toml / [tool.schemactl], end to end."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, ledger_versions, relation_exists

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"
USERS = ("CREATE TABLE users (id int);", "DROP TABLE users;")


def test_database_url_comes_from_the_environment(conn, monkeypatch, migration_dir, database_url):
    directory = migration_dir({"0001_users": USERS})
    monkeypatch.setenv("DATABASE_URL", database_url)

    invoke(["up", "--dir", directory])

    assert relation_exists(conn, "users")


def test_flag_wins_over_environment(conn, monkeypatch, migration_dir, database_url):
    directory = migration_dir({"0001_users": USERS})
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)

    invoke(["up", "--dir", directory, "--database-url", database_url])

    assert relation_exists(conn, "users")


def test_default_directory_is_migrations_in_the_working_directory(
    conn, migration_dir, database_url
):
    migration_dir({"0001_users": USERS})  # tmp_path/migrations; tmp_path is the cwd

    invoke(["up", "--database-url", database_url])

    assert relation_exists(conn, "users")


def test_settings_come_from_schemactl_toml(conn, tmp_path, migration_dir, database_url):
    migration_dir({"0001_users": USERS}, name="db")
    (tmp_path / "schemactl.toml").write_text(
        f'database_url = "{database_url}"\ndir = "db"\nledger_table = "ops.ledger"\n'
    )

    invoke(["up"])

    assert ledger_versions(conn, "ops.ledger") == [1]


def test_settings_come_from_pyproject_tool_section(conn, tmp_path, migration_dir, database_url):
    migration_dir({"0001_users": USERS}, name="db")
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.schemactl]\ndatabase_url = "{database_url}"\ndir = "db"\n'
    )

    invoke(["up"])

    assert relation_exists(conn, "users")


def test_environment_wins_over_the_config_file(
    conn, monkeypatch, tmp_path, migration_dir, database_url
):
    migration_dir({"0001_users": USERS}, name="from_env")
    (tmp_path / "schemactl.toml").write_text(f'database_url = "{UNREACHABLE}"\ndir = "nope"\n')
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SCHEMACTL_DIR", str(tmp_path / "from_env"))
    monkeypatch.setenv("SCHEMACTL_LEDGER_TABLE", "ops.env_ledger")

    invoke(["up"])

    assert ledger_versions(conn, "ops.env_ledger") == [1]


def test_unknown_setting_in_the_config_file_exits_2_naming_it(tmp_path, migration_dir):
    migration_dir({"0001_users": USERS})
    (tmp_path / "schemactl.toml").write_text('dir = "migrations"\nledger = "x"\n')

    result = invoke(["status"], ExitCode.USAGE)

    assert f"unknown setting 'ledger' in {tmp_path / 'schemactl.toml'}" in result.stderr


def test_unknown_setting_in_pyproject_exits_2(tmp_path, migration_dir):
    migration_dir({"0001_users": USERS})
    (tmp_path / "pyproject.toml").write_text("[tool.schemactl]\ndirectory = 'migrations'\n")

    result = invoke(["up"], ExitCode.USAGE)

    assert "unknown setting 'directory'" in result.stderr


def test_unparsable_config_file_exits_2_naming_it(tmp_path, migration_dir):
    migration_dir({"0001_users": USERS})
    (tmp_path / "schemactl.toml").write_text("dir = \n")

    result = invoke(["status"], ExitCode.USAGE)

    assert f"cannot read {tmp_path / 'schemactl.toml'}" in result.stderr


def test_invalid_value_from_the_environment_exits_2_naming_its_source(
    monkeypatch, migration_dir, database_url
):
    migration_dir({"0001_users": USERS})
    monkeypatch.setenv("SCHEMACTL_LOCK_TIMEOUT", "soon")

    result = invoke(["up", "--database-url", database_url], ExitCode.USAGE)

    assert "invalid lock_timeout 'soon' (from env:SCHEMACTL_LOCK_TIMEOUT)" in result.stderr


def test_wrongly_typed_value_in_the_config_file_exits_2_not_70(tmp_path, migration_dir):
    migration_dir({"0001_users": USERS})
    (tmp_path / "schemactl.toml").write_text("dir = 5\n")

    result = invoke(["status"], ExitCode.USAGE)

    assert f"invalid dir 5 in {tmp_path / 'schemactl.toml'}" in result.stderr
