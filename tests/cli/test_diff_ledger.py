"""``schemactl diff``: the ledger is never part of the schema, whatever side it is on, and a
ledger that is not there is said so rather than read as "nothing applied"."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out

USERS = ("CREATE TABLE users (id bigint PRIMARY KEY);", "DROP TABLE users;")


def test_a_ledger_in_its_own_schema_is_not_drift(migration_dir, database_url):
    # `up --ledger-table ops.migrations` creates schema ops; diff reported "unexpected schema
    # ops" on a database that is exactly what its files say.
    flags = [
        "--dir",
        migration_dir({"0001_users": USERS}),
        "--database-url",
        database_url,
        "--ledger-table",
        "ops.migrations",
    ]
    invoke(["up", "-q", *flags])

    document = json_out(invoke(["diff", "--json", *flags]))

    assert document["changes"] == []


def test_a_dump_that_holds_the_ledger_compares_without_it(migration_dir, database_url, tmp_path):
    # A schema-only pg_dump of a migrated database holds the ledger table; the database side
    # leaves it out, the dump side kept it, so the two looked different.
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", "-q", "--dir", directory, "--database-url", database_url])
    dump = tmp_path / "pg_dump.sql"
    dump.write_text(
        "CREATE TABLE public.schemactl_migrations (version bigint PRIMARY KEY, name text);\n"
        "CREATE TABLE public.users (id bigint PRIMARY KEY);\n"
    )

    document = json_out(
        invoke(
            [
                "diff", "--json", "--from", dump, "--to", database_url,
                "--dir", directory, "--database-url", database_url,
            ]
        )
    )  # fmt: skip

    assert document["changes"] == []


def test_a_ledger_table_that_does_not_exist_is_named(migration_dir, database_url):
    # With a mistyped --ledger-table, diff read "no migration applied" and listed every
    # table as unexpected, without a word about the ledger.
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", "-q", "--dir", directory, "--database-url", database_url])

    result = invoke(
        [
            "diff", "--dir", directory, "--database-url", database_url,
            "--ledger-table", "public.no_such_ledger",
        ],
        expect=ExitCode.CHECK_FAILED,
    )  # fmt: skip

    assert "no_such_ledger" in result.stderr
