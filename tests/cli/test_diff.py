"""``schemactl diff``: drift between a live database and its migration files, end to end."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out

SPEC = {
    "0001_users": (
        """
        CREATE TABLE users (
            id bigint PRIMARY KEY,
            email text NOT NULL,
            karma int NOT NULL DEFAULT 0 CHECK (karma >= 0)
        );
        CREATE INDEX users_email_idx ON users (email);
        """,
        "DROP TABLE users;",
    ),
    "0002_shout": (
        """
        CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE
            AS $$ SELECT upper(t) $$;
        """,
        "DROP FUNCTION shout(text);",
    ),
    "0003_orders": ("CREATE TABLE orders (id int PRIMARY KEY);", "DROP TABLE orders;"),
}


@pytest.fixture
def applied(migration_dir, target, conn):
    """The first two migrations applied to the test database; returns the CLI flags."""
    flags = target(migration_dir(SPEC))
    invoke(["up", "--to", "2", "-q", *flags])
    return flags


def changes(flags):
    return json_out(invoke(["diff", "--json", *flags], expect=ExitCode.CHECK_FAILED))["changes"]


def test_an_untouched_database_matches_the_files_it_applied(applied):
    result = invoke(["diff", *applied])

    assert "no differences" in result.stdout
    # Version 3 is pending, not drift: the expected side follows the live ledger.
    assert "orders" not in result.stdout


def test_json_of_an_identical_schema_says_identical(applied):
    document = json_out(invoke(["diff", "--json", *applied]))

    assert document["identical"] is True and document["changes"] == []


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (
            "ALTER TABLE users ADD COLUMN nickname text",
            {"kind": "unexpected", "object_type": "column", "name": "public.users.nickname"},
        ),
        (
            "DROP INDEX users_email_idx",
            {"kind": "missing", "object_type": "index", "name": "public.users_email_idx"},
        ),
        (
            "ALTER TABLE users ALTER COLUMN karma SET DEFAULT 10",
            {
                "kind": "changed",
                "name": "public.users.karma",
                "property": "default",
                "expected": "0",
                "actual": "10",
            },
        ),
        (
            "ALTER TABLE users DROP CONSTRAINT users_karma_check, "
            "ADD CONSTRAINT users_karma_check CHECK (karma >= -10)",
            {
                "kind": "changed",
                "name": "public.users.users_karma_check",
                "property": "definition",
                "expected": "CHECK (karma >= 0)",
                "actual": "CHECK (karma >= '-10'::integer)",
            },
        ),
        (
            "CREATE OR REPLACE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE "
            "AS $$ SELECT upper(t) || '!' $$",
            {"kind": "changed", "object_type": "function", "property": "body"},
        ),
    ],
    ids=["column-added", "index-dropped", "default-changed", "check-loosened", "function-edited"],
)
def test_drift_is_reported_and_exits_1(applied, conn, drift, expected):
    conn.execute(drift)

    found = changes(applied)

    assert len(found) == 1, found
    assert expected.items() <= found[0].items()


def test_the_human_report_groups_changes_and_sql_suggests_a_fix(applied, conn):
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")
    conn.execute("DROP INDEX users_email_idx")

    result = invoke(["diff", "--sql", *applied], expect=ExitCode.CHECK_FAILED)

    assert "2 differences: 1 missing, 1 unexpected" in result.stdout
    assert "index public.users_email_idx" in result.stdout
    assert "column public.users.nickname" in result.stdout
    assert "never runs these" in result.stdout
    assert "ALTER TABLE public.users DROP COLUMN nickname;" in result.stdout
    assert "CREATE INDEX users_email_idx ON public.users USING btree (email);" in result.stdout


def test_applying_the_suggested_sql_removes_the_drift(applied, conn):
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")
    conn.execute("ALTER TABLE users ALTER COLUMN karma SET DEFAULT 10")
    conn.execute("DROP INDEX users_email_idx")
    document = json_out(invoke(["diff", "--json", "--sql", *applied], expect=ExitCode.CHECK_FAILED))

    for statement in document["suggested_sql"]:
        conn.execute(statement)

    invoke(["diff", *applied])


def test_to_a_version_compares_with_the_files_through_it(applied):
    found = changes([*applied, "--to", "3"])

    assert [(c["kind"], c["name"]) for c in found] == [("missing", "public.orders")]


def test_two_databases_compare_directly(applied, conn, database_url, second_database_url):
    args = ["diff", "--json", "--from", second_database_url, "--to", database_url, *applied]
    found = json_out(invoke(args, expect=ExitCode.CHECK_FAILED))["changes"]

    assert {(c["kind"], c["object_type"], c["name"]) for c in found} == {
        ("missing", "table", "public.users"),
        ("missing", "function", "public.shout(text)"),
    }


def test_a_saved_snapshot_compares_with_the_live_database(applied, conn, tmp_path, database_url):
    snapshot = tmp_path / "schema.json"
    invoke(["dump", "--json", "--from", database_url, "--output", snapshot, *applied])
    invoke(["diff", "--to", snapshot, *applied])

    conn.execute("ALTER TABLE users ADD COLUMN nickname text")

    found = changes([*applied, "--to", str(snapshot)])
    assert [(c["kind"], c["name"]) for c in found] == [("unexpected", "public.users.nickname")]


def test_the_ledger_table_is_never_part_of_the_schema(applied, conn):
    found = json_out(
        invoke(["diff", "--json", "--to", "0", *applied], expect=ExitCode.CHECK_FAILED)
    )

    assert not any("schemactl_migrations" in c["name"] for c in found["changes"])


def test_an_unrecognisable_side_is_a_usage_error(applied):
    result = invoke(["diff", "--from", "nonsense", *applied], expect=ExitCode.USAGE)

    assert "cannot tell what 'nonsense' names" in result.stderr


def test_a_broken_snapshot_is_a_usage_error_naming_the_file(applied, tmp_path):
    snapshot = tmp_path / "broken.json"
    snapshot.write_text("{not json")

    result = invoke(["diff", "--to", snapshot, *applied], expect=ExitCode.USAGE)

    assert str(snapshot) in result.stderr
