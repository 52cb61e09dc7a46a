"""The schema digest check's round trips trust: equal for equal schemas rebuilt, cheap, pure."""

from __future__ import annotations

import psycopg

from schemactl.catalog.digest import fingerprint
from schemactl.catalog.load import load_schema
from tests.db.conftest import CountingCursor, execute_script

SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    mood mood NOT NULL DEFAULT 'happy',
    karma int NOT NULL DEFAULT 0 CHECK (karma >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'where to write';
CREATE TABLE posts (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    body text
);
CREATE INDEX posts_user_idx ON posts (user_id) WHERE body IS NOT NULL;
CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch();
"""
DROP = "DROP TABLE posts; DROP TABLE users; DROP FUNCTION touch(); DROP TYPE mood;"


def test_a_schema_dropped_and_built_again_has_the_same_digest(conn):
    execute_script(conn, SCHEMA)
    first = fingerprint(conn)
    execute_script(conn, DROP)
    empty = fingerprint(conn)
    execute_script(conn, SCHEMA)

    assert fingerprint(conn) == first
    assert empty != first


def test_the_same_schema_in_two_databases_has_the_same_digest(conn, second_database):
    execute_script(conn, SCHEMA)
    execute_script(second_database, SCHEMA)

    assert fingerprint(conn) == fingerprint(second_database)


def test_a_one_property_change_changes_the_digest(conn):
    execute_script(conn, SCHEMA)
    before = fingerprint(conn)

    conn.execute("COMMENT ON COLUMN users.email IS 'where to send mail'")

    assert fingerprint(conn) != before


def test_the_digest_is_one_query_and_leaves_the_session_as_it_was(postgresql: psycopg.Connection):
    postgresql.autocommit = True
    postgresql.cursor_factory = CountingCursor
    postgresql.execute("SET search_path = public")
    fingerprint(postgresql)  # the first digest on a connection also prepares the statement
    sent = getattr(postgresql, "queries_sent", 0)

    with postgresql.transaction():
        fingerprint(postgresql)
        path = postgresql.execute("SHOW search_path").fetchone()

    # pin, digest and restore travel as one query, however big the schema; then the SHOW
    assert postgresql.queries_sent - sent == 2  # type: ignore[attr-defined]
    assert path == ("public",)
    assert load_schema(postgresql) is not None


def test_the_digest_outlives_drops_rollbacks_and_a_lost_statement(conn):
    # Prepared once per connection; psycopg's own prepared statements are deallocated after
    # a DROP or ROLLBACK, and a migration may DISCARD ALL. None of that may break the digest.
    execute_script(conn, SCHEMA)
    first = fingerprint(conn)
    for _ in range(6):  # now psycopg has a statement of its own to deallocate at the DROP
        conn.execute("SELECT 1")
    execute_script(conn, DROP)
    empty = fingerprint(conn)
    with conn.transaction(force_rollback=True):
        execute_script(conn, SCHEMA)
        assert fingerprint(conn) == first
    conn.execute("DEALLOCATE ALL")
    execute_script(conn, SCHEMA)

    assert fingerprint(conn) == first
    assert fingerprint(conn) != empty


def test_a_digest_that_fails_to_prepare_leaves_the_caller_transaction_usable(conn):
    execute_script(conn, SCHEMA)
    expected = fingerprint(conn)
    with conn.transaction():
        conn.execute("DEALLOCATE ALL")
        assert fingerprint(conn) == expected
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_a_session_reading_backslashes_as_escapes_gets_the_same_digest(conn):
    # A migration may leave standard_conforming_strings off; the digest's own patterns
    # ('pg\_%') must still mean what they say, or a schema named pgq would drop out.
    execute_script(conn, "CREATE SCHEMA pgq; CREATE TABLE pgq.t (id int);")
    expected = fingerprint(conn)

    conn.execute("SET standard_conforming_strings = off")
    try:
        assert fingerprint(conn) == expected
        assert load_schema(conn) == load_schema_plain(conn)
    finally:
        conn.execute("SET standard_conforming_strings = on")


def load_schema_plain(conn):
    with conn.transaction():
        conn.execute("SET LOCAL standard_conforming_strings = on")
        return load_schema(conn)
