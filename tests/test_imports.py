"""Start-up budget: the CLI module imports nothing heavy; ``python -m schemactl`` works."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import schemactl


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_the_cli_leaves_psycopg_and_sqlparse_unloaded():
    probe = (
        "import json, sys\n"
        "import schemactl.cli.app\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('psycopg', 'psycopg_binary', 'sqlparse'))))\n"
    )

    result = run_python("-c", probe)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_help_leaves_psycopg_unloaded():
    probe = (
        "import sys\n"
        "from schemactl.cli.app import app\n"
        "try:\n"
        "    app(['up', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('psycopg' in sys.modules, file=sys.stderr)\n"
    )

    result = run_python("-c", probe)

    assert "--dry-run" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "False"


def test_python_m_schemactl_version():
    result = run_python("-m", "schemactl", "--version")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"schemactl {schemactl.__version__}"


def test_python_m_schemactl_without_arguments_shows_help_and_exits_2():
    result = run_python("-m", "schemactl")

    assert result.returncode == 2
    assert "up" in result.stdout and "status" in result.stdout


def test_root_help_builds_no_command_and_loads_neither_rich_nor_psycopg():
    probe = (
        "import sys\n"
        "sys.argv = ['schemactl', '--help']\n"
        "from schemactl.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'psycopg', 'sqlparse'})\n"
        "print(heavy, file=sys.stderr)\n"
    )

    result = run_python("-c", probe)

    assert "Commands:" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_root_help_summaries_are_each_commands_own_first_docstring_line():
    import typer

    from schemactl.cli.app import COMMANDS, app

    group = typer.main.get_command(app)
    ctx = group.make_context("schemactl", ["--help"], resilient_parsing=True)
    commands = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}

    assert list(commands) == list(COMMANDS)
    for name, (_, summary) in COMMANDS.items():
        command = commands[name]
        assert command is not None and command.help is not None
        assert command.help.strip().splitlines()[0] == summary, name


def test_status_and_up_to_a_pipe_do_not_import_rich(database_url: str, migration_dir: Any) -> None:
    directory = migration_dir(
        {"0001_users": ("CREATE TABLE users (id bigint);", "DROP TABLE users;")}
    )
    probe = (
        "import sys\n"
        "from schemactl.cli.app import main\n"
        f"for argv in (['up'], ['up'], ['status']):\n"
        f"    sys.argv = ['schemactl', *argv, '--dir', {str(directory)!r},"
        f" '--database-url', {database_url!r}]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        "print('rich' in sys.modules, file=sys.stderr)\n"
    )

    result = run_python("-c", probe)

    assert result.returncode == 0, result.stderr
    assert "applied 1 users" in result.stderr
    assert "nothing to do" in result.stderr
    assert "users  applied" in result.stdout  # the status table
    assert result.stderr.strip().splitlines()[-1] == "False"


def test_the_root_exit_codes_are_the_documented_ones():
    from schemactl.cli import app
    from schemactl.errors import ExitCode

    assert app.USAGE_EXIT == ExitCode.USAGE
    assert app.INTERRUPTED_EXIT == ExitCode.INTERRUPTED
    assert app.BROKEN_PIPE_EXIT == ExitCode.BROKEN_PIPE


def test_check_lint_only_imports_no_database_driver(tmp_path):
    # The lint half needs no database: the driver, catalog and scratch code cost it a fifth
    # of its time on a large directory.
    (tmp_path / "0001_t.up.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "0001_t.down.sql").write_text("DROP TABLE t;\n")
    probe = (
        "import sys\n"
        "from schemactl.cli.app import main\n"
        f"sys.argv = ['schemactl', 'check', '--lint-only', '--dir', {str(tmp_path)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'"
        " or m.startswith('schemactl.check.gate')))\n"
    )

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr
