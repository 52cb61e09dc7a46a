"""How the server reads a migration's text: database encodings, string syntax settings."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from psycopg import sql

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke
from tests.conftest import url_for


@pytest.fixture
def latin1_url(conn):
    name = f"schemactl_test_{secrets.token_hex(6)}"
    conn.execute(
        sql.SQL(
            "CREATE DATABASE {} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        ).format(sql.Identifier(name))
    )
    yield url_for(conn, name)
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_latin1_database_stores_the_text_and_blames_the_right_line(latin1_url, migration_dir):
    accented = "é" * 60
    directory = migration_dir(
        {
            "0001_a": (
                f"CREATE TABLE t (x text);\nINSERT INTO t VALUES ('{accented}');\n"
                "SELECT nosuchcol FROM t;\nCREATE TABLE u (y int);\nCREATE TABLE v (z int);",
                "DROP TABLE t;",
            )
        }
    )

    result = invoke(
        ["up", "--dir", directory, "--database-url", latin1_url], ExitCode.MIGRATION_FAILED
    )

    assert '0001_a.up.sql:3: column "nosuchcol" does not exist' in result.stderr
    assert "statement 3: SELECT nosuchcol FROM t" in result.stderr
    directory.joinpath("0001_a.up.sql").write_text(
        f"CREATE TABLE t (x text);\nINSERT INTO t VALUES ('{accented}');\n"
    )
    invoke(["up", "--dir", directory, "--database-url", latin1_url])
    with psycopg.connect(latin1_url, client_encoding="UTF8") as check:
        assert check.execute("SELECT x FROM t").fetchone() == (accented,)


def test_a_migration_that_turns_off_standard_strings_reads_as_psql_would(
    conn, migration_dir, target
):
    directory = migration_dir(
        {
            "0001_a": (
                "SET standard_conforming_strings = off;\nCREATE TABLE t (x text);\n"
                "INSERT INTO t VALUES (E'a\\\\b');\nINSERT INTO t VALUES ('c\\\\d');",
                "DROP TABLE t;",
            )
        }
    )

    invoke(["up", *target(directory)])

    assert conn.execute("SELECT x FROM t ORDER BY x").fetchall() == [("a\\b",), ("c\\d",)]


def test_a_database_without_standard_strings_is_refused_before_anything_runs(
    conn, migration_dir, target
):
    conn.execute(
        sql.SQL("ALTER DATABASE {} SET standard_conforming_strings = off").format(
            sql.Identifier(conn.info.dbname)
        )
    )
    directory = migration_dir({"0001_a": ("CREATE TABLE t (x text);", "DROP TABLE t;")})

    result = invoke(["up", *target(directory)], ExitCode.USAGE)

    assert "standard_conforming_strings = off" in result.stderr
    assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,)
