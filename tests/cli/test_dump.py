"""``schemactl dump``: the files' schema as deterministic SQL, and ``--check`` for CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke
from tests.conftest import scratch_databases

SETS = sorted(p for p in (Path(__file__).parents[2] / "sql").iterdir() if p.is_dir())

SPEC = {
    "0001_users": (
        "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
        "DROP TABLE users;",
    ),
    "0002_email_index": (
        "CREATE INDEX users_email_idx ON users (email);",
        "DROP INDEX users_email_idx;",
    ),
}


def test_dump_prints_the_schema_the_files_produce(migration_dir, target, conn):
    result = invoke(["dump", *target(migration_dir(SPEC))])

    assert "CREATE TABLE public.users (" in result.stdout
    assert "CREATE INDEX users_email_idx ON public.users USING btree (email);" in result.stdout
    assert "schemactl_migrations" not in result.stdout
    assert scratch_databases(conn) == []


def test_dump_to_a_version_leaves_later_migrations_out(migration_dir, target):
    result = invoke(["dump", "--to", "1", *target(migration_dir(SPEC))])

    assert "CREATE TABLE public.users (" in result.stdout
    assert "users_email_idx" not in result.stdout


def test_dump_is_the_same_text_every_time(migration_dir, target):
    flags = target(migration_dir(SPEC))

    assert invoke(["dump", *flags]).stdout == invoke(["dump", *flags]).stdout


def test_dump_check_passes_on_a_current_file_and_fails_with_a_diff_on_a_stale_one(
    migration_dir, target, tmp_path
):
    directory = migration_dir(SPEC)
    saved = tmp_path / "schema.sql"
    invoke(["dump", "--output", saved, *target(directory)])
    invoke(["dump", "--check", saved, *target(directory)])

    (directory / "0003_orders.up.sql").write_text("CREATE TABLE orders (id int);\n")
    (directory / "0003_orders.down.sql").write_text("DROP TABLE orders;\n")
    result = invoke(["dump", "--check", saved, *target(directory)], expect=ExitCode.CHECK_FAILED)

    assert "+CREATE TABLE public.orders (" in result.stdout
    assert f"{saved} is out of date" in result.stderr


def test_a_failing_migration_names_its_file_and_leaves_no_scratch_database(
    migration_dir, target, conn
):
    directory = migration_dir({**SPEC, "0003_broken": ("SELECT 1;\nSELECT 1/0;", "SELECT 1;")})

    result = invoke(["dump", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "0003_broken.up.sql:2: division by zero" in result.stderr
    assert scratch_databases(conn) == []


def test_dump_can_use_an_embedded_cluster(migration_dir, tmp_path):
    result = invoke(["dump", "--scratch", "embedded", "--dir", migration_dir(SPEC)])

    assert "CREATE TABLE public.users (" in result.stdout


@pytest.mark.parametrize("directory", SETS, ids=[p.name for p in SETS])
def test_each_sql_set_keeps_a_current_schema_dump(directory, database_url):
    invoke(
        [
            "dump",
            "--check",
            directory / "schema.sql",
            "--dir",
            directory,
            "--database-url",
            database_url,
        ]
    )
