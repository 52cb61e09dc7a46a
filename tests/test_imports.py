"""Start-up budget: the CLI module imports nothing heavy; ``python -m schemactl`` works."""

from __future__ import annotations

import json
import subprocess
import sys

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
