"""``schemactl baseline VERSION``: a database built without schemactl is adopted only when its
schema is what the files through VERSION produce; every refusal records nothing."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);"
ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);"
ITEMS = "CREATE TABLE items (id bigint PRIMARY KEY, sku text UNIQUE);"

SPEC = {
    "0001_users": (USERS, "DROP TABLE users;"),
    "0002_orders": (ORDERS, "DROP TABLE orders;"),
    "0003_items": (ITEMS, "DROP TABLE items;"),
}
LEDGER = "public.schemactl_migrations"


@pytest.fixture
def directory(migration_dir):
    return migration_dir(SPEC)


def built_by_hand(conn, *statements: str) -> None:
    for statement in statements:
        conn.execute(statement)


def ledger_rows(conn):
    return conn.execute(
        f"SELECT version, checksum, baselined_from FROM {LEDGER} ORDER BY version"
    ).fetchall()


def test_a_matching_schema_is_recorded_as_baselined_and_up_applies_only_what_follows(
    conn, directory, target
):
    built_by_hand(conn, USERS, ORDERS)

    result = invoke(["baseline", "2", *target(directory)])

    assert "baselined 1 users" in result.stderr and "baselined 2 orders" in result.stderr
    assert "the live schema matches migration files through 2" in result.stderr
    assert ledger_versions(conn) == [1, 2]
    report = json_out(invoke(["status", "--json", *target(directory)]))
    states = [(m["version"], m["state"], m["baselined_from"]) for m in report["migrations"]]
    assert states == [(1, "applied", "baseline"), (2, "applied", "baseline"), (3, "pending", None)]
    assert (
        "recorded by baseline, not run by schemactl: 1-2"
        in invoke(["status", *target(directory)]).stdout
    )

    ran = json_out(invoke(["up", "--json", *target(directory)]))

    assert [r["version"] for r in ran["ran"]] == [3]
    assert relation_exists(conn, "items")
    final = json_out(invoke(["status", "--json", *target(directory)]))
    assert [m["baselined_from"] for m in final["migrations"]] == ["baseline", "baseline", None]


def test_a_differing_schema_prints_the_differences_exits_1_and_records_nothing(
    conn, directory, target
):
    built_by_hand(conn, USERS, "CREATE TABLE orders (id bigint PRIMARY KEY, note text)")

    result = invoke(["baseline", "2", *target(directory)], ExitCode.CHECK_FAILED)

    assert "column public.orders.note" in result.stdout  # diff's own rendering, on stdout
    assert "not baselined: the live schema differs" in result.stderr
    assert "nothing recorded" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_a_differing_schema_in_json_lists_the_changes(conn, directory, target):
    built_by_hand(conn, USERS)

    result = invoke(["baseline", "2", "--json", *target(directory)], ExitCode.CHECK_FAILED)

    document = json_out(result)
    assert document["identical"] is False and document["recorded"] == []
    assert [(c["kind"], c["name"]) for c in document["changes"]] == [("missing", "public.orders")]
    assert not relation_exists(conn, LEDGER)


def test_force_records_a_differing_schema_and_says_so(conn, directory, target):
    built_by_hand(conn, USERS)

    result = invoke(["baseline", "2", "--force", *target(directory)])

    assert "table public.orders" in result.stdout
    assert "--force: recorded 2 migration(s)" in result.stderr
    assert "WITHOUT proof" in result.stderr
    assert [(v, source) for v, _, source in ledger_rows(conn)] == [
        (1, "baseline"),
        (2, "baseline"),
    ]


def test_a_version_with_no_file_is_refused(conn, directory, target):
    built_by_hand(conn, USERS)

    result = invoke(["baseline", "7", *target(directory)], ExitCode.USAGE)

    assert "there is no migration with version 7" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_neither_version_nor_from_is_a_usage_error(conn, directory, target):
    result = invoke(["baseline", *target(directory)], ExitCode.USAGE)

    assert "give the VERSION" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_a_ledger_that_agrees_keeps_its_rows_and_gains_the_rest(conn, directory, target):
    invoke(["up", "--to", "1", *target(directory)])
    built_by_hand(conn, ORDERS)
    before = ledger_rows(conn)

    invoke(["baseline", "2", *target(directory)])

    after = ledger_rows(conn)
    assert after[0] == before[0]  # schemactl ran it: not marked
    assert [(v, source) for v, _, source in after] == [(1, None), (2, "baseline")]


def test_a_ledger_with_a_version_beyond_the_baseline_is_refused(conn, directory, target):
    invoke(["up", *target(directory)])
    before = ledger_rows(conn)

    result = invoke(["baseline", "2", *target(directory)], ExitCode.REFUSED)

    assert "records version 3 items as applied" in result.stderr
    assert "does not include" in result.stderr
    assert ledger_rows(conn) == before


def test_a_ledger_with_a_modified_version_is_refused(conn, directory, target):
    invoke(["up", "--to", "1", *target(directory)])
    (directory / "0001_users.up.sql").write_text(USERS + "\nCREATE INDEX ON users (email);\n")
    built_by_hand(conn, ORDERS)
    before = ledger_rows(conn)

    result = invoke(["baseline", "2", *target(directory)], ExitCode.REFUSED)

    assert "records version 1 users as modified" in result.stderr
    assert ledger_rows(conn) == before


def test_everything_already_recorded_is_nothing_to_do(conn, directory, target):
    invoke(["up", "--to", "2", *target(directory)])
    before = ledger_rows(conn)

    result = invoke(["baseline", "2", *target(directory)])

    assert "nothing to do" in result.stderr
    assert ledger_rows(conn) == before


def test_other_tools_ledger_tables_are_left_out_of_the_comparison(conn, directory, target):
    built_by_hand(
        conn,
        USERS,
        # dbmate's and goose's ledgers, as they create them (see adopt/ledgers.py).
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY)",
        "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,"
        " version_id bigint NOT NULL, is_applied boolean NOT NULL,"
        " tstamp timestamp NOT NULL DEFAULT now())",
    )

    invoke(["baseline", "1", *target(directory)])

    assert ledger_versions(conn) == [1]


def test_a_table_named_like_another_tools_ledger_but_shaped_otherwise_is_compared(
    conn, directory, target
):
    built_by_hand(conn, USERS, "CREATE TABLE schema_migrations (version text, note text)")

    result = invoke(["baseline", "1", *target(directory)], ExitCode.CHECK_FAILED)

    assert "table public.schema_migrations" in result.stdout
    assert not relation_exists(conn, LEDGER)


def test_a_custom_ledger_table_gains_the_baselined_column_on_an_older_ledger(
    conn, directory, target
):
    invoke(["up", "--to", "1", "--ledger-table", "ops.ledger", *target(directory)])
    conn.execute("ALTER TABLE ops.ledger DROP COLUMN baselined_from")  # as before the column
    built_by_hand(conn, ORDERS)

    invoke(["baseline", "2", "--ledger-table", "ops.ledger", *target(directory)])

    sources = conn.execute("SELECT version, baselined_from FROM ops.ledger ORDER BY 1").fetchall()
    assert sources == [(1, None), (2, "baseline")]
