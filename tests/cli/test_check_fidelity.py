"""``schemactl check`` must judge each file as ``up`` and ``down`` would run it: each file in
its own transaction (committed), and ``down`` in a session of its own.

Every migration set here applies, rolls back and applies again with ``schemactl up`` /
``down`` on a real database exactly as the check's verdict says it does.
"""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out


def run_check(directory, database_url, *flags, expect=ExitCode.OK):
    args = ["check", "--json", "--dir", directory, "--database-url", database_url, *flags]
    return json_out(invoke(args, expect=expect))


def rules(report) -> set[tuple[str, int | None]]:
    return {(f["rule"], f["version"]) for f in report["findings"] if f["severity"] != "info"}


MOOD = (
    "CREATE TYPE mood AS ENUM ('sad', 'happy');\n"
    "CREATE TABLE people (id bigint PRIMARY KEY, mood mood NOT NULL);",
    "DROP TABLE people;\nDROP TYPE mood;",
)


def test_the_usual_down_of_an_added_enum_value_passes(migration_dir, database_url):
    # up, then down, each committed on its own, works; check ran both in one transaction,
    # where the new value is "unsafe" to use (55P04), and reported down-fails.
    directory = migration_dir(
        {
            "0001_people": MOOD,
            "0002_meh": (
                "ALTER TYPE mood ADD VALUE 'meh';",
                """
                UPDATE people SET mood = 'sad' WHERE mood = 'meh';
                ALTER TYPE mood RENAME TO mood_old;
                CREATE TYPE mood AS ENUM ('sad', 'happy');
                ALTER TABLE people ALTER COLUMN mood TYPE mood USING mood::text::mood;
                DROP TYPE mood_old;
                """,
            ),
        }
    )

    report = run_check(directory, database_url)

    assert report["passed"] is True, report["findings"]


def test_a_down_after_an_up_that_queued_deferred_checks_passes(migration_dir, database_url):
    # The up's deferred foreign-key checks run at its COMMIT; check kept them pending into
    # the down ("cannot DROP TABLE because it has pending trigger events").
    directory = migration_dir(
        {
            "0001_seed": (
                """
                CREATE TABLE parent (id bigint PRIMARY KEY);
                CREATE TABLE child (parent_id bigint REFERENCES parent
                                    DEFERRABLE INITIALLY DEFERRED);
                INSERT INTO child VALUES (1);
                INSERT INTO parent VALUES (1);
                """,
                "DROP TABLE child;\nDROP TABLE parent;",
            )
        }
    )

    report = run_check(directory, database_url)

    assert report["passed"] is True, report["findings"]


def test_an_up_that_fails_only_at_commit_is_an_up_failure_not_a_crash(migration_dir, database_url):
    # `schemactl up` fails this migration at COMMIT (deferred foreign key). check exited 70
    # with a ForeignKeyViolation traceback.
    directory = migration_dir(
        {
            "0001_tables": (
                "CREATE TABLE parent (id bigint PRIMARY KEY);\n"
                "CREATE TABLE child (parent_id bigint REFERENCES parent"
                " DEFERRABLE INITIALLY DEFERRED);",
                "DROP TABLE child;\nDROP TABLE parent;",
            ),
            "0002_orphan": (
                "INSERT INTO child VALUES (99);",
                "DELETE FROM child WHERE parent_id = 99;",
            ),
        }
    )

    report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

    assert ("up-fails", 2) in rules(report)


def test_a_down_that_relies_on_a_setting_its_up_made_fails(migration_dir, database_url):
    # `schemactl down` runs in a new session: "DROP TABLE t" finds no public.t and fails.
    # check ran the down in the up's session, where search_path was still app, and passed.
    directory = migration_dir(
        {
            "0001_app": ("CREATE SCHEMA app;", "DROP SCHEMA app;"),
            "0002_t": ("SET search_path = app;\nCREATE TABLE t (id bigint);", "DROP TABLE t;"),
        }
    )

    report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

    assert ("down-fails", 2) in rules(report)


def test_a_down_that_leaves_a_changed_foreign_key_action_is_down_not_exact(
    migration_dir, database_url
):
    # The digest has no confdelsetcols, so "ON DELETE SET NULL" and "ON DELETE SET NULL
    # (tenant_id)" digest the same and check passed a down that undoes nothing.
    directory = migration_dir(
        {
            "0001_users": (
                """
                CREATE TABLE tenants (id bigint, region bigint, PRIMARY KEY (id, region));
                CREATE TABLE users (
                    id bigint PRIMARY KEY, tenant_id bigint, region bigint,
                    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id, region)
                        REFERENCES tenants ON DELETE SET NULL
                );
                """,
                "DROP TABLE users;\nDROP TABLE tenants;",
            ),
            "0002_keep_region": (
                """
                ALTER TABLE users DROP CONSTRAINT users_tenant_fkey,
                    ADD CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id, region)
                        REFERENCES tenants ON DELETE SET NULL (tenant_id);
                """,
                "SELECT 1;",
            ),
        }
    )

    report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

    assert ("down-not-exact", 2) in rules(report)


def test_a_rerun_that_would_fail_at_commit_is_not_re_runnable(migration_dir, database_url):
    # Run twice, the insert violates a deferred unique constraint at COMMIT; the re-run is
    # rolled back before any deferred check fires, so check called it re-runnable.
    directory = migration_dir(
        {
            "0001_t": (
                "CREATE TABLE t (id bigint UNIQUE DEFERRABLE INITIALLY DEFERRED);",
                "DROP TABLE t;",
            ),
            "0002_seed": (
                "-- schemactl:idempotent\nINSERT INTO t VALUES (1);",
                "DELETE FROM t WHERE id = 1;",
            ),
        }
    )

    report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

    assert ("not-idempotent", 2) in rules(report)
    assert report["migrations"][1]["rerun"] == "fails cleanly"


def test_scratch_server_uses_libpq_defaults_like_every_other_command(
    migration_dir, conn, monkeypatch
):
    # `status` and `up` accept PGHOST/PGUSER/... without a URL; `--scratch server` refused.
    info = conn.info
    monkeypatch.setenv("PGHOST", info.host)
    monkeypatch.setenv("PGPORT", str(info.port))
    monkeypatch.setenv("PGUSER", info.user)
    monkeypatch.setenv("PGDATABASE", info.dbname)
    if info.password:
        monkeypatch.setenv("PGPASSWORD", info.password)
    directory = migration_dir({"0001_t": ("CREATE TABLE t (id bigint);", "DROP TABLE t;")})

    result = invoke(["check", "--scratch", "server", "--dir", directory])

    assert "check passed" in result.stdout


# A down runs in a session of its own: the way its up left the session reading text (string
# escapes, encoding) must not change how the down's text is read.
LEFT_BY_THE_UP = {
    "standard_conforming_strings": (
        ("CREATE TABLE u (a text DEFAULT 'p\\q');", "DROP TABLE u;"),
        (
            "SET standard_conforming_strings = off;\nALTER TABLE u ALTER a DROP DEFAULT;",
            # read in a new session: 'p\\q', two backslashes, not the default it dropped
            "ALTER TABLE u ALTER a SET DEFAULT 'p\\\\q';",
        ),
    ),
    "client_encoding": (
        ("CREATE TABLE u (a text);\nCOMMENT ON TABLE u IS 'cafÃ©';", "DROP TABLE u;"),
        (
            "SET client_encoding = 'LATIN1';\nCOMMENT ON TABLE u IS NULL;",
            # read as UTF-8 in a new session: 'café', not the comment it removed
            "COMMENT ON TABLE u IS 'café';",
        ),
    ),
}


def test_a_down_is_read_as_a_new_session_reads_it(migration_dir, database_url):
    for setting, (first, second) in LEFT_BY_THE_UP.items():
        directory = migration_dir({"0001_u": first, "0002_legacy": second})

        report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

        assert ("down-not-exact", 2) in rules(report), setting


# Built-in objects that the schema names can change under it without any row of the user's
# objects being written: the digests must see it, or the round trip passes. Each change runs
# again cleanly after its (wrong) down, so only comparing schemas can fail it; DO hides it
# from the lint; the filler makes the first object older than the migration that changes
# what it names.
BUILT_IN_CHANGES = {
    "a language renamed": (
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "DROP FUNCTION one();",
        "IF EXISTS (SELECT FROM pg_language WHERE lanname = 'sql') THEN"
        " ALTER LANGUAGE sql RENAME TO sqlx; END IF;",
    ),
    "a function created in pg_catalog": (
        "CREATE TABLE t (a text DEFAULT concat('a', 1));",
        "DROP TABLE t;",
        "EXECUTE $x$CREATE OR REPLACE FUNCTION pg_catalog.concat(text, int) RETURNS text"
        " LANGUAGE sql AS 'SELECT $1 || $2'$x$;",
    ),
}


def test_a_built_in_object_changed_under_the_schema_is_seen(migration_dir, database_url):
    for case, (up, down, change) in BUILT_IN_CHANGES.items():
        directory = migration_dir(
            {
                "0001_uses": (up, down),
                "0002_filler": ("CREATE TABLE filler (id int);", "DROP TABLE filler;"),
                "0003_changes": ("DO $do$ BEGIN " + change + " END $do$;", "SELECT 1;"),
            }
        )

        report = run_check(directory, database_url, expect=ExitCode.CHECK_FAILED)

        assert ("down-not-exact", 3) in rules(report), case


def test_temporary_objects_an_up_made_do_not_reach_its_second_up(migration_dir, database_url):
    # A backfill keeps its scratch list in a temporary table and a pg_temp function, as real
    # histories do; up gives each migration a new session, so the second up of the round
    # trip must not find them.
    directory = migration_dir(
        {
            "0001_t": ("CREATE TABLE t (id int, v int);", "DROP TABLE t;"),
            "0002_backfill": (
                """
                CREATE FUNCTION pg_temp.fill() RETURNS void LANGUAGE sql
                    AS 'UPDATE t SET v = 0 WHERE v IS NULL';
                DO $$ BEGIN
                    CREATE TEMP TABLE nulls AS SELECT id FROM t WHERE v IS NULL;
                    UPDATE t SET v = 0 WHERE id IN (SELECT id FROM nulls);
                END $$;
                SELECT pg_temp.fill();
                """,
                "-- nothing to undo: the backfill's values stay",
            ),
            "0003_u": ("CREATE TABLE u (id int);", "DROP TABLE u;"),
        }
    )

    report = run_check(directory, database_url)

    # The empty down is only advice (empty-down, a warning): nothing fails.
    assert rules(report) == {("empty-down", 2)}
    assert report["passed"] is True
    invoke(["up", "--dir", directory, "--database-url", database_url])
    invoke(["down", "--all", "--yes", "--dir", directory, "--database-url", database_url])
