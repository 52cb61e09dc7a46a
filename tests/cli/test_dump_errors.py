"""``schemactl dump``: file errors are usage errors, and ``--check`` says how to regenerate
exactly the file it checked."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke

USERS = ("CREATE TABLE users (id bigint PRIMARY KEY);", "DROP TABLE users;")


def test_an_output_file_that_cannot_be_written_is_a_usage_error(
    migration_dir, database_url, tmp_path
):
    # It was an internal error (exit 70, FileNotFoundError traceback).
    directory = migration_dir({"0001_users": USERS})
    output = tmp_path / "no_such_directory" / "schema.sql"

    result = invoke(
        ["dump", "--output", output, "--dir", directory, "--database-url", database_url],
        expect=ExitCode.USAGE,
    )

    assert str(output) in result.stderr


def test_the_regenerate_hint_of_a_stale_json_snapshot_writes_json(
    migration_dir, database_url, tmp_path
):
    # The hint said `schemactl dump --dir D --output schema.json`, which writes SQL.
    directory = migration_dir({"0001_users": USERS})
    snapshot = tmp_path / "schema.json"
    snapshot.write_text("{}\n")

    result = invoke(
        [
            "dump", "--json", "--check", snapshot,
            "--dir", directory, "--database-url", database_url,
        ],
        expect=ExitCode.CHECK_FAILED,
    )  # fmt: skip

    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint:"))
    assert "--json" in hint
