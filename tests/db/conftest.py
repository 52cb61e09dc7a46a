"""Fixtures for tests that need more than the one database per test: extra databases, and a
connection that counts the queries it sends."""

from __future__ import annotations

from typing import Any

import psycopg

# A schema with at least one object of every kind the catalog reads.
RICH_SCHEMA = """
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'application objects';
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE app.mood IS 'how it went';
CREATE DOMAIN app.email AS text COLLATE "C" NOT NULL CHECK (VALUE LIKE '%@%');
CREATE SEQUENCE app.invoice_numbers AS integer START 1000 INCREMENT 10 CACHE 5 CYCLE;
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email app.email UNIQUE,
    mood app.mood DEFAULT 'ok',
    name text COLLATE "C",
    shout text GENERATED ALWAYS AS (upper(name)) STORED,
    token uuid NOT NULL DEFAULT gen_random_uuid()
);
COMMENT ON TABLE app.users IS 'people';
COMMENT ON COLUMN app.users.email IS 'where to write';
CREATE TABLE app.orders (
    id serial PRIMARY KEY,
    user_id bigint REFERENCES app.users ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    total numeric(10, 2) CONSTRAINT positive_total CHECK (total > 0),
    during tstzrange,
    CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&)
);
ALTER TABLE app.orders ADD CONSTRAINT small_total CHECK (total < 1000000) NOT VALID;
COMMENT ON CONSTRAINT positive_total ON app.orders IS 'no refunds here';
CREATE INDEX orders_user_idx ON app.orders (user_id DESC NULLS LAST) INCLUDE (total)
    WHERE total > 10;
CREATE UNIQUE INDEX users_lower_name_idx ON app.users (lower(name));
CREATE INDEX orders_total_hash ON app.orders USING hash (total);
CREATE VIEW app.big_orders AS SELECT id, total FROM app.orders WHERE total > 100;
CREATE VIEW app.big_order_ids WITH (security_barrier) AS SELECT id FROM app.big_orders;
CREATE MATERIALIZED VIEW app.order_totals AS
    SELECT user_id, sum(total) AS total FROM app.orders GROUP BY user_id;
CREATE INDEX order_totals_user_idx ON app.order_totals (user_id);
CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE RETURN a + b;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql
    SET search_path = app AS $$ BEGIN RETURN NEW; END $$;
COMMENT ON FUNCTION app.touch() IS 'keeps rows fresh';
CREATE FUNCTION app.user_orders(u app.users) RETURNS SETOF app.orders LANGUAGE sql STABLE
    AS $$ SELECT * FROM app.orders WHERE user_id = u.id $$;
CREATE PROCEDURE app.archive(before date) LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT OR UPDATE OF total ON app.orders
    FOR EACH ROW WHEN (NEW.total IS NOT NULL) EXECUTE FUNCTION app.touch();
CREATE TRIGGER users_touch AFTER DELETE ON app.users
    FOR EACH STATEMENT EXECUTE FUNCTION app.touch();
ALTER TABLE app.users DISABLE TRIGGER users_touch;
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.orders FORCE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON app.orders AS RESTRICTIVE FOR SELECT TO PUBLIC
    USING (user_id IS NOT NULL);
CREATE POLICY insert_orders ON app.orders FOR INSERT WITH CHECK (total > 0);
CREATE TABLE app.events (at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at_idx ON app.events (at);
CREATE TABLE "Odd Schema Table" ("Mixed Case" int, "select" text);
"""


def execute_script(conn: psycopg.Connection, text: str) -> None:
    """Run a multi-statement SQL text (no parameters: the simple query protocol)."""
    conn.execute(text)


class CountingCursor(psycopg.Cursor[Any]):
    """A cursor that counts the statements sent through it on its connection."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> CountingCursor:  # type: ignore[override]
        self.connection.queries_sent = getattr(self.connection, "queries_sent", 0) + 1  # type: ignore[attr-defined]
        super().execute(query, params, **kwargs)
        return self


def count_queries(conn: psycopg.Connection) -> psycopg.Connection:
    """Make ``conn`` count what it sends in ``conn.queries_sent``, starting from zero."""
    conn.cursor_factory = CountingCursor
    conn.queries_sent = 0  # type: ignore[attr-defined]
    return conn
