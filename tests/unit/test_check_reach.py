"""What a migration's files tell the round trips: whether its second up can be known without
running it (statements fixed by the schema and rows they meet), and whether it reaches what
the whole server shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.check.reach import server_wide, up_again_follows
from schemactl.files.migrations import Migration, load_directory


def migration(tmp_path: Path, up: str, down: str = "SELECT 1;") -> Migration:
    (tmp_path / "0001_m.up.sql").write_text(up)
    (tmp_path / "0001_m.down.sql").write_text(down)
    [only] = load_directory(tmp_path).migrations
    return only


@pytest.mark.parametrize(
    "up",
    [
        "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_id ON t (id);",
        "ALTER TABLE t ADD COLUMN c text DEFAULT now();",
        "ALTER TABLE t ALTER COLUMN c TYPE bigint;",
        "CREATE INDEX t_doc ON t USING gin (doc);",
        "-- a comment first\nCOMMENT ON TABLE t IS 'the things';",
        "INSERT INTO t VALUES (1);\nUPDATE t SET id = 2;\nDELETE FROM t;",
        "SET search_path = app;\nCREATE VIEW v AS SELECT 1 AS one;",
        "GRANT SELECT ON t TO PUBLIC;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
    ],
)
def test_statements_fixed_by_the_schema_and_rows_follow(tmp_path, up):
    assert up_again_follows(migration(tmp_path, up, "DROP TABLE t;"))


@pytest.mark.parametrize(
    "up",
    [
        "SELECT backfill();",  # runs code an older migration wrote
        "DO $$ BEGIN CREATE TABLE t (id int); END $$;",
        "CALL refresh_everything();",
        "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x;",
        "INSERT INTO t VALUES (nextval('s'));",
        "ALTER TABLE t ADD COLUMN c int DEFAULT setval('s', 10);",
        "CREATE TABLE t AS SELECT random() AS r;",
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();",
        "ALTER TABLE t ALTER COLUMN c TYPE int USING c * 1000;",
        "TRUNCATE t;",
        "COPY t FROM '/tmp/t.csv';",
        "REFRESH MATERIALIZED VIEW mv;",
        "CREATE ROLE reader;",
        "UPDATE pg_catalog.pg_attribute SET atttypmod = 104 WHERE attname = 'c';",
    ],
)
def test_statements_that_run_code_or_reach_past_the_rows_do_not(tmp_path, up):
    assert not up_again_follows(migration(tmp_path, up, "DROP TABLE IF EXISTS t;"))


def test_the_down_counts_as_much_as_the_up(tmp_path):
    assert not up_again_follows(migration(tmp_path, "CREATE TABLE t (id int);", "SELECT 1;"))


def test_roles_and_grants_to_roles_are_server_wide(tmp_path):
    assert server_wide(migration(tmp_path, "CREATE ROLE reader;", "DROP ROLE reader;"))
    assert server_wide(migration(tmp_path, "GRANT reader TO writer;", "SELECT 1;"))
    assert not server_wide(migration(tmp_path, "GRANT SELECT ON t TO reader;", "SELECT 1;"))
