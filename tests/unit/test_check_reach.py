"""What a migration's files tell the round trips: whether its second up can be known without
running it (statements fixed by the schema and rows they meet), and whether it reaches what
the whole server shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.check.reach import runs_code_on_ddl, server_wide, up_again_follows
from schemactl.files.migrations import Migration, load_directory


def migration(tmp_path: Path, up: str, down: str = "SELECT 1;") -> Migration:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "0001_m.up.sql").write_text(up)
    (tmp_path / "0001_m.down.sql").write_text(down)
    [only] = load_directory(tmp_path).migrations
    return only


@pytest.mark.parametrize(
    ("up", "down"),
    [
        (
            "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_id ON t (id);",
            "DROP TABLE t;",
        ),
        ("ALTER TABLE t ADD COLUMN c text DEFAULT now();", "ALTER TABLE t DROP COLUMN c;"),
        ("ALTER TABLE t ADD COLUMN c jsonb DEFAULT '{}';", "ALTER TABLE t DROP c;"),
        ("-- a comment first\nCOMMENT ON TABLE t IS 'the things';", "COMMENT ON TABLE t IS NULL;"),
        ("SET search_path = app;\nCREATE VIEW v AS SELECT 1 AS one;", "DROP VIEW app.v;"),
        (
            "DROP VIEW v;\nCREATE VIEW v AS SELECT 2 AS two;",
            "DROP VIEW v;\nCREATE VIEW v AS SELECT 1;",
        ),
        ("GRANT SELECT ON t TO PUBLIC;", "REVOKE SELECT ON t FROM PUBLIC;"),
        (
            "CREATE OR REPLACE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();",
            "DROP TRIGGER tr ON t;",
        ),
        ("CREATE EXTENSION IF NOT EXISTS citext;", "DROP EXTENSION citext;"),
        ("ALTER TYPE mood ADD VALUE 'meh';", "COMMENT ON TYPE mood IS NULL;"),
        ("CREATE UNIQUE INDEX t_a ON t (a);", "DROP INDEX t_a;"),
        ("CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1, 2);", "DROP TABLE p1;"),
        ("CREATE TEMP TABLE scratch (id int);", "RESET search_path;"),
        (
            "DROP VIEW v CASCADE;\nCREATE VIEW v AS SELECT 2 AS two;",
            "DROP VIEW v;\nCREATE VIEW v AS SELECT 1 AS one;",
        ),
        ("CREATE INDEX t_doc ON t USING gin (doc);", "DROP INDEX t_doc;"),
        ("ALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 0);", "ALTER TABLE t DROP CONSTRAINT t_c;"),
        (
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
            "DROP FUNCTION f();",
        ),
    ],
)
def test_statements_fixed_by_the_schema_and_rows_follow(tmp_path, up, down):
    assert up_again_follows(migration(tmp_path, up, down))


@pytest.mark.parametrize(
    "up",
    [
        "SELECT backfill();",  # runs code an older migration wrote
        "DO $$ BEGIN CREATE TABLE t (id int); END $$;",
        "CALL refresh_everything();",
        "INSERT INTO t VALUES (1);",  # a foreign table's, or a default's function's
        "UPDATE t SET c = 1;",
        "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x;",
        "ALTER TABLE t ADD COLUMN c int DEFAULT setval('s', 10);",
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();",
        "ALTER TABLE t ALTER COLUMN c TYPE int USING c * 1000;",
        "ALTER TABLE t ALTER COLUMN c TYPE bigint;",  # cast there and back: 1.4, 1, 1.0
        "ALTER TYPE pair ALTER ATTRIBUTE b TYPE bigint CASCADE;",
        "TRUNCATE t;",
        "ALTER TABLE t ADD COLUMN c int DEFAULT length(set_config('a.b', 'c', false));",
        "ALTER TABLE t ADD COLUMN c text DEFAULT pg_create_physical_replication_slot('s')::text;",
        "CREATE TABLE copy AS SELECT * FROM t;",
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (pick());",
        "CREATE PUBLICATION p FOR TABLE t;",
        "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
        "CREATE STATISTICS st ON a, b FROM t;",
        "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;",
        "ALTER EXTENSION hstore UPDATE;",
        "SET track_counts = off;",
        "RESET ALL;",
        "DISCARD SEQUENCES;",
        "COPY t FROM '/tmp/t.csv';",
        "REFRESH MATERIALIZED VIEW mv;",
        "CREATE ROLE reader;",
        "UPDATE pg_catalog.pg_attribute SET atttypmod = 104 WHERE attname = 'c';",
    ],
)
def test_statements_that_run_code_or_change_rows_do_not(tmp_path, up):
    assert not up_again_follows(migration(tmp_path, up, "COMMENT ON TABLE t IS NULL;"))


@pytest.mark.parametrize(
    ("up", "down"),
    [
        ("DROP TABLE old_things;", "CREATE TABLE old_things (id int);"),
        ("ALTER TABLE t DROP COLUMN c;", "ALTER TABLE t ADD COLUMN c text;"),
        ("DROP TYPE mood CASCADE;", "CREATE TYPE mood AS ENUM ('a');"),
        ("ALTER TABLE t ADD COLUMN n bigint DEFAULT next_edition();", "ALTER TABLE t DROP n;"),
        ("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;", "DROP MATERIALIZED VIEW mv;"),
    ],
)
def test_what_ddl_does_to_rows_is_left_to_the_server(tmp_path, up, down):
    # The files cannot tell what a default's function does, or whether what a drop reached
    # held rows before the up: moved_past_schema asks the server once the down has run.
    assert up_again_follows(migration(tmp_path, up, down))


def test_an_event_trigger_anywhere_runs_code_on_ddl(tmp_path):
    made = migration(
        tmp_path,
        "CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl();",
        "DROP EVENT TRIGGER log_ddl;",
    )
    assert runs_code_on_ddl([made])
    plain = migration(tmp_path / "plain", "CREATE TABLE t (id int);", "DROP TABLE t;")
    assert not runs_code_on_ddl([plain])


def test_roles_and_grants_to_roles_are_server_wide(tmp_path):
    assert server_wide(migration(tmp_path, "CREATE ROLE reader;", "DROP ROLE reader;"))
    assert server_wide(migration(tmp_path, "GRANT reader TO writer;", "SELECT 1;"))
    assert not server_wide(migration(tmp_path, "GRANT SELECT ON t TO reader;", "SELECT 1;"))
