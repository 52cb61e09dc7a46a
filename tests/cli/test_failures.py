"""A failing migration: nothing half-applied, and a message a user can act on (exit 4)."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, relation_exists

FIRST = ("CREATE TABLE first (id int PRIMARY KEY);", "DROP TABLE first;")


def ledger_snapshot(conn):
    return conn.execute(
        "SELECT version, name, checksum, applied_at FROM public.schemactl_migrations"
        " ORDER BY version"
    ).fetchall()


def test_failed_third_statement_leaves_schema_and_ledger_unchanged(conn, migration_dir, target):
    directory = migration_dir({"0001_first": FIRST})
    invoke(["up", *target(directory)])
    before = ledger_snapshot(conn)
    migration_dir(
        {
            "0002_broken": (
                """
                CREATE TABLE second (id int PRIMARY KEY);
                INSERT INTO first VALUES (1);
                INSERT INTO first VALUES (1);
                """,
                "DROP TABLE second;",
            )
        }
    )

    invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert not relation_exists(conn, "second")
    assert conn.execute("SELECT count(*) FROM first").fetchone() == (0,)
    assert ledger_snapshot(conn) == before


def test_failure_message_names_file_line_excerpt_sqlstate_detail_and_hint(migration_dir, target):
    directory = migration_dir(
        {
            "0001_broken": (
                """
                -- a header line
                CREATE TABLE t (id int PRIMARY KEY);
                INSERT INTO t VALUES (1);
                DO $$ BEGIN
                  RAISE EXCEPTION 'custom failure' USING ERRCODE = 'P0099',
                    DETAIL = 'the detail text', HINT = 'the hint text';
                END $$;
                """,
                "DROP TABLE t;",
            )
        }
    )

    result = invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    err = result.stderr
    assert f"{directory / '0001_broken.up.sql'}:4: custom failure (SQLSTATE P0099)" in err
    assert "statement 3: DO $$ BEGIN" in err
    assert "DETAIL: the detail text" in err
    assert "hint: the hint text" in err
    assert "failed 1 broken (up, rolled back)" in err


def test_failure_line_points_at_the_error_position_inside_the_statement(migration_dir, target):
    directory = migration_dir(
        {
            "0001_broken": (
                """
                CREATE TABLE users (id int, email text);
                SELECT id,
                       emial
                  FROM users;
                """,
                "DROP TABLE users;",
            )
        }
    )

    result = invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert '0001_broken.up.sql:3: column "emial" does not exist (SQLSTATE 42703)' in (result.stderr)
    assert "statement 2: SELECT id," in result.stderr
    assert 'hint: Perhaps you meant to reference the column "users.email".' in result.stderr


def test_failure_stops_the_run_and_keeps_earlier_migrations(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_first": FIRST,
            "0002_broken": ("SELECT 1/0;", "SELECT 1;"),
            "0003_later": ("CREATE TABLE later (id int);", "DROP TABLE later;"),
        }
    )

    invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert relation_exists(conn, "first")
    assert not relation_exists(conn, "later")
    assert [r[0] for r in ledger_snapshot(conn)] == [1]


def test_failing_down_keeps_the_migration_applied(conn, migration_dir, target):
    directory = migration_dir(
        {"0001_first": ("CREATE TABLE first (id int);", "DROP TABLE first; DROP TABLE nope;")}
    )
    invoke(["up", *target(directory)])

    result = invoke(["down", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert "0001_first.down.sql:1" in result.stderr and "(SQLSTATE 42P01)" in result.stderr
    assert relation_exists(conn, "first")
    assert [r[0] for r in ledger_snapshot(conn)] == [1]


def test_password_never_appears_when_a_migration_fails(conn, migration_dir):
    info = conn.info
    # Trust authentication ignores the password, so the run reaches the failing statement.
    url = f"postgresql://{info.user}:s3cretpass@{info.host}:{info.port}/{info.dbname}"
    # The server's message and the statement excerpt both quote the password back.
    directory = migration_dir({"0001_broken": ("SELECT 's3cretpass'::int;", "SELECT 1;")})

    result = invoke(["up", "--dir", directory, "--database-url", url], ExitCode.MIGRATION_FAILED)

    assert "s3cretpass" not in result.output
    assert 'invalid input syntax for type integer: "****"' in result.stderr


def test_statement_timeout_is_applied_to_migration_statements(migration_dir, target):
    directory = migration_dir({"0001_slow": ("SELECT pg_sleep(30);", "SELECT 1;")})

    result = invoke(
        ["up", "--statement-timeout", "200ms", *target(directory)], ExitCode.MIGRATION_FAILED
    )

    assert "(SQLSTATE 57014)" in result.stderr
    assert "statement timeout" in result.stderr


def test_deferred_constraint_failing_at_commit_is_a_migration_failure(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_fk": (
                """
                CREATE TABLE parent (id int PRIMARY KEY);
                CREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
                INSERT INTO child VALUES (42);
                """,
                "DROP TABLE child; DROP TABLE parent;",
            )
        }
    )

    result = invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert f"{directory / '0001_fk.up.sql'}: insert or update on table" in result.stderr
    assert "(SQLSTATE 23503)" in result.stderr
    assert "at COMMIT" in result.stderr
    assert "DETAIL: Key (parent_id)=(42) is not present" in result.stderr
    assert not relation_exists(conn, "parent")
    assert ledger_snapshot(conn) == []


def test_timeout_the_server_rejects_is_a_usage_error(conn, migration_dir, target):
    directory = migration_dir({"0001_first": FIRST})

    result = invoke(["up", "--statement-timeout", "30d", *target(directory)], ExitCode.USAGE)

    assert "invalid statement_timeout '30d'" in result.stderr
    assert "Value exceeds integer range." in result.stderr
    assert not relation_exists(conn, "first")


def test_debug_traceback_is_masked_too(conn, migration_dir):
    info = conn.info
    url = f"postgresql://{info.user}:s3cretpass@{info.host}:{info.port}/{info.dbname}"
    directory = migration_dir({"0001_broken": ("SELECT 's3cretpass'::int;", "SELECT 1;")})

    result = invoke(
        ["up", "--debug", "--dir", directory, "--database-url", url], ExitCode.MIGRATION_FAILED
    )

    assert "Traceback" in result.stderr
    assert "s3cretpass" not in result.output


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("bom", ["", "\ufeff"], ids=["nobom", "bom"])
@pytest.mark.parametrize("text", ["ascii", "ünïcödé—文字"])
def test_failure_line_is_right_for_every_newline_encoding_and_bom(
    newline, bom, text, migration_dir, target
):
    directory = migration_dir({})
    lines = [f"-- {text}", "CREATE TABLE t (s text);", "INSERT INTO t", f"  VALUES ('{text}'),",
             "  (nope);"]  # fmt: skip
    (directory / "0001_t.up.sql").write_bytes((bom + newline.join(lines)).encode("utf-8"))
    (directory / "0001_t.down.sql").write_text("DROP TABLE t;")

    result = invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert '0001_t.up.sql:5: column "nope" does not exist' in result.stderr
    assert "statement 2: INSERT INTO t" in result.stderr
