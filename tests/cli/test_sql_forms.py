"""SQL that must apply end to end through the CLI: every construct that can hide a semicolon."""

from __future__ import annotations

import pytest

from tests.cli.conftest import invoke, ledger_versions

# name -> (up file, down file, query whose single value must be True after `up`)
CASES = {
    "plpgsql_dollar_body": (
        """
        CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $$
        DECLARE r int;
        BEGIN
            r := i + 1;  -- a comment; with a semicolon
            RETURN r;
        END;
        $$;
        """,
        "DROP FUNCTION add_one(int);",
        "SELECT add_one(41) = 42",
    ),
    "plpgsql_tagged_dollar_body_with_nested_dollars": (
        """
        CREATE FUNCTION greet(who text) RETURNS text LANGUAGE plpgsql AS $body$
        BEGIN
            RETURN $$hello; $$ || who || ';';
        END;
        $body$;
        """,
        "DROP FUNCTION greet(text);",
        "SELECT greet('bob') = 'hello; bob;'",
    ),
    "do_block": (
        """
        CREATE TABLE t (n int);
        DO $$
        BEGIN
            FOR i IN 1..3 LOOP
                INSERT INTO t VALUES (i);
            END LOOP;
        END
        $$;
        """,
        "DROP TABLE t;",
        "SELECT sum(n) = 6 FROM t",
    ),
    "string_literals_with_semicolon_and_dashes": (
        """
        CREATE TABLE t (s text);
        INSERT INTO t VALUES ('a;b'), ('-- not a comment'), ('it''s; /* no */');
        """,
        "DROP TABLE t;",
        "SELECT array_agg(s ORDER BY s) = ARRAY['-- not a comment', 'a;b', 'it''s; /* no */']"
        " FROM t",
    ),
    "escape_strings": (
        r"""
        CREATE TABLE t (s text);
        INSERT INTO t VALUES (E'it\'s; fine'), (e'back\\'), (E'tab\there;');
        """,
        "DROP TABLE t;",
        "SELECT array_agg(s ORDER BY s) = ARRAY[E'back\\\\', E'it\\'s; fine', E'tab\\there;']"
        " FROM t",
    ),
    "nested_block_comments": (
        """
        /* outer; /* inner; */ still a comment; */
        CREATE TABLE t (n int /* a; b */);
        """,
        "DROP TABLE t;",
        "SELECT to_regclass('t') IS NOT NULL",
    ),
    "quoted_identifiers": (
        """
        CREATE TABLE "semi;colon" ("x;y" int, "a""b" text);
        INSERT INTO "semi;colon" VALUES (1, '--');
        """,
        'DROP TABLE "semi;colon";',
        'SELECT "x;y" = 1 FROM "semi;colon"',
    ),
    "begin_atomic_function_body": (
        """
        CREATE TABLE t (n int);
        CREATE FUNCTION sign_of(a int) RETURNS text LANGUAGE sql
        BEGIN ATOMIC
            SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END;
        END;
        CREATE PROCEDURE add_two() LANGUAGE sql
        BEGIN ATOMIC
            INSERT INTO t VALUES (1);
            INSERT INTO t VALUES (2);
        END;
        CALL add_two();
        """,
        "DROP PROCEDURE add_two(); DROP FUNCTION sign_of(int); DROP TABLE t;",
        "SELECT sign_of(-5) = 'neg' AND (SELECT count(*) = 2 FROM t)",
    ),
    "create_index_concurrently_without_transaction": (
        """
        -- schemactl:no-transaction
        CREATE TABLE t (n int);
        CREATE INDEX CONCURRENTLY t_n ON t (n);
        """,
        "DROP TABLE t;",
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_n'::regclass",
    ),
    "only_comments": (
        """
        -- nothing to do yet; a placeholder
        /* still nothing; */
        """,
        "-- nothing to undo",
        "SELECT true",
    ),
    "percent_signs_and_placeholders_are_not_parameters": (
        """
        CREATE TABLE t (s text);
        INSERT INTO t SELECT format('%s%%', 5) WHERE 'a%' LIKE 'a%%' OR true;
        INSERT INTO t VALUES ('%(name)s $1 ?');
        """,
        "DROP TABLE t;",
        "SELECT array_agg(s ORDER BY s) = ARRAY['%(name)s $1 ?', '5%'] FROM t",
    ),
    "non_ascii_text": (
        """
        CREATE TABLE "café" (name text);
        INSERT INTO "café" VALUES ('naïve; ünïcode — ok');
        """,
        'DROP TABLE "café";',
        """SELECT name = 'naïve; ünïcode — ok' FROM "café\"""",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_sql_form_applies_and_rolls_back(case, conn, migration_dir, target):
    up_sql, down_sql, check = CASES[case]
    directory = migration_dir({"0001_form": (up_sql, down_sql)})

    invoke(["up", *target(directory)])

    assert conn.execute(check).fetchone()[0] is True
    assert ledger_versions(conn) == [1]
    invoke(["down", *target(directory)])
    assert ledger_versions(conn) == []


def test_crlf_file_with_byte_order_mark_applies(conn, migration_dir, target, tmp_path):
    directory = migration_dir({})
    text = "-- header\r\nCREATE TABLE t (s text);\r\nINSERT INTO t VALUES ('a;\r\nb');\r\n"
    (directory / "0001_crlf.up.sql").write_bytes(("\ufeff" + text).encode("utf-8"))
    (directory / "0001_crlf.down.sql").write_bytes(b"\xef\xbb\xbfDROP TABLE t;\r\n")

    invoke(["up", *target(directory)])

    assert conn.execute("SELECT s FROM t").fetchone() == ("a;\r\nb",)
    invoke(["down", *target(directory)])
