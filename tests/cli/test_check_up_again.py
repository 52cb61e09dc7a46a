"""A round trip's second up is run only where something could make it differ from the first.

Where the down gives back the schema from before its up and neither file writes, destroys or
makes again what holds rows, nor uses anything whose value moves on its own, the second up
meets exactly what the first met: ``check`` comes back to the state after the first instead of
running it. Anything else runs it, so that a down which leaves rows behind or gives back an
empty column, or an up that reads a sequence, is still caught. Each verdict here is what
``up``, ``down`` and ``up`` again really do on a database.
"""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke

TAGS = ("CREATE TABLE tags (name text PRIMARY KEY);", "DROP TABLE tags;")
# The down drops the table the up made but leaves the row the up added to an older table.
SEED = (
    "INSERT INTO tags VALUES ('featured');\nCREATE TABLE featured (id int);",
    "DROP TABLE featured;",
)
# The same, with the row taken back: a clean round trip.
SEED_UNDONE = (SEED[0], "DROP TABLE featured;\nDELETE FROM tags WHERE name = 'featured';")
# The up holds only for a sequence's first value, which the down cannot wind back.
NUMBERED = (
    "CREATE SEQUENCE editions;",
    "DROP SEQUENCE editions;",
)
EDITION = (
    "CREATE TABLE edition (n bigint NOT NULL);\n"
    "ALTER TABLE edition ADD CONSTRAINT edition_n CHECK (n > 0);\n"
    "INSERT INTO edition VALUES (nextval('editions'));\n"
    "ALTER TABLE edition ADD CONSTRAINT edition_first CHECK (n = 1);",
    "DROP TABLE edition;",
)


def errors(report) -> list[tuple[str, int | None]]:
    return [(f["rule"], f["version"]) for f in report["findings"] if f["severity"] == "error"]


def up_down_up(directory, database_url) -> None:
    """What a user sees: the last migration applied, rolled back and applied again."""
    base = ["--dir", directory, "--database-url", database_url]
    invoke(["up", *base])
    invoke(["down", *base, "--yes"])


def test_a_down_that_leaves_a_row_its_up_adds_fails_the_second_up(
    migration_dir, check, database_url
):
    directory = migration_dir({"0001_tags": TAGS, "0002_featured": SEED})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert errors(report) == [("up-fails-after-down", 2)]
    up_down_up(directory, database_url)
    invoke(
        ["up", "--dir", directory, "--database-url", database_url], expect=ExitCode.MIGRATION_FAILED
    )


def test_a_down_that_takes_its_rows_back_passes(migration_dir, check, database_url):
    directory = migration_dir({"0001_tags": TAGS, "0002_featured": SEED_UNDONE})

    report = check(directory, "--jobs", "1")

    assert report["passed"] is True, report["findings"]
    up_down_up(directory, database_url)
    invoke(["up", "--dir", directory, "--database-url", database_url])


def test_an_up_that_reads_a_sequence_runs_again(migration_dir, check, database_url):
    # No row of an older table is written, yet the second up meets the next value.
    directory = migration_dir({"0001_editions": NUMBERED, "0002_edition": EDITION})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    # Which rule names it depends on how many values earlier attempts took: each failed
    # attempt, rolled back, keeps its value.
    assert {version for _, version in errors(report)} == {2}
    up_down_up(directory, database_url)
    invoke(
        ["up", "--dir", directory, "--database-url", database_url], expect=ExitCode.MIGRATION_FAILED
    )


USERS = (
    "CREATE TABLE users (id int PRIMARY KEY, email text);\n"
    "INSERT INTO users VALUES (1, 'a@example.org'), (2, 'b@example.org');",
    "DROP TABLE users;",
)
# The down gives back the column's shape, not its rows.
REQUIRED_EMAIL = (
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    "ALTER TABLE users DROP COLUMN email;\nALTER TABLE users ADD COLUMN email text;",
)
# The down's rewrite leaves other rows than the up found.
READINGS = (
    "CREATE TABLE readings (value numeric);\nINSERT INTO readings VALUES (1.4), (2.6);",
    "DROP TABLE readings;",
)
ROUNDED = (
    "ALTER TABLE readings ALTER COLUMN value TYPE integer;\n"
    "ALTER TABLE readings ADD CONSTRAINT readings_odd CHECK (value % 2 = 1);",
    "ALTER TABLE readings DROP CONSTRAINT readings_odd;\n"
    "ALTER TABLE readings ALTER COLUMN value TYPE numeric USING value + 0.6;",
)
# A default that calls a function of an earlier migration, which advances a sequence.
NEXT_EDITION = (
    "CREATE SEQUENCE editions;\n"
    "CREATE FUNCTION next_edition() RETURNS bigint LANGUAGE sql\n"
    "AS $$ SELECT nextval('editions') $$;",
    "DROP FUNCTION next_edition();\nDROP SEQUENCE editions;",
)
NUMBERED_USERS = (
    "ALTER TABLE users ADD COLUMN edition bigint DEFAULT next_edition() CHECK (edition < 3);",
    "ALTER TABLE users DROP COLUMN edition;",
)


SEQUENCE_AT_ONE = (
    "CREATE SEQUENCE calls;\n"
    "CREATE FUNCTION first_call(x int) RETURNS boolean LANGUAGE plpgsql"
    " AS $$ BEGIN RETURN nextval('calls') = 1; END $$;\n"
    "CREATE DOMAIN numbered AS bigint DEFAULT nextval('calls');",
    "DROP DOMAIN numbered;\nDROP FUNCTION first_call(int);\nDROP SEQUENCE calls;",
)
# A check that calls a function that takes a sequence's value.
FIRST_CALL = (
    "ALTER TABLE users ADD CONSTRAINT users_first CHECK (id > 1 OR first_call(id)) NOT VALID;\n"
    "ALTER TABLE users VALIDATE CONSTRAINT users_first;",
    "ALTER TABLE users DROP CONSTRAINT users_first;",
)
# A column whose domain's default takes a sequence's value for every row.
DOMAIN_DEFAULT = (
    "ALTER TABLE users ADD COLUMN n numbered;\n"
    "ALTER TABLE users ADD CONSTRAINT users_n CHECK (n <= 2);",
    "ALTER TABLE users DROP COLUMN n;",
)
# The down winds a sequence back below what the up then requires.
COUNTER = ("CREATE SEQUENCE counter;\nSELECT setval('counter', 50);", "DROP SEQUENCE counter;")
RAISED = (
    "ALTER SEQUENCE counter MINVALUE 10 START WITH 10;",
    "ALTER SEQUENCE counter MINVALUE 1 START WITH 1 RESTART;",
)
# A column named like a keyword, dropped by the up and given back empty by the down.
EXPRESSION = (
    "ALTER TABLE users ADD COLUMN expression text DEFAULT 'x';",
    "ALTER TABLE users DROP COLUMN expression;",
)
KEYWORD_COLUMN = (
    "ALTER TABLE users ALTER expression SET NOT NULL;\nALTER TABLE users DROP expression;",
    "ALTER TABLE users ADD exclude text;\nALTER TABLE users ALTER exclude SET DEFAULT 'x';\n"
    "ALTER TABLE users RENAME exclude TO expression;",
)


# Functions of an earlier migration that a check constraint calls once (for the row id 1).
EFFECTS = (
    "CREATE TABLE seed (k int);\nINSERT INTO seed VALUES (1);\n"
    "CREATE TABLE seen (k int PRIMARY KEY);\n"
    "CREATE FUNCTION take() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN\n"
    "    IF NOT EXISTS (SELECT FROM seed) THEN RAISE 'seed is gone'; END IF;\n"
    "    TRUNCATE seed; RETURN true; END $$;\n"
    "CREATE FUNCTION note() RETURNS boolean LANGUAGE sql SET track_counts = off\n"
    "    AS $$ INSERT INTO seen VALUES (1) RETURNING true $$;\n"
    "CREATE FUNCTION make_object() RETURNS boolean LANGUAGE sql\n"
    "    AS $$ SELECT lo_create(4242) > 0 $$;\n"
    "CREATE FUNCTION public.pg_stat_get_xact_function_calls(oid) RETURNS bigint\n"
    "    LANGUAGE sql AS $$ SELECT NULL::bigint $$;",
    "SELECT lo_unlink(4242) FROM pg_largeobject_metadata WHERE oid = 4242;\n"
    "DROP FUNCTION public.pg_stat_get_xact_function_calls(oid);\n"
    "DROP FUNCTION make_object();\nDROP FUNCTION note();\nDROP FUNCTION take();\n"
    "DROP TABLE seen;\nDROP TABLE seed;",
)


def calls(function: str, down_first: str = "") -> tuple[str, str]:
    return (
        f"ALTER TABLE users ADD CONSTRAINT users_called CHECK (id > 1 OR {function}());",
        f"{down_first}ALTER TABLE users DROP CONSTRAINT users_called;",
    )


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        ("a column given back empty", {"0001_users": USERS, "0002_required": REQUIRED_EMAIL}),
        (
            "an object no digest shows",
            {
                "0001_users": USERS,
                "0002_publish": (
                    "CREATE PUBLICATION users_out FOR TABLE users;",
                    "COMMENT ON TABLE users IS NULL;",
                ),
            },
        ),
        (
            "a function that truncates",
            {"0001_users": USERS, "0002_effects": EFFECTS, "0003_take": calls("take")},
        ),
        (
            "a function that writes rows it does not count",
            {"0001_users": USERS, "0002_effects": EFFECTS, "0003_note": calls("note")},
        ),
        (
            "a function that makes a large object",
            {"0001_users": USERS, "0002_effects": EFFECTS, "0003_lo": calls("make_object")},
        ),
        (
            "an inlined function that turns the counting off",
            {
                "0001_users": USERS,
                "0002_effects": EFFECTS,
                "0003_quiet": (
                    "CREATE FUNCTION quiet() RETURNS int LANGUAGE sql"
                    " AS $$ SELECT length(set_config('track_functions', 'none', false)) $$;",
                    "DROP FUNCTION quiet();",
                ),
                "0004_hidden": (
                    "ALTER TABLE users ADD COLUMN q int DEFAULT quiet();\n"
                    "ALTER TABLE users ADD CONSTRAINT users_called CHECK (id > 1 OR note());",
                    "ALTER TABLE users DROP CONSTRAINT users_called;\n"
                    "ALTER TABLE users DROP COLUMN q;",
                ),
            },
        ),
        (
            "a down that puts its own functions first",
            {
                "0001_users": USERS,
                "0002_effects": EFFECTS,
                "0003_note": calls("note", "SET search_path = public, pg_catalog;\n"),
            },
        ),
        (
            "a check that takes a sequence's value",
            {"0001_users": USERS, "0002_calls": SEQUENCE_AT_ONE, "0003_first": FIRST_CALL},
        ),
        (
            "a domain's default that takes a sequence's value",
            {"0001_users": USERS, "0002_calls": SEQUENCE_AT_ONE, "0003_n": DOMAIN_DEFAULT},
        ),
        (
            "a sequence the down winds back",
            {"0001_users": USERS, "0002_counter": COUNTER, "0003_raised": RAISED},
        ),
        (
            "a keyword-named column given back empty",
            {"0001_users": USERS, "0002_expression": EXPRESSION, "0003_kw": KEYWORD_COLUMN},
        ),
        ("rows rewritten by the down", {"0001_readings": READINGS, "0002_rounded": ROUNDED}),
        (
            "a default that advances a sequence",
            {"0001_users": USERS, "0002_next": NEXT_EDITION, "0003_numbered": NUMBERED_USERS},
        ),
    ],
)
def test_a_second_up_that_meets_other_rows_is_run_and_fails(
    migration_dir, check, database_url, name, spec
):
    directory = migration_dir(spec)
    last = len(spec)

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert {version for _, version in errors(report)} == {last}, name
    up_down_up(directory, database_url)
    invoke(
        ["up", "--dir", directory, "--database-url", database_url], expect=ExitCode.MIGRATION_FAILED
    )


def test_an_event_trigger_of_the_migrations_makes_every_second_up_run(migration_dir, check):
    # Its function numbers each DDL statement: the second up meets the count the first left.
    log = (
        "CREATE TABLE ddl_log (n int PRIMARY KEY);\n"
        "CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN"
        " INSERT INTO ddl_log SELECT coalesce(max(n), 0) + 1 FROM ddl_log; END $$;\n"
        "CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION log_ddl();",
        "DROP EVENT TRIGGER log_ddl;\nDROP FUNCTION log_ddl();\nDROP TABLE ddl_log;",
    )
    once = (
        "CREATE TABLE t (id int);\nALTER TABLE ddl_log ADD CONSTRAINT first_few CHECK (n < 3);",
        "ALTER TABLE ddl_log DROP CONSTRAINT first_few;\nDROP TABLE t;",
    )
    directory = migration_dir({"0001_log": log, "0002_once": once})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert {version for _, version in errors(report)} == {2}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_history_of_clean_round_trips_passes_and_keeps_each_up(migration_dir, check, jobs):
    # Twelve migrations, so that two jobs make two runs: each comes back to the state after
    # its first up, which the next migration builds on.
    spec = {"0001_tags": TAGS}
    for n in range(2, 13):
        spec[f"{n:04d}_t{n}"] = (
            f"CREATE TABLE t{n} (id int PRIMARY KEY, tag text REFERENCES tags);\n"
            f"CREATE INDEX t{n}_tag ON t{n} (tag);\n"
            f"CREATE VIEW v{n} AS SELECT id FROM t{n};",
            f"DROP VIEW v{n};\nDROP TABLE t{n};",
        )
    spec["0013_last"] = (
        "CREATE VIEW everything AS SELECT t2.id FROM t2 JOIN t12 USING (id);",
        "DROP VIEW everything;",
    )
    directory = migration_dir(spec)

    report = check(directory, "--jobs", jobs)

    assert report["passed"] is True, report["findings"]
    assert {m["rerun"] for m in report["migrations"]} == {"fails cleanly"}
