"""What the database can refuse or lose during a run, each with a clear message and its exit
code: crash windows of no-transaction files, concurrent index builds that leave an invalid
index, a locked ledger, missing privileges, read-only sessions, rows edited by hand, and a
second ledger started by mistake."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists
from tests.conftest import url_for


def ledger_row(conn: psycopg.Connection, version: int) -> tuple | None:
    return conn.execute(
        "SELECT dirty, statements_done, statement_sent, sent_by_pid IS NOT NULL"
        " FROM schemactl_migrations WHERE version = %s",
        (version,),
    ).fetchone()


def terminate_when_running(conn: psycopg.Connection, text: str) -> threading.Thread:
    """End the server session that runs a query containing ``text``, once it does (up to 30 s)."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        with psycopg.connect(url_for(conn), autocommit=True) as watcher:
            while time.monotonic() < deadline:
                # Not the ledger's writes, which carry the statements' text too.
                row = watcher.execute(
                    "SELECT pid FROM pg_stat_activity WHERE state = 'active'"
                    " AND query LIKE %s AND query NOT LIKE '%%schemactl_migrations%%'"
                    " AND pid <> pg_backend_pid()",
                    (f"%{text}%",),
                ).fetchone()
                if row:
                    watcher.execute("SELECT pg_terminate_backend(%s)", (row[0],))
                    return
                time.sleep(0.02)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


SENT = """
-- schemactl:no-transaction
CREATE TABLE counter (n int);
INSERT INTO counter SELECT 2 FROM pg_sleep(0.5) AS marker_sleeping;
INSERT INTO counter VALUES (3);
"""


@pytest.fixture
def interrupted(conn, migration_dir, target) -> Iterator[Callable[[], list[str]]]:
    """A no-transaction migration whose connection ended while statement 2 ran."""
    directory = migration_dir({"0001_counted": (SENT, "DROP TABLE counter;")})
    watcher = terminate_when_running(conn, "marker_sleeping")
    result = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
    watcher.join()
    assert "whether it took effect is unknown" in result.stderr
    assert ledger_row(conn, 1) == (True, 1, 2, True)
    yield lambda: target(directory)


def test_a_statement_whose_connection_ended_is_never_run_again_unasked(conn, interrupted):
    result = invoke(["up", "--resume", *interrupted()], expect=ExitCode.REFUSED)

    assert (
        "statement 2 of" in result.stderr and "whether it took effect is unknown" in result.stderr
    )
    assert "--rerun-last" in result.stderr and "--skip-last" in result.stderr
    assert ledger_row(conn, 1) == (True, 1, 2, True)
    status = json_out(invoke(["status", "--json", *interrupted()], expect=ExitCode.OK))
    assert status["migrations"][0]["state"] == "dirty"
    assert status["migrations"][0]["statement_sent"] == 2


def test_rerun_last_sends_it_again(conn, interrupted):
    invoke(["up", "--resume", "--rerun-last", *interrupted()])

    assert [r[0] for r in conn.execute("SELECT n FROM counter ORDER BY n")] == [2, 3]
    assert ledger_row(conn, 1) == (False, None, None, False)


def test_skip_last_counts_it_done(conn, interrupted):
    invoke(["up", "--resume", "--skip-last", *interrupted()])

    assert [r[0] for r in conn.execute("SELECT n FROM counter ORDER BY n")] == [3]
    assert ledger_row(conn, 1) == (False, None, None, False)


UNIQUE_BUILD = """
-- schemactl:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY items_code ON items (code);
"""


def test_a_failed_concurrent_build_is_reported_with_its_invalid_index_and_resumed(
    conn, migration_dir, target
):
    conn.execute("CREATE TABLE items (code int); INSERT INTO items VALUES (1), (1)")
    directory = migration_dir({"0001_unique": (UNIQUE_BUILD, "DROP INDEX items_code;")})

    failed = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "(up, left dirty)" in failed.stderr and "(up, rolled back)" not in failed.stderr
    assert "the migration is not rolled back" in failed.stderr
    assert "invalid index public.items_code behind" in failed.stderr
    assert ledger_row(conn, 1) == (True, 0, None, False)
    # A resume that fails the same way keeps the migration dirty.
    again = invoke(["up", "--resume", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
    assert "dropped the invalid index public.items_code" in again.stderr
    assert ledger_row(conn, 1) == (True, 0, None, False)
    assert json_out(invoke(["status", "--json", *target(directory)]))["summary"] == {"dirty": 1}

    conn.execute("DELETE FROM items WHERE ctid = (SELECT max(ctid) FROM items)")
    done = invoke(["up", "--resume", *target(directory)])

    assert "dropped the invalid index public.items_code" in done.stderr
    valid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_code'::regclass"
    assert conn.execute(valid).fetchone() == (True,)
    assert ledger_row(conn, 1) == (False, None, None, False)


def test_a_concurrent_build_whose_connection_ended_is_settled_by_proof(conn, migration_dir, target):
    conn.execute("CREATE TABLE items (code int); INSERT INTO items SELECT generate_series(1, 10)")
    build = "-- schemactl:no-transaction\nCREATE INDEX CONCURRENTLY items_code ON items (code);"
    directory = migration_dir({"0001_index": (build, "DROP INDEX items_code;")})
    # A concurrent build waits for every older snapshot: this one keeps it running.
    with psycopg.connect(url_for(conn)) as snapshot:
        snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot.execute("SELECT 1")
        watcher = terminate_when_running(conn, "CREATE INDEX CONCURRENTLY items_code")
        invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
        watcher.join()
        snapshot.rollback()
    assert ledger_row(conn, 1) == (True, 0, 1, True)

    result = invoke(["up", "--resume", *target(directory)])

    assert "statement 1 of 1 index, sent before the run stopped" in result.stderr
    valid = "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_code'::regclass"
    assert conn.execute(valid).fetchone() == (True,)
    assert ledger_row(conn, 1) == (False, None, None, False)


def test_a_resume_waits_for_the_statement_still_running_on_the_server(conn, migration_dir, target):
    directory = migration_dir(
        {"0001_counted": ("-- schemactl:no-transaction\nSELECT 1;\nSELECT 2;", "SELECT 1;")}
    )
    invoke(["up", *target(directory)])
    # Stands for the session of the run that sent the statement.
    with psycopg.connect(url_for(conn), autocommit=True, application_name="schemactl up") as busy:
        pid = busy.info.backend_pid
        conn.execute(
            "UPDATE schemactl_migrations SET dirty = true, dirty_direction = 'up',"
            " statements_done = 1, statement_sent = 2, sent_by_pid = %s",
            (pid,),
        )
        sleeper = threading.Thread(target=lambda: busy.execute("SELECT pg_sleep(3)"))
        sleeper.start()
        try:
            time.sleep(0.3)
            result = invoke(["up", "--resume", *target(directory)], expect=ExitCode.REFUSED)
        finally:
            sleeper.join()

    assert f"still running on the server, in process {pid}" in result.stderr
    assert "pg_cancel_backend" in result.stderr


def test_a_lock_on_the_ledger_table_is_waited_for_up_to_wait_and_named(conn, migration_dir, target):
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})
    invoke(["up", *target(directory)])
    directory = migration_dir(
        {
            "0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
            "0002_u": ("CREATE TABLE u (id int);", "DROP TABLE u;"),
        }
    )
    with psycopg.connect(url_for(conn)) as holder:
        holder.execute("LOCK TABLE schemactl_migrations IN ACCESS EXCLUSIVE MODE")
        pid = holder.info.backend_pid
        started = time.monotonic()
        status = invoke(["status", "--wait", "1", *target(directory)], expect=ExitCode.ENVIRONMENT)
        up = invoke(["up", "--wait", "1", *target(directory)], expect=ExitCode.ENVIRONMENT)
        elapsed = time.monotonic() - started
        holder.rollback()

    for result in (status, up):
        assert "the ledger table public.schemactl_migrations stayed locked" in result.stderr
        assert f"held by pid {pid}" in result.stderr and "AccessExclusiveLock" in result.stderr
    assert elapsed < 20
    assert not relation_exists(conn, "u")


def test_a_lock_on_the_ledger_taken_while_migrations_run_fails_the_migration_naming_it(
    conn, migration_dir, target
):
    directory = migration_dir(
        {
            "0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
            "0002_slow": ("SELECT pg_sleep(1);\nCREATE TABLE slow (id int);", "DROP TABLE slow;"),
        }
    )
    with psycopg.connect(url_for(conn)) as holder:

        def lock_once_recorded() -> None:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if conn.execute("SELECT to_regclass('t')").fetchone()[0] is not None:
                    holder.execute("LOCK TABLE schemactl_migrations IN SHARE MODE")
                    return
                time.sleep(0.02)

        locker = threading.Thread(target=lock_once_recorded)
        locker.start()
        result = invoke(["up", "--wait", "1", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
        locker.join()
        pid = holder.info.backend_pid
        holder.rollback()

    assert "0002_slow.up.sql" in result.stderr and f"held by pid {pid}" in result.stderr
    assert "rolled back" in result.stderr
    assert ledger_versions(conn) == [1] and not relation_exists(conn, "slow")


@pytest.fixture
def role(conn) -> Iterator[str]:
    """A login role with no privileges of its own (cluster-wide, so named for this test)."""
    name = f"r_{conn.info.dbname}"
    conn.execute(f"CREATE ROLE {name} LOGIN")
    yield name
    conn.execute(f"DROP OWNED BY {name}")
    conn.execute(f"DROP ROLE {name}")


def as_role(conn: psycopg.Connection, role: str) -> str:
    info = conn.info
    return f"postgresql://{role}@{info.host}:{info.port}/{info.dbname}"


def test_a_role_that_may_create_in_public_but_not_schemas_gets_its_ledger(
    conn, role, migration_dir
):
    conn.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})

    invoke(["up", "--dir", directory, "--database-url", as_role(conn, role)])

    assert ledger_versions(conn) == [1]


def test_missing_privileges_name_what_is_missing(conn, role, migration_dir):
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})
    url = as_role(conn, role)

    schema = invoke(
        ["up", "--ledger-table", "ops.ledger", "--dir", directory, "--database-url", url],
        expect=ExitCode.ENVIRONMENT,
    )
    invoke(["up", *["--dir", directory, "--database-url", url_for(conn)]])
    reading = invoke(
        ["status", "--dir", directory, "--database-url", url], expect=ExitCode.ENVIRONMENT
    )

    assert "permission denied creating public" not in schema.stderr
    assert "permission denied creating ops.ledger" in schema.stderr
    assert "GRANT CREATE ON SCHEMA" in schema.stderr and "ON DATABASE" in schema.stderr
    assert "permission denied reading public.schemactl_migrations" in reading.stderr
    assert "GRANT SELECT ON the ledger table" in reading.stderr
    assert f"connected as {role}" in reading.stderr


def test_a_read_only_session_is_refused_before_anything_runs(conn, role, migration_dir):
    conn.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    conn.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})

    result = invoke(
        ["up", "--dir", directory, "--database-url", as_role(conn, role)],
        expect=ExitCode.ENVIRONMENT,
    )

    assert "are read-only (default_transaction_read_only = on)" in result.stderr
    assert not relation_exists(conn, "schemactl_migrations")


def test_a_no_transaction_migration_that_drops_the_ledger_is_reported(conn, migration_dir, target):
    drops = (
        "-- schemactl:no-transaction\nCREATE TABLE a (id int);\nDROP TABLE schemactl_migrations;"
    )
    directory = migration_dir({"0001_drop": (drops, "DROP TABLE a;")})

    result = invoke(["up", *target(directory)], expect=ExitCode.REFUSED)

    assert "the ledger table public.schemactl_migrations was dropped or altered" in result.stderr


def test_a_connection_lost_in_the_first_statement_of_a_no_transaction_file_is_reported(
    conn, migration_dir, target
):
    first = "-- schemactl:no-transaction\nSELECT pg_sleep(5) AS marker_first;\nSELECT 2;"
    directory = migration_dir({"0001_lost": (first, "SELECT 1;")})
    watcher = terminate_when_running(conn, "marker_first")

    result = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
    watcher.join()

    assert "0001_lost.up.sql:2" in result.stderr
    assert "whether it took effect is unknown" in result.stderr
    assert ledger_row(conn, 1) == (True, 0, 1, True)


@pytest.mark.parametrize("done", [-1, 99])
def test_progress_edited_by_hand_is_refused_on_resume(conn, migration_dir, target, done):
    body = "-- schemactl:no-transaction\nCREATE TABLE a (id int);\nSELECT 1 / 0;"
    directory = migration_dir({"0001_idx": (body, "DROP TABLE a;")})
    invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)
    conn.execute(
        "ALTER TABLE schemactl_migrations DROP CONSTRAINT IF EXISTS"
        " schemactl_migrations_statements_done_check"
    )
    conn.execute("UPDATE schemactl_migrations SET statements_done = %s", (done,))

    result = invoke(["up", "--resume", *target(directory)], expect=ExitCode.REFUSED)

    assert f"statements_done = {done}" in result.stderr
    assert "the ledger row of migration 1 is inconsistent" in result.stderr


def test_a_row_without_applied_at_is_shown_not_crashed_on(conn, migration_dir, target):
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})
    invoke(["up", *target(directory)])
    conn.execute("ALTER TABLE schemactl_migrations ALTER applied_at DROP NOT NULL")
    conn.execute("UPDATE schemactl_migrations SET applied_at = NULL")

    table = invoke(["status", *target(directory)])
    report = json_out(invoke(["status", "--json", *target(directory)]))

    assert "applied" in table.stdout
    assert report["migrations"][0]["applied_at"] is None


def test_a_ledger_name_is_read_as_sql_reads_it(conn, migration_dir, target):
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})
    invoke(["up", *target(directory)])

    result = invoke(["up", "--ledger-table", "Public.Schemactl_Migrations", *target(directory)])

    assert "nothing to do" in result.stderr
    assert ledger_versions(conn) == [1]


def test_a_second_ledger_is_refused_naming_both_unless_asked_for(conn, migration_dir, target):
    directory = migration_dir({"0001_t": ("CREATE TABLE IF NOT EXISTS t (id int);", "SELECT 1;")})
    invoke(["up", *target(directory)])

    refused = invoke(
        ["up", "--ledger-table", "ops.ledger", *target(directory)], expect=ExitCode.REFUSED
    )
    status = invoke(["status", "--ledger-table", "ops.ledger", *target(directory)])
    invoke(["up", "--ledger-table", "ops.ledger", "--new-ledger", *target(directory)])

    assert "ops.ledger does not exist" in refused.stderr
    assert "public.schemactl_migrations" in refused.stderr and "--new-ledger" in refused.stderr
    assert "is --ledger-table right?" in status.stderr
    assert ledger_versions(conn, "ops.ledger") == [1]


def test_a_commit_or_rollback_hidden_from_the_splitter_never_leaves_a_ledger_row(
    conn, migration_dir, target
):
    # A parameter named "begin" in a SQL-standard function body has fooled the splitter.
    body = """
    CREATE TABLE booking (id int, starts date);
    CREATE FUNCTION after_start(begin date, d date) RETURNS boolean LANGUAGE sql
      RETURN d >= begin;
    CREATE TABLE other (x int);
    ROLLBACK;
    """
    directory = migration_dir({"0001_fn": (body, "SELECT 1;")})

    result = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "transaction ended before its last statement" in result.stderr
    assert "(up, ended early, not recorded)" in result.stderr
    assert ledger_versions(conn) == [] and not relation_exists(conn, "booking")


def test_database_defaults_a_migration_changes_are_held_to_the_runs_checks(
    conn, migration_dir, target
):
    escapes = """
    DO $$ BEGIN
      EXECUTE format('ALTER DATABASE %I SET standard_conforming_strings = off',
                     current_database());
    END $$;
    """
    directory = migration_dir(
        {
            "0001_escapes": (escapes, "SELECT 1;"),
            "0002_paths": (r"CREATE TABLE paths AS SELECT 'C:\new\table' AS p;", "SELECT 1;"),
        }
    )
    try:
        result = invoke(["up", *target(directory)], expect=ExitCode.USAGE)
    finally:
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" RESET standard_conforming_strings')

    assert "standard_conforming_strings = off" in result.stderr
    assert ledger_versions(conn) == [1] and not relation_exists(conn, "paths")


def test_an_invalid_index_another_build_left_is_neither_blamed_nor_dropped(
    conn, migration_dir, target
):
    conn.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY others_idx ON t (a)")
    build = "-- schemactl:no-transaction\nCREATE INDEX CONCURRENTLY ON t (nosuchcol);"
    directory = migration_dir({"0001_index": (build, "SELECT 1;")})

    result = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "(up, rolled back)" in result.stderr and "others_idx" not in result.stderr
    assert ledger_versions(conn) == [] and relation_exists(conn, "others_idx")


def test_a_no_transaction_down_whose_first_statement_fails_stays_applied(
    conn, migration_dir, target
):
    down = "-- schemactl:no-transaction\nDROP INDEX CONCURRENTLY no_such_index;"
    directory = migration_dir({"0001_t": ("CREATE TABLE t (a int);", down)})
    invoke(["up", *target(directory)])

    invoke(["down", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert json_out(invoke(["status", "--json", *target(directory)]))["summary"] == {"applied": 1}


def test_a_resume_refuses_when_the_statement_sent_was_edited(conn, interrupted):
    up_file = Path(interrupted()[1]) / "0001_counted.up.sql"
    up_file.write_text(up_file.read_text().replace("SELECT 2 FROM", "SELECT 22 FROM"))

    result = invoke(["up", "--resume", "--rerun-last", *interrupted()], ExitCode.REFUSED)

    assert "statements that already ran have changed since" in result.stderr
    assert "with the one sent before the run stopped" in result.stderr
    assert ledger_row(conn, 1) == (True, 1, 2, True)


def test_a_shadowing_operator_does_not_change_what_the_ledger_records(conn, migration_dir, target):
    shadow = """
    CREATE FUNCTION public.times(integer, numeric) RETURNS numeric LANGUAGE sql
      AS 'SELECT -42::numeric';
    CREATE OPERATOR public.* (LEFTARG = integer, RIGHTARG = numeric, FUNCTION = public.times);
    """
    directory = migration_dir(
        {
            "0001_shadow": (shadow, "DROP OPERATOR public.* (integer, numeric);"),
            "0002_t": ("CREATE TABLE t (a int);", "DROP TABLE t;"),
        }
    )

    invoke(["up", *target(directory)])

    times = conn.execute("SELECT execution_ms FROM schemactl_migrations").fetchall()
    assert all(ms >= 0 for (ms,) in times)


def test_a_ledger_in_a_reserved_schema_is_refused_before_connecting(migration_dir, target):
    directory = migration_dir({"0001_t": ("CREATE TABLE t (a int);", "DROP TABLE t;")})

    result = invoke(["up", "--ledger-table", "pg_temp.x", *target(directory)], ExitCode.USAGE)

    assert "reserved for the system" in result.stderr
