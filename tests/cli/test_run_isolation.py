"""One migration never changes how another runs: each starts as in a new session, and the run
lock lives where no migration can release it. Each test applies the directory in one run and
in one run per migration where the difference used to show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, ledger_versions, relation_exists
from tests.conftest import url_for


def one_run_and_one_per_migration(
    directory: Path,
    make_database: Callable[[], psycopg.Connection],
    check: Callable[[psycopg.Connection], object],
) -> None:
    """Apply ``directory`` to two new databases, in one run and in one run per migration, and
    require ``check`` to see the same in both (and something: it must not return None)."""
    whole, split = make_database(), make_database()
    invoke(["up", "--dir", directory, "--database-url", url_for(whole)])
    versions = sorted(int(p.name.split("_")[0]) for p in directory.glob("*.up.sql"))
    for version in versions:
        invoke(["up", "--to", version, "--dir", directory, "--database-url", url_for(split)])
    seen = check(whole)
    assert seen is not None
    assert seen == check(split)


def test_search_path_set_by_a_migration_does_not_reach_the_next(migration_dir, make_database):
    directory = migration_dir(
        {
            "0001_schema": ("CREATE SCHEMA other;", "DROP SCHEMA other;"),
            "0002_path": ("SET search_path = other, public;", "SELECT 1;"),
            "0003_table": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
        }
    )

    def where(conn: psycopg.Connection) -> str:
        return conn.execute("SELECT 't'::regclass::text").fetchone()[0]

    one_run_and_one_per_migration(directory, make_database, where)
    assert where(make_database.made[-1]) == "t"  # public, as a new session reads it


def test_role_set_by_a_migration_does_not_own_later_tables(make_role, migration_dir, make_database):
    role = make_role()
    directory = migration_dir(
        {
            "0001_become": (
                f"GRANT CREATE ON SCHEMA public TO {role};\nSET ROLE {role};",
                f"REVOKE CREATE ON SCHEMA public FROM {role};",
            ),
            "0002_table": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
        }
    )

    def owners(conn: psycopg.Connection) -> tuple[str, list[str]]:
        owner = conn.execute("SELECT relowner::regrole::text FROM pg_class WHERE relname = 't'")
        applied_by = conn.execute("SELECT applied_by FROM schemactl_migrations ORDER BY version")
        return owner.fetchone()[0], [r[0] for r in applied_by]

    one_run_and_one_per_migration(directory, make_database, owners)
    assert owners(make_database.made[-1]) == ("postgres", ["postgres", "postgres"])


def test_string_syntax_set_by_a_migration_does_not_change_how_the_next_is_read(
    migration_dir, make_database
):
    directory = migration_dir(
        {
            "0001_keep": ("CREATE TABLE keep (v text);", "DROP TABLE keep;"),
            "0002_escapes": (
                "SELECT set_config('standard_conforming_strings', 'off', false);",
                "SELECT 1;",
            ),
            "0003_backslash": (r"INSERT INTO keep VALUES ('a\b');", "DELETE FROM keep;"),
            # Two SELECTs; read with escapes, one string and then a DROP TABLE.
            "0004_two_selects": (r"SELECT 'a\'; SELECT ';DROP TABLE keep;--';", "SELECT 1;"),
        }
    )

    def data(conn: psycopg.Connection) -> list[str]:
        return [r[0] for r in conn.execute("SELECT v FROM keep")]

    one_run_and_one_per_migration(directory, make_database, data)
    assert data(make_database.made[-1]) == ["a\\b"]


def test_client_encoding_set_by_a_migration_does_not_change_how_the_next_is_read(
    migration_dir, make_database
):
    directory = migration_dir(
        {
            "0001_t": ("CREATE TABLE t (v text);", "DROP TABLE t;"),
            "0002_latin1": ("SET client_encoding = 'LATIN1';", "SELECT 1;"),
            "0003_text": ("INSERT INTO t VALUES ('crème brûlée ✓');", "DELETE FROM t;"),
        }
    )

    def data(conn: psycopg.Connection) -> list[str]:
        return [r[0] for r in conn.execute("SELECT v FROM t")]

    one_run_and_one_per_migration(directory, make_database, data)
    assert data(make_database.made[-1]) == ["crème brûlée ✓"]


def test_temporary_objects_prepared_statements_and_settings_are_gone_for_the_next(
    migration_dir, make_database
):
    directory = migration_dir(
        {
            "0001_leave": (
                """
                CREATE TEMP TABLE scratch (id int);
                PREPARE q AS SELECT 1;
                SET statement_timeout = '5min';
                SET myapp.tenant = 'acme';
                SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;
                """,
                "SELECT 1;",
            ),
            "0002_find": (
                """
                CREATE TABLE seen AS
                SELECT to_regclass('pg_temp.scratch') IS NULL AS no_temp,
                       (SELECT count(*) FROM pg_prepared_statements) AS prepared,
                       current_setting('statement_timeout') AS timeout,
                       coalesce(current_setting('myapp.tenant', true), '') AS tenant,
                       pg_sleep(0.01) IS NULL AS slept;
                PREPARE q AS SELECT 2;
                """,
                "DROP TABLE seen;",
            ),
        }
    )

    def seen(conn: psycopg.Connection) -> tuple:
        return conn.execute("SELECT no_temp, prepared, timeout, tenant FROM seen").fetchone()

    one_run_and_one_per_migration(directory, make_database, seen)
    assert seen(make_database.made[-1]) == (True, 0, "0", "")


def test_database_defaults_changed_by_a_migration_reach_the_next_as_a_new_session(
    migration_dir, make_database
):
    directory = migration_dir(
        {
            "0001_schema": ("CREATE SCHEMA app;", "DROP SCHEMA app;"),
            "0002_default": (
                """
                DO $$ BEGIN
                  EXECUTE format('ALTER DATABASE %I SET search_path = app, public',
                                 current_database());
                END $$;
                """,
                "SELECT 1;",
            ),
            "0003_table": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
        }
    )

    def where(conn: psycopg.Connection) -> str:
        return conn.execute(
            "SELECT relnamespace::regnamespace::text FROM pg_class WHERE relname = 't'"
        ).fetchone()[0]

    one_run_and_one_per_migration(directory, make_database, where)
    assert where(make_database.made[-1]) == "app"


def test_a_migration_cannot_release_the_run_lock(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_unlock": ("SELECT pg_advisory_unlock_all();", "SELECT 1;"),
            "0002_discard": ("-- schemactl:no-transaction\nDISCARD ALL;", "SELECT 1;"),
            "0003_look": (
                """
                CREATE TABLE held AS
                SELECT count(*) AS locks FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
                   AND database = (SELECT oid FROM pg_database
                                    WHERE datname = current_database());
                """,
                "DROP TABLE held;",
            ),
        }
    )

    invoke(["up", *target(directory)])

    assert conn.execute("SELECT locks FROM held").fetchone()[0] == 1
    assert ledger_versions(conn) == [1, 2, 3]


def test_a_version_recorded_meanwhile_fails_instead_of_being_applied_twice(
    conn, migration_dir, target
):
    directory = migration_dir(
        {
            # Stands for another run recording version 2 while this one runs.
            "0001_other_run": (
                """
                INSERT INTO public.schemactl_migrations (version, name, checksum, statements)
                VALUES (2, 'counted', 'elsewhere', '{}');
                """,
                "DELETE FROM public.schemactl_migrations WHERE version = 2;",
            ),
            "0002_counted": ("CREATE TABLE counted (id int);", "DROP TABLE counted;"),
        }
    )

    result = invoke(["up", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "version 2 is already in the ledger" in result.stderr
    assert "0002_counted.up.sql" in result.stderr
    assert not relation_exists(conn, "counted")
    row = conn.execute("SELECT checksum FROM schemactl_migrations WHERE version = 2").fetchone()
    assert row == ("elsewhere",)


def test_a_version_forgotten_meanwhile_is_not_rolled_back_twice(conn, migration_dir, target):
    directory = migration_dir(
        {
            "0001_t": (
                "CREATE TABLE t (id int);",
                # Stands for another run rolling version 1 back while this one does.
                "DELETE FROM public.schemactl_migrations WHERE version = 1;\nDROP TABLE t;",
            )
        }
    )
    invoke(["up", *target(directory)])

    result = invoke(["down", *target(directory)], expect=ExitCode.MIGRATION_FAILED)

    assert "version 1 was no longer in the ledger" in result.stderr
    assert relation_exists(conn, "t") and ledger_versions(conn) == [1]


@pytest.fixture
def make_role(conn):
    """Factory: a login role (cluster-wide, so named for this test's database), dropped after."""
    made: list[str] = []

    def make() -> str:
        name = f"r_{conn.info.dbname}_{len(made)}"
        conn.execute(f"CREATE ROLE {name}")
        made.append(name)
        return name

    yield make
    for name in made:
        conn.execute(f"DROP OWNED BY {name}")
        conn.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def make_database(make_database):
    made: list[psycopg.Connection] = []

    def make() -> psycopg.Connection:
        made.append(make_database())
        return made[-1]

    make.made = made  # type: ignore[attr-defined]
    return make
