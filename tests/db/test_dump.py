"""The schema dump applied to a real database: it applies to an empty one and reads back equal."""

from __future__ import annotations

from schemactl.catalog.load import load_schema
from schemactl.schema.ddl import render_schema_sql
from schemactl.schema.diff import diff_models
from tests.db.conftest import RICH_SCHEMA, execute_script


def test_a_dump_applies_to_an_empty_database_and_reads_back_equal(conn, second_database):
    execute_script(conn, RICH_SCHEMA)
    original = load_schema(conn)

    execute_script(second_database, render_schema_sql(original))
    copy = load_schema(second_database)

    assert diff_models(original, copy) == []
    assert copy == original


def test_the_dump_of_a_dump_is_the_same_text(conn, second_database):
    execute_script(conn, RICH_SCHEMA)
    text = render_schema_sql(load_schema(conn))

    execute_script(second_database, text)

    assert render_schema_sql(load_schema(second_database)) == text


def test_the_same_schema_reached_in_another_order_dumps_the_same(conn, second_database):
    execute_script(
        conn,
        """
        CREATE TABLE a (id int PRIMARY KEY, note text);
        CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
        CREATE VIEW v AS SELECT id FROM b;
        """,
    )
    execute_script(
        second_database,
        """
        CREATE TABLE b (id int PRIMARY KEY, a_id int);
        CREATE TABLE a (id int PRIMARY KEY);
        ALTER TABLE a ADD COLUMN note text;
        CREATE VIEW v AS SELECT id FROM b;
        ALTER TABLE b ADD FOREIGN KEY (a_id) REFERENCES a;
        """,
    )

    assert render_schema_sql(load_schema(conn)) == render_schema_sql(load_schema(second_database))


def test_the_dump_holds_no_owners_privileges_or_data(conn):
    execute_script(conn, RICH_SCHEMA)
    conn.execute("GRANT SELECT ON app.users TO PUBLIC")
    conn.execute("INSERT INTO app.users (email, name) VALUES ('a@b', 'x')")

    text = render_schema_sql(load_schema(conn))

    for word in ("OWNER", "GRANT", "INSERT INTO", "a@b"):
        assert word not in text
