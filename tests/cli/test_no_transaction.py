"""No-transaction migrations: dirty state, refusals, ``up --resume`` and ``repair``."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

UP = """
-- schemactl:no-transaction
CREATE TABLE a (id int);
CREATE INDEX CONCURRENTLY a_id ON a (id);
CREATE INDEX CONCURRENTLY b_id ON b (id);
CREATE TABLE c (id int);
"""
DOWN = """
-- schemactl:no-transaction
DROP TABLE c;
DROP INDEX CONCURRENTLY b_id;
DROP TABLE a;
"""


def dirty_row(conn):
    return conn.execute(
        "SELECT dirty, statements_done FROM public.schemactl_migrations WHERE version = 1"
    ).fetchone()


def make_dirty(migration_dir, target):
    """Apply UP, whose third statement fails because table b does not exist."""
    directory = migration_dir({"0001_indexes": (UP, DOWN)})
    result = invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)
    return directory, result


def test_no_transaction_failure_midway_marks_dirty_with_statements_done(
    conn, migration_dir, target
):
    _, result = make_dirty(migration_dir, target)

    assert dirty_row(conn) == (True, 2)
    assert relation_exists(conn, "a") and relation_exists(conn, "a_id")
    assert not relation_exists(conn, "c")
    assert "0001_indexes.up.sql:4" in result.stderr and "(SQLSTATE 42P01)" in result.stderr
    assert "2 of 4 statements completed before this one" in result.stderr
    assert "failed 1 indexes (up, left dirty)" in result.stderr


def test_up_and_down_refuse_a_dirty_migration_saying_which_statements_ran(
    conn, migration_dir, target
):
    directory, _ = make_dirty(migration_dir, target)
    migration_dir({"0002_more": ("CREATE TABLE more (id int);", "DROP TABLE more;")})

    up = invoke(["up", *target(directory)], ExitCode.REFUSED)
    down = invoke(["down", *target(directory)], ExitCode.REFUSED)

    for result in (up, down):
        assert "migration 1 indexes is dirty" in result.stderr
        assert "2 of 4 statements completed" in result.stderr
    assert not relation_exists(conn, "more")
    assert relation_exists(conn, "a")
    assert dirty_row(conn) == (True, 2)


def test_status_reports_dirty_with_statements_done(migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)

    report = json_out(invoke(["status", "--json", *target(directory)]))
    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)

    (entry,) = report["migrations"]
    assert (entry["state"], entry["statements_done"]) == ("dirty", 2)
    assert report["summary"] == {"dirty": 1}


def test_resume_continues_from_the_failed_statement(conn, migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)
    conn.execute("CREATE TABLE b (id int)")

    result = invoke(["up", "--resume", *target(directory)])

    # Re-running statement 1 would have failed: table a already exists.
    assert "resuming 1 indexes at statement 3" in result.stderr
    assert relation_exists(conn, "b_id") and relation_exists(conn, "c")
    assert dirty_row(conn) == (False, None)
    status = json_out(invoke(["status", "--json", *target(directory)]))
    assert status["summary"] == {"applied": 1}


def test_resume_accepts_a_fix_to_the_failed_statement(conn, migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)
    fixed = UP.replace("ON b (id)", "ON a (id)")
    (directory / "0001_indexes.up.sql").write_text(fixed.lstrip("\n"))

    invoke(["up", "--resume", *target(directory)])

    assert relation_exists(conn, "b_id") and relation_exists(conn, "c")
    assert json_out(invoke(["status", "--json", *target(directory)]))["summary"] == {"applied": 1}


def test_resume_refuses_when_statements_that_already_ran_changed(conn, migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)
    conn.execute("CREATE TABLE b (id int)")
    changed = UP.replace("CREATE TABLE a (id int)", "CREATE TABLE a (id bigint)")
    (directory / "0001_indexes.up.sql").write_text(changed.lstrip("\n"))

    result = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)

    assert "statements that already ran have changed" in result.stderr
    assert not relation_exists(conn, "c")
    assert dirty_row(conn) == (True, 2)


def test_resume_without_a_dirty_migration_is_a_usage_error(migration_dir, target):
    directory = migration_dir({"0001_a": ("SELECT 1;", "SELECT 1;")})

    result = invoke(["up", "--resume", *target(directory)], ExitCode.USAGE)

    assert "no migration is dirty" in result.stderr


def test_repair_applied_marks_a_dirty_migration_applied(conn, migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)
    conn.execute("CREATE TABLE b (id int); CREATE INDEX b_id ON b (id); CREATE TABLE c (id int)")

    result = invoke(["repair", "1", "--applied", *target(directory)])

    assert "version 1 indexes (was dirty): marked applied" in result.stderr
    assert dirty_row(conn) == (False, None)
    invoke(["status", "--exit-code", *target(directory)])
    invoke(["down", *target(directory)])
    assert not relation_exists(conn, "a")


def test_repair_forget_removes_a_dirty_migration_from_the_ledger(conn, migration_dir, target):
    directory, _ = make_dirty(migration_dir, target)
    conn.execute("DROP TABLE a")

    invoke(["repair", "1", "--forget", *target(directory)])

    assert ledger_versions(conn) == []
    conn.execute("CREATE TABLE b (id int)")
    invoke(["up", *target(directory)])
    assert relation_exists(conn, "c")


def test_failure_in_the_first_statement_leaves_no_ledger_row(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_index": (
                """
                -- schemactl:no-transaction
                CREATE INDEX CONCURRENTLY x_id ON x (id);
                """,
                "DROP INDEX x_id;",
            )
        }
    )

    invoke(["up", *target(directory)], ExitCode.MIGRATION_FAILED)

    assert ledger_versions(conn) == []
    invoke(["status", "--exit-code", *target(directory)], ExitCode.CHECK_FAILED)
    assert json_out(invoke(["status", "--json", *target(directory)]))["summary"] == {"pending": 1}


def test_no_transaction_down_runs_and_removes_the_row(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_index": (
                """
                -- schemactl:no-transaction
                CREATE TABLE t (id int);
                CREATE INDEX CONCURRENTLY t_id ON t (id);
                """,
                """
                -- schemactl:no-transaction
                DROP INDEX CONCURRENTLY t_id;
                DROP TABLE t;
                """,
            )
        }
    )
    invoke(["up", *target(directory)])
    assert dirty_row(conn) == (False, None)

    invoke(["down", *target(directory)])

    assert ledger_versions(conn) == []
    assert not relation_exists(conn, "t")


def test_no_transaction_down_failing_midway_is_dirty_and_only_repair_clears_it(
    conn, migration_dir, target
):
    directory = migration_dir(
        {
            "0001_tables": (
                "CREATE TABLE a (id int); CREATE TABLE b (id int);",
                """
                -- schemactl:no-transaction
                DROP TABLE a;
                DROP TABLE nope;
                DROP TABLE b;
                """,
            )
        }
    )
    invoke(["up", *target(directory)])

    down = invoke(["down", *target(directory)], ExitCode.MIGRATION_FAILED)
    resume = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)

    assert "1 of 3 statements completed before this one" in down.stderr
    assert "schemactl repair 1 --forget" in down.stderr
    assert "became dirty while rolling back" in resume.stderr
    assert dirty_row(conn) == (True, 1)
    assert not relation_exists(conn, "a") and relation_exists(conn, "b")
    conn.execute("DROP TABLE b")
    invoke(["repair", "1", "--forget", *target(directory)])
    assert ledger_versions(conn) == []
