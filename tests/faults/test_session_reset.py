"""Migrations that set things, drop things and unlock things, all in one directory, applied in
one run and in one run per migration (``up --to N`` for each N): every migration must start as
in a new session, so both ways must leave the same schema, owners, data, database settings and
ledger, and the one a new session per migration would leave. A second run started meanwhile
must wait for the run lock however the migrations unlock and discard."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke
from tests.conftest import url_for
from tests.faults.conftest import (
    control_pid,
    finish,
    holding,
    ledger,
    once_each,
    read_line,
    snapshot,
    wait_until,
    work_pid,
)

NO_TX = "-- schemactl:no-transaction irreversible\n"
TX = "-- schemactl:irreversible\n"

# {role}: a role made for the test, allowed to create in schemas public and other.
MIGRATIONS = {
    "0001_base": TX + "CREATE SCHEMA other;\nGRANT USAGE, CREATE ON SCHEMA other TO {role};\n"
    "CREATE TABLE keep (id int);\nINSERT INTO keep VALUES (1);\n"
    "CREATE TABLE strings (id int PRIMARY KEY, s text);",
    "0002_path": TX + "SET search_path = other, public;",
    "0003_after_path": TX + "CREATE TABLE after_path (id int);",
    "0004_role": TX + "SET ROLE {role};\nCREATE TABLE owned_by_role (id int);",
    "0005_after_role": TX + "CREATE TABLE after_role (id int);",
    "0006_escapes": TX + "SELECT set_config('standard_conforming_strings', 'off', false);",
    "0007_backslash": TX + "INSERT INTO strings VALUES (7, 'a\\b');",
    # Two SELECTs as a new session reads them; read with backslash escapes, one string and
    # then a DROP TABLE.
    "0008_two_selects": TX + "SELECT 'x\\'; SELECT '; DROP TABLE keep; --';",
    "0009_latin1": TX + "SET client_encoding = 'LATIN1';",
    "0010_text": TX + "INSERT INTO strings VALUES (10, 'café ñ ü €');",
    "0011_unlock": TX + "SELECT pg_advisory_unlock_all();",
    "0012_discard": NO_TX + "DISCARD ALL;",
    "0013_temp": TX + "CREATE TEMP TABLE scratch (id int);\nINSERT INTO scratch VALUES (13);",
    # A temporary scratch still there would take the row (pg_temp is searched first).
    "0014_after_temp": TX + "CREATE TABLE scratch (id int);\nINSERT INTO scratch VALUES (14);",
    "0015_prepare": TX + "PREPARE p AS SELECT 15;",
    "0016_prepare_again": TX + "PREPARE p AS SELECT 16;\nCREATE TABLE prepared_twice (id int);",
    "0017_no_tx_settings": NO_TX + "SET ROLE {role};\nSET search_path = other;\n"
    "CREATE TABLE no_tx_owned (id int);",
    "0018_after_no_tx": TX + "CREATE TABLE after_no_tx (id int);",
    "0019_database_default": TX + "DO $$ BEGIN\n"
    "  EXECUTE format('ALTER DATABASE %I SET search_path = other, public', current_database());\n"
    "END $$;",
    # A new session starts with the database's new default: this lands in other.
    "0020_after_database_default": TX + "CREATE TABLE after_database_default (id int);",
    "0021_read_only": TX + "SET default_transaction_read_only = on;",
    "0022_write": TX + "INSERT INTO strings VALUES (22, 'written');",
}

# Where each table lands and who owns it, as a new session per migration has it.
PLACES = {
    "after_path": ("public", "postgres"),
    "owned_by_role": ("public", "{role}"),
    "after_role": ("public", "postgres"),
    "scratch": ("public", "postgres"),
    "prepared_twice": ("public", "postgres"),
    "no_tx_owned": ("other", "{role}"),
    "after_no_tx": ("public", "postgres"),
    "after_database_default": ("other", "postgres"),
    "keep": ("public", "postgres"),
}


@pytest.fixture
def role(conn) -> Iterator[str]:
    """A role for the test (roles are cluster-wide: a name of its own), dropped after it."""
    name = f"fault_role_{secrets.token_hex(4)}"
    conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
    yield name
    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def two_databases(conn, role) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    """Two new databases where ``role`` may create in schema public; dropped (before the role)
    after the test."""
    names = [f"schemactl_fault_{secrets.token_hex(6)}" for _ in range(2)]
    made = []
    try:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            other = psycopg.connect(url_for(conn, name), autocommit=True)
            made.append(other)
            other.execute(
                sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(role))
            )
        yield made[0], made[1]
    finally:
        for other in made:
            other.close()
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def places(conn: psycopg.Connection) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        "SELECT c.relname, n.nspname, c.relowner::regrole::text"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind = 'r' AND n.nspname IN ('public', 'other')"
        " AND c.relname <> 'schemactl_migrations'"
    )
    return {name: (schema, owner) for name, schema, owner in rows}


@pytest.mark.slow
def test_one_run_and_one_run_per_migration_leave_the_same_database(
    role, two_databases, migration_dir
):
    whole, split = two_databases
    directory = migration_dir(
        {stem: text.replace("{role}", role) for stem, text in MIGRATIONS.items()}
    )
    versions = range(1, len(MIGRATIONS) + 1)

    invoke(["up", "--dir", directory, "--database-url", url_for(whole)])
    for version in versions:
        invoke(["up", "--to", version, "--dir", directory, "--database-url", url_for(split)])

    for db in (whole, split):
        assert [(row.version, row.dirty) for row in ledger(db)] == [(v, False) for v in versions]
    mine, theirs = snapshot(whole), snapshot(split)
    for key in mine:
        assert mine[key] == theirs[key], f"{key}: one run differs from one run per migration"

    # And both are what a new session per migration makes.
    expected = {name: (s, o.replace("{role}", role)) for name, (s, o) in PLACES.items()}
    assert places(whole) == expected | {"strings": ("public", "postgres")}
    strings = whole.execute("SELECT id, s, octet_length(s) FROM strings ORDER BY id").fetchall()
    text = "café ñ ü €"
    assert strings == [(7, "a\\b", 3), (10, text, len(text.encode())), (22, "written", 7)]
    assert whole.execute("SELECT id FROM keep").fetchall() == [(1,)]
    assert whole.execute("SELECT id FROM public.scratch").fetchall() == [(14,)]
    applied_by = whole.execute("SELECT DISTINCT applied_by FROM schemactl_migrations")
    assert applied_by.fetchall() == [("postgres",)]
    assert mine["settings"] == [("-", ["search_path=other, public"])]


def test_a_second_run_waits_for_the_lock_whatever_migrations_unlock_or_discard(
    conn, migration_dir, target, spawn
):
    for statement in (
        "CREATE TABLE counter (n int)",
        "CREATE TABLE gate (id int)",
        "INSERT INTO gate VALUES (1)",
    ):
        conn.execute(statement)
    directory = migration_dir(
        {
            "0001_unlock": TX + "SELECT pg_advisory_unlock_all();\nINSERT INTO counter VALUES (1);",
            "0002_discard": NO_TX + "DISCARD ALL;\nSELECT pg_advisory_unlock_all();\n"
            "INSERT INTO counter VALUES (2);",
            "0003_gated": TX + "INSERT INTO counter SELECT 3 FROM gate;",
            "0004_last": TX + "INSERT INTO counter VALUES (4);",
        }
    )
    with holding(conn, "LOCK TABLE gate IN ACCESS EXCLUSIVE MODE") as holder:
        first = spawn("up", *target(directory))
        wait_until(lambda: work_pid(conn, "Lock"), "migration 3 to wait for the gate")
        lock_holder = control_pid(conn)
        assert lock_holder is not None and lock_holder != work_pid(conn, "Lock")
        second = spawn("up", "--wait", "60", *target(directory))

        line = read_line(second)
        assert line.startswith(f"waiting for the run lock, held by pid {lock_holder} ")
        # Nothing of the second run ran meanwhile.
        assert [row.version for row in ledger(conn)] == [1, 2]
        assert once_each(conn) == [1, 2]
        assert second.poll() is None
        holder.rollback()
        _, first_err = finish(first)
        _, second_err = finish(second)

    assert first.returncode == ExitCode.OK, first_err
    assert second.returncode == ExitCode.OK, second_err
    assert "nothing to do" in second_err
    assert once_each(conn) == [1, 2, 3, 4]
    assert [(row.version, row.dirty) for row in ledger(conn)] == [(v, False) for v in range(1, 5)]
