"""``up --guard``: a migration that would queue behind another session's lock waits for it
first (saying for whom), or gives up naming it, with nothing of the migration run."""

from __future__ import annotations

import secrets
import textwrap
import threading
from pathlib import Path

import psycopg
import pytest

from schemactl.errors import ExitCode
from schemactl.files.migrations import Script
from schemactl.run.guard import conflicts
from schemactl.run.locking import targets
from tests.cli.conftest import invoke, ledger_versions
from tests.cli.holders import (
    ADD_COLUMN,
    HOLDER_APP,
    has_note_column,
    release_once_seen,
    said,
)
from tests.conftest import url_for

# The guard's query, as the run's control session shows it once it has run it.
GUARD_LOOKED = (
    "SELECT count(*) > 0 FROM pg_stat_activity"
    " WHERE application_name = 'schemactl up' AND query LIKE '%%WITH target AS%%'"
)


def release_once_guarded(holder: psycopg.Connection, url: str) -> threading.Thread:
    return release_once_seen(holder, url, GUARD_LOOKED, 1.0)


def test_guard_waits_for_the_holder_and_then_applies(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid
    release = release_once_guarded(holder, url_for(conn))
    try:
        result = invoke(["up", "--guard", "--wait", "10", *target(directory)])
    finally:
        release.join()

    stderr = said(result.stderr)
    assert "--guard: 1 note waits for a session holding locks it would queue behind" in stderr
    assert f"pid {pid} ({HOLDER_APP}, user " in stderr
    assert "holding AccessShareLock on t: SELECT 1 FROM t LIMIT 1" in stderr
    assert "--guard: the way is clear for 1 note" in stderr
    assert "applied 1 note" in stderr
    assert ledger_versions(conn) == [1]
    assert has_note_column(conn)


def test_guard_gives_up_naming_the_holder_and_runs_nothing(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid

    result = invoke(["up", "--guard", "--wait", "1", *target(directory)], ExitCode.ENVIRONMENT)

    stderr = said(result.stderr)
    assert "error: migration 1 note not started: a session kept a lock on t" in stderr
    assert f"held by pid {pid} ({HOLDER_APP}, user " in stderr
    assert "idle in transaction" in stderr
    assert f"SELECT pg_terminate_backend({pid})" in stderr
    assert ledger_versions(conn) == []
    holder.rollback()
    assert not has_note_column(conn)


def test_guard_applies_what_came_before_the_held_table(conn, holder, migration_dir, target):
    directory = migration_dir(
        {
            "0001_other": ("CREATE TABLE other (id int);", "DROP TABLE other;"),
            "0002_note": ADD_COLUMN,
        }
    )

    invoke(["up", "--guard", "--wait", "0.5", *target(directory)], ExitCode.ENVIRONMENT)

    assert ledger_versions(conn) == [1]


def test_guard_does_not_wait_for_a_lock_that_does_not_conflict(conn, holder, migration_dir, target):
    # CREATE INDEX takes SHARE, which ACCESS SHARE does not block.
    directory = migration_dir({"0001_index": ("CREATE INDEX t_id ON t (id);", "DROP INDEX t_id;")})

    result = invoke(["up", "--guard", "--wait", "5", *target(directory)])

    assert "--guard" not in result.stderr
    assert ledger_versions(conn) == [1]


def test_guard_ignores_tables_the_migration_creates(conn, holder, migration_dir, target):
    up = "CREATE TABLE fresh (id int); ALTER TABLE fresh ADD COLUMN note text;"
    directory = migration_dir({"0001_fresh": (up, "DROP TABLE fresh;")})

    result = invoke(["up", "--guard", "--wait", "5", *target(directory)])

    assert "--guard" not in result.stderr
    assert ledger_versions(conn) == [1]


def locked(tmp_path: Path, sql: str) -> list[tuple[str, str, int]]:
    path = tmp_path / "0001_x.up.sql"
    path.write_text(textwrap.dedent(sql))
    return [(str(t.relation), t.mode, t.statement) for t in targets(Script.read(path))]


def test_statements_name_the_tables_they_lock_and_the_mode(tmp_path):
    # One statement at a time (no transaction): VACUUM and CONCURRENTLY may stand beside the
    # rest.
    sql = """
        -- schemactl:no-transaction
        CREATE TABLE fresh (id int REFERENCES parent (id));
        ALTER TABLE fresh ADD COLUMN x int;
        ALTER TABLE ONLY public.orders ADD COLUMN note text;
        ALTER TABLE orders VALIDATE CONSTRAINT orders_fk;
        CREATE INDEX orders_note ON orders (note);
        CREATE INDEX CONCURRENTLY orders_x ON orders (x);
        CREATE UNIQUE INDEX IF NOT EXISTS u ON ONLY "Items" (id);
        DROP TABLE IF EXISTS a, b CASCADE;
        TRUNCATE TABLE c, ONLY d RESTART IDENTITY;
        CREATE TRIGGER trg BEFORE INSERT OR UPDATE ON e FOR EACH ROW EXECUTE FUNCTION f();
        REFRESH MATERIALIZED VIEW mv;
        REFRESH MATERIALIZED VIEW CONCURRENTLY mv2;
        LOCK TABLE g IN SHARE MODE;
        VACUUM (FULL, VERBOSE) h;
        SELECT 'ALTER TABLE nothing ADD COLUMN y int';
    """
    assert locked(tmp_path, sql) == [
        ("parent", "ShareRowExclusiveLock", 1),
        ("public.orders", "AccessExclusiveLock", 3),
        ("orders", "ShareUpdateExclusiveLock", 4),
        ("orders", "ShareLock", 5),
        ('"Items"', "ShareLock", 7),
        ("a", "AccessExclusiveLock", 8),
        ("b", "AccessExclusiveLock", 8),
        ("c", "AccessExclusiveLock", 9),
        ("d", "AccessExclusiveLock", 9),
        ("e", "ShareRowExclusiveLock", 10),
        ("mv", "AccessExclusiveLock", 11),
        ("g", "ShareLock", 13),
        ("h", "AccessExclusiveLock", 14),
    ]


@pytest.mark.parametrize(
    ("wanted", "held", "expected"),
    [
        ("AccessExclusiveLock", "AccessShareLock", True),
        ("ShareLock", "AccessShareLock", False),
        ("ShareLock", "RowExclusiveLock", True),
        ("ShareLock", "ShareLock", False),
        ("ShareUpdateExclusiveLock", "ShareUpdateExclusiveLock", True),
        ("ShareRowExclusiveLock", "RowShareLock", False),
        ("ShareRowExclusiveLock", "RowExclusiveLock", True),
    ],
)
def test_lock_modes_conflict_as_postgresql_documents(wanted, held, expected):
    assert conflicts(wanted, held) is expected


def test_guard_waits_for_another_roles_session_whose_state_it_cannot_see(conn, migration_dir):
    # A migration role without pg_read_all_stats sees other roles' sessions with a NULL state
    # and transaction start: the application's session the guard exists for must still count.
    role = f"guard_{secrets.token_hex(4)}"
    conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        conn.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
        conn.execute(f"CREATE TABLE t (id int); ALTER TABLE t OWNER TO {role}")
        url = url_for(conn).replace("postgres@", f"{role}@", 1)

        def target(directory: Path) -> list[str]:
            return ["--dir", str(directory), "--database-url", url]

        directory = migration_dir({"0001_note": ADD_COLUMN})
        with psycopg.connect(url_for(conn), application_name=HOLDER_APP) as other:
            other.execute("SELECT 1 FROM t LIMIT 1")
            pid = other.info.backend_pid

            result = invoke(
                ["up", "--guard", "--wait", "1", "--lock-timeout", "3s", *target(directory)],
                ExitCode.ENVIRONMENT,
            )
            other.rollback()

        stderr = said(result.stderr)
        assert f"held by pid {pid} (" in stderr
        assert "state hidden from this role (pg_read_all_stats shows it)" in stderr
        assert not has_note_column(conn)
    finally:
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")
