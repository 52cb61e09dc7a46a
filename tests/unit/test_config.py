"""Settings: flags > environment > schemactl.toml > [tool.schemactl] > defaults, with sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.config import DEFAULTS, resolve
from schemactl.errors import ConfigError

NO_FLAGS: dict[str, object] = {}


def test_defaults_apply_when_nothing_is_given(tmp_path):
    settings = resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert settings.database_url is None
    assert settings.dir == Path("migrations")
    assert settings.ledger_table == "public.schemactl_migrations"
    assert (settings.wait, settings.retries) == (30.0, 0)
    assert settings.lock_timeout is None and settings.statement_timeout is None
    assert set(settings.sources.values()) == {"default"}


def test_flag_wins_over_environment_which_wins_over_file(tmp_path):
    (tmp_path / "schemactl.toml").write_text(
        'database_url = "file-url"\nledger_table = "f.ledger"\nwait = 1\nretries = 1\n'
    )
    env = {"DATABASE_URL": "env-url", "SCHEMACTL_LEDGER_TABLE": "e.ledger", "SCHEMACTL_WAIT": "2"}

    settings = resolve({"database_url": "flag-url"}, env=env, cwd=tmp_path)

    assert settings.database_url == "flag-url"
    assert settings.ledger_table == "e.ledger"
    assert settings.wait == 2.0
    assert settings.retries == 1
    assert settings.sources["database_url"] == "flag"
    assert settings.sources["ledger_table"] == "env:SCHEMACTL_LEDGER_TABLE"
    assert settings.sources["retries"] == str(tmp_path / "schemactl.toml")


def test_flags_given_as_none_do_not_hide_lower_sources(tmp_path):
    settings = resolve({"dir": None, "retries": None}, env={"SCHEMACTL_RETRIES": "3"}, cwd=tmp_path)

    assert settings.retries == 3
    assert settings.sources["dir"] == "default"


def test_empty_environment_variable_counts_as_unset(tmp_path):
    settings = resolve(NO_FLAGS, env={"DATABASE_URL": ""}, cwd=tmp_path)

    assert settings.database_url is None


def test_every_setting_has_an_environment_variable(tmp_path):
    env = {
        "DATABASE_URL": "postgresql:///a",
        "SCHEMACTL_DIR": "db",
        "SCHEMACTL_LEDGER_TABLE": "x.y",
        "SCHEMACTL_WAIT": "2.5",
        "SCHEMACTL_LOCK_TIMEOUT": "5s",
        "SCHEMACTL_STATEMENT_TIMEOUT": "1min",
        "SCHEMACTL_RETRIES": "4",
        "SCHEMACTL_SCRATCH_URL": "postgresql:///b",
        "SCHEMACTL_LINT_DISABLE": "ban-drop-table, renaming-column",
        "SCHEMACTL_IDEMPOTENT": "true",
        "SCHEMACTL_MAX_REPLICA_LAG": "2s",
    }

    settings = resolve(NO_FLAGS, env=env, cwd=tmp_path)

    assert (settings.dir, settings.wait, settings.retries) == (Path("db"), 2.5, 4)
    assert (settings.lock_timeout, settings.statement_timeout) == ("5s", "1min")
    assert settings.scratch_url == "postgresql:///b"
    assert settings.lint_disable == {"ban-drop-table", "renaming-column"}
    assert settings.idempotent is True
    assert settings.max_replica_lag == 2.0
    assert all(source.startswith("env:") for source in settings.sources.values())


def test_check_settings_come_from_the_file_as_toml_types(tmp_path):
    (tmp_path / "schemactl.toml").write_text(
        'lint_disable = ["ban-drop-table", "renaming-column"]\nidempotent = true\n'
    )

    settings = resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert settings.lint_disable == {"ban-drop-table", "renaming-column"}
    assert settings.idempotent is True


def test_idempotent_must_be_a_boolean(tmp_path):
    (tmp_path / "schemactl.toml").write_text('idempotent = "sometimes"\n')

    with pytest.raises(ConfigError, match="idempotent"):
        resolve(NO_FLAGS, env={}, cwd=tmp_path)


def test_pyproject_tool_section_is_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.schemactl]\ndir = "db"\nlock_timeout = "2s"\n'
    )

    settings = resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert settings.dir == tmp_path / "db"
    assert settings.lock_timeout == "2s"
    assert settings.sources["lock_timeout"] == f"{tmp_path / 'pyproject.toml'} [tool.schemactl]"


def test_pyproject_without_a_tool_section_is_ignored(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.other]\nwait = 1\n')

    assert resolve(NO_FLAGS, env={}, cwd=tmp_path).wait == 30.0


def test_schemactl_toml_wins_over_pyproject(tmp_path):
    (tmp_path / "schemactl.toml").write_text("retries = 2\n")
    (tmp_path / "pyproject.toml").write_text("[tool.schemactl]\nretries = 5\nwait = 9\n")

    settings = resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert (settings.retries, settings.wait) == (2, 30.0)


def test_relative_dir_from_the_file_is_relative_to_the_file(tmp_path):
    (tmp_path / "schemactl.toml").write_text('dir = "db/migrations"\n')

    file_dir = resolve(NO_FLAGS, env={}, cwd=tmp_path).dir
    flag_dir = resolve({"dir": Path("x")}, env={}, cwd=tmp_path).dir

    assert file_dir == tmp_path / "db" / "migrations"
    assert flag_dir == Path("x")


@pytest.mark.parametrize("file_name", ["schemactl.toml", "pyproject.toml"])
def test_unknown_setting_in_a_file_is_a_config_error_naming_it(tmp_path, file_name):
    body = "dir = 'x'\nlock_timeout_ms = 5\n"
    if file_name == "pyproject.toml":
        body = "[tool.schemactl]\n" + body
    (tmp_path / file_name).write_text(body)

    with pytest.raises(ConfigError) as raised:
        resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert raised.value.exit_code == 2
    assert raised.value.message == f"unknown setting 'lock_timeout_ms' in {tmp_path / file_name}"
    assert all(name in raised.value.hint for name in DEFAULTS)


def test_invalid_toml_is_a_config_error(tmp_path):
    (tmp_path / "schemactl.toml").write_text("dir = [\n")

    with pytest.raises(ConfigError, match="cannot read"):
        resolve(NO_FLAGS, env={}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SCHEMACTL_WAIT": "soon"}, "invalid wait 'soon' (from env:SCHEMACTL_WAIT)"),
        ({"SCHEMACTL_WAIT": "-1"}, "invalid wait '-1' (from env:SCHEMACTL_WAIT)"),
        ({"SCHEMACTL_RETRIES": "x"}, "invalid retries 'x' (from env:SCHEMACTL_RETRIES)"),
        ({"SCHEMACTL_LOCK_TIMEOUT": "5 seconds"}, "invalid lock_timeout '5 seconds'"),
        ({"SCHEMACTL_STATEMENT_TIMEOUT": "-5s"}, "invalid statement_timeout '-5s'"),
    ],
)
def test_invalid_values_are_config_errors_naming_their_source(tmp_path, env, message):
    with pytest.raises(ConfigError) as raised:
        resolve(NO_FLAGS, env=env, cwd=tmp_path)

    assert raised.value.message.startswith(message)


@pytest.mark.parametrize("value", ["500", "500ms", "5s", "1.5s", "1min", " 2h ", "100us", "1d"])
def test_postgresql_durations_are_accepted(tmp_path, value):
    settings = resolve({"lock_timeout": value}, env={}, cwd=tmp_path)

    assert settings.lock_timeout == value.strip()


def test_environment_is_read_from_os_environ_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMACTL_RETRIES", "7")

    assert resolve(NO_FLAGS, cwd=tmp_path).retries == 7


@pytest.mark.parametrize(
    "line",
    ["dir = 5", "database_url = 5", "ledger_table = ['a', 'b']", "wait = true", "retries = {}"],
)
def test_wrongly_typed_value_in_a_file_is_a_config_error_naming_the_file(tmp_path, line):
    (tmp_path / "schemactl.toml").write_text(line + "\n")

    with pytest.raises(ConfigError) as raised:
        resolve(NO_FLAGS, env={}, cwd=tmp_path)

    name = line.split(" ")[0]
    assert raised.value.message.startswith(f"invalid {name} ")
    assert raised.value.message.endswith(f"in {tmp_path / 'schemactl.toml'}")


def test_a_pyproject_that_never_names_schemactl_is_not_parsed(tmp_path):
    # Not even a broken one: it belongs to the project, and holds no settings of ours.
    (tmp_path / "pyproject.toml").write_text("[project\nname = 'x'\n")

    settings = resolve(NO_FLAGS, env={}, cwd=tmp_path)

    assert settings.wait == 30.0 and settings.sources["wait"] == "default"
