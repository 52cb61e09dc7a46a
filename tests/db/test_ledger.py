"""The ledger table against a real database: ensure, read, record, progress, accept, forget."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.errors import ConfigError
from schemactl.run import ledger
from schemactl.run.ledger import Entry, LedgerTable

ENTRY = Entry(1, "users", "c" * 64, "d" * 64, ["create table users ( id int )"])


@pytest.mark.parametrize(
    ("qualified", "schema", "name"),
    [
        ("schemactl_migrations", "public", "schemactl_migrations"),
        ("ops.ledger", "ops", "ledger"),
        ("odd schema.ledger-x", "odd schema", "ledger-x"),
    ],
)
def test_parse_splits_schema_and_table(qualified, schema, name):
    assert LedgerTable.parse(qualified) == LedgerTable(schema, name)


@pytest.mark.parametrize("qualified", ["a.b.c", ".x", "x.", ""])
def test_parse_rejects_other_shapes(qualified):
    with pytest.raises(ConfigError, match="invalid ledger table name"):
        LedgerTable.parse(qualified)


def test_read_of_a_missing_ledger_is_empty_and_creates_nothing(conn):
    table = LedgerTable.parse("public.schemactl_migrations")

    assert ledger.read(conn, table) == []
    assert not ledger.exists(conn, table)


def test_ensure_creates_the_table_and_its_schema_once(conn):
    table = LedgerTable.parse("fresh.ledger")

    ledger.ensure(conn, table)
    ledger.ensure(conn, table)

    assert ledger.exists(conn, table)
    columns = [
        r[0]
        for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'fresh.ledger'::regclass"
            " AND attnum > 0 ORDER BY attnum"
        )
    ]
    assert columns == [
        "version", "name", "checksum", "down_checksum", "statements", "applied_at",
        "applied_by", "applied_from", "execution_ms", "dirty", "dirty_direction",
        "statements_done", "tool_version", "raw_checksum", "statement_sent", "sent_by_pid",
        "down_raw_checksum", "baselined_from",
    ]  # fmt: skip


def test_weird_names_are_quoted_not_interpolated(conn):
    table = LedgerTable.parse('odd "schema.ledger-x; DROP TABLE keep')
    conn.execute("CREATE TABLE keep (id int)")

    ledger.ensure(conn, table)
    ledger.record(conn, table, ENTRY)

    assert [r.version for r in ledger.read(conn, table)] == [1]
    assert conn.execute("SELECT to_regclass('keep') IS NOT NULL").fetchone() == (True,)
    found = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relname = 'ledger-x; DROP TABLE keep'"
    ).fetchone()
    assert found == ('odd "schema', "ledger-x; DROP TABLE keep")


def test_record_then_read_round_trips_a_row(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)

    ledger.record(conn, table, ENTRY, execution_ms=12.5)

    (row,) = ledger.read(conn, table)
    assert (row.version, row.name, row.checksum, row.down_checksum) == (
        1, "users", "c" * 64, "d" * 64,
    )  # fmt: skip
    assert (row.applied_by, row.execution_ms, row.dirty, row.statements_done) == (
        "postgres", 12.5, False, None,
    )  # fmt: skip
    assert row.applied_at is not None
    assert ledger.applied_statements(conn, table, 1) == ["create table users ( id int )"]
    assert ledger.applied_statements(conn, table, 2) == []


def test_dirty_record_tracks_progress_until_marked_clean(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)

    ledger.record(conn, table, ENTRY, dirty_direction="up", statements_done=0)
    ledger.mark_sent(conn, table, 1, done=2, sent=3, pid=4242, direction="up")
    (dirty,) = ledger.read(conn, table)
    ledger.mark_clean(conn, table, 1, 40.0)
    (clean,) = ledger.read(conn, table)

    assert (dirty.dirty, dirty.dirty_direction, dirty.statements_done) == (True, "up", 2)
    assert (dirty.statement_sent, dirty.sent_by_pid) == (3, 4242)
    assert (clean.dirty, clean.dirty_direction, clean.statements_done) == (False, None, None)
    assert (clean.statement_sent, clean.sent_by_pid) == (None, None)
    assert clean.execution_ms == 40.0


def test_record_never_replaces_an_existing_row(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)
    ledger.record(conn, table, ENTRY, dirty_direction="up", statements_done=1)

    with pytest.raises(psycopg.errors.UniqueViolation):
        ledger.record(conn, table, Entry(1, "users", "e" * 64, None, ["select 1"]))

    (row,) = ledger.read(conn, table)
    assert (row.checksum, row.dirty) == (ENTRY.checksum, True)


def test_accept_checksum_updates_checksums_and_statements(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)
    ledger.record(conn, table, ENTRY)

    ledger.accept_checksum(conn, table, Entry(1, "users", "f" * 64, "0" * 64, ["select 2"]))

    (row,) = ledger.read(conn, table)
    assert (row.checksum, row.down_checksum) == ("f" * 64, "0" * 64)
    assert ledger.applied_statements(conn, table, 1) == ["select 2"]


def test_forget_deletes_only_that_version(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)
    ledger.record(conn, table, ENTRY)
    ledger.record(conn, table, Entry(2, "orders", "a" * 64, None, []))

    ledger.forget(conn, table, 1)

    assert [r.version for r in ledger.read(conn, table)] == [2]


def test_rows_are_read_in_version_order(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)
    for version in (10, 2, 9):
        ledger.record(conn, table, Entry(version, f"m{version}", "a" * 64, None, []))

    assert [r.version for r in ledger.read(conn, table)] == [2, 9, 10]


def test_reading_a_table_that_is_not_a_ledger_is_a_config_error(conn):
    conn.execute("CREATE TABLE app_users (id int)")

    with pytest.raises(ConfigError, match="is not a schemactl ledger table"):
        ledger.read(conn, LedgerTable.parse("app_users"))


ODD = Entry(
    7,
    "it's_odd",
    "c" * 64,
    None,
    ["select 'a''b'", "select e'x\\\\y'", "select $$%(version)s {table}$$", "select '日本'"],
    raw_checksum="r" * 64,
)


@pytest.mark.parametrize("qualified", ["public.schemactl_migrations", 'od%d "s".le%(x)sd{x}'])
def test_record_sql_writes_what_record_writes(conn, qualified):
    table = LedgerTable.parse(qualified)
    ledger.ensure(conn, table)
    columns = (
        "version, name, checksum, down_checksum, statements, dirty, tool_version, raw_checksum"
    )
    query = f"SELECT {columns} FROM {table.identifier.as_string(conn)}"

    ledger.record(conn, table, ODD)
    recorded = conn.execute(query).fetchall()
    ledger.forget(conn, table, ODD.version)
    conn.execute(ledger.record_sql(conn, table, ODD))

    assert conn.execute(query).fetchall() == recorded
    assert recorded[0][4] == ODD.statements
    conn.execute(ledger.forget_sql(conn, table, ODD.version))
    assert ledger.read(conn, table) == []


def test_record_sql_with_no_statements_writes_an_empty_array(conn):
    table = LedgerTable.parse("public.schemactl_migrations")
    ledger.ensure(conn, table)

    conn.execute(ledger.record_sql(conn, table, Entry(1, "empty", "c" * 64, None, [])))

    assert conn.execute("SELECT statements FROM schemactl_migrations").fetchone() == ([],)


def test_a_percent_sign_in_the_ledger_name_is_not_a_placeholder(conn):
    table = LedgerTable.parse("ops%s.ledger%(version)s")
    ledger.ensure(conn, table)

    ledger.record(conn, table, ENTRY, dirty_direction="up", statements_done=0)
    ledger.mark_sent(conn, table, ENTRY.version, done=1, sent=None, pid=None, direction="up")
    ledger.mark_clean(conn, table, ENTRY.version, 5.0)
    ledger.accept_checksum(conn, table, ENTRY)
    ledger.remember_raw_checksums(conn, table, [(ENTRY.version, ENTRY.checksum, "r" * 64)])

    (row,) = ledger.read(conn, table)
    assert (row.version, row.dirty, row.execution_ms, row.raw_checksum) == (1, False, 5.0, "r" * 64)
    assert ledger.applied_statements(conn, table, 1) == ENTRY.statements
