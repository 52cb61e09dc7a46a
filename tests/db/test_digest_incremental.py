"""A digest kept up to date step by step must equal the one read from every row, whatever the
steps: creates, alters, drops, renames that change other objects' lines, transactions whose
savepoints roll back (followed by ``restore``), and autocommit statements in between."""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from schemactl.catalog.digest import Digest, SchemaDigests, fingerprint
from tests.db.conftest import execute_script


def settle(conn: psycopg.Connection) -> None:
    """Wait (a moment) for the server's transactions that began before now to end."""
    # A take renders again every row written since the oldest transaction running anywhere on
    # the server: another session's open transaction would hide a stale line. In our own
    # transaction there is nothing to wait for.
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return
    snapshot = "SELECT pg_snapshot_{}(pg_current_snapshot())::text::bigint"
    (horizon,) = conn.execute(snapshot.format("xmax")).fetchone() or (0,)
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:
        (oldest,) = conn.execute(snapshot.format("xmin")).fetchone() or (0,)
        if oldest >= horizon:
            return
        time.sleep(0.01)


def take(conn: psycopg.Connection, digests: SchemaDigests) -> Digest:
    """The next incremental digest, after checking it against one read from every row."""
    settle(conn)
    digest = digests.take()
    assert str(digest) == fingerprint(conn)
    return digest


def apply_and_undo(conn: psycopg.Connection, steps: list[tuple[str, str]]) -> None:
    """Apply every (change, undo) pair in order, then undo them newest first: each change must
    change the digest, and each undo bring back the digest from before its change."""
    digests = SchemaDigests(conn)
    seen = [take(conn, digests)]
    for change, _ in steps:
        execute_script(conn, change)
        seen.append(take(conn, digests))
        assert seen[-1] != seen[-2], change
    for (change, undo), before in zip(reversed(steps), reversed(seen[:-1]), strict=True):
        execute_script(conn, undo)
        assert take(conn, digests) == before, f"{undo} (undoing {change})"


def test_tables_with_keys_indexes_defaults_sequences_and_comments_come_and_go(conn):
    apply_and_undo(
        conn,
        [
            ("CREATE SEQUENCE codes START 100", "DROP SEQUENCE codes"),
            (
                "CREATE TABLE owners (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                " code int NOT NULL DEFAULT nextval('codes') CHECK (code > 0))",
                "DROP TABLE owners",
            ),
            (
                "CREATE TABLE pets (id serial PRIMARY KEY, name text DEFAULT 'rex',"
                " owner_id bigint REFERENCES owners ON DELETE CASCADE)",
                "DROP TABLE pets",
            ),
            (
                "CREATE UNIQUE INDEX pets_name ON pets (lower(name)) WHERE name IS NOT NULL",
                "DROP INDEX pets_name",
            ),
            ("COMMENT ON TABLE pets IS 'animals'", "COMMENT ON TABLE pets IS NULL"),
            ("COMMENT ON COLUMN owners.code IS 'n'", "COMMENT ON COLUMN owners.code IS NULL"),
            ("ALTER SEQUENCE codes OWNED BY owners.code", "ALTER SEQUENCE codes OWNED BY NONE"),
        ],
    )


def test_column_changes_and_renames_others_name_are_seen(conn):
    execute_script(
        conn,
        "CREATE SCHEMA shop; CREATE SEQUENCE shop.ticket;"
        " CREATE TABLE shop.items (id int PRIMARY KEY, price int CHECK (price >= 0),"
        " label text, ticket int DEFAULT nextval('shop.ticket'));"
        " CREATE INDEX items_label ON shop.items (upper(label));",
    )
    alter = "ALTER TABLE shop.items "
    apply_and_undo(
        conn,
        [
            (alter + "ADD COLUMN note text", alter + "DROP COLUMN note"),
            (alter + "ALTER label SET DEFAULT 'none'", alter + "ALTER label DROP DEFAULT"),
            # A default replaced by another, not only added or dropped.
            (alter + "ALTER label SET DEFAULT 'other'", alter + "ALTER label SET DEFAULT 'none'"),
            (alter + "ALTER label SET NOT NULL", alter + "ALTER label DROP NOT NULL"),
            (alter + "ALTER price TYPE bigint", alter + "ALTER price TYPE int"),
            # Only the column's row is written; the check and the index show its name.
            (alter + "RENAME price TO cost", alter + "RENAME cost TO price"),
            (alter + "RENAME label TO title", alter + "RENAME title TO label"),
            # Only the sequence's row is written; the default shows its name.
            (
                "ALTER SEQUENCE shop.ticket RENAME TO stub",
                "ALTER SEQUENCE shop.stub RENAME TO ticket",
            ),
            # Only the table's (or schema's) row is written; every column's line names it.
            (alter + "RENAME TO goods", "ALTER TABLE shop.goods RENAME TO items"),
            ("ALTER SCHEMA shop RENAME TO store", "ALTER SCHEMA store RENAME TO shop"),
            (
                "ALTER TABLE store.goods ALTER ticket DROP DEFAULT",
                "ALTER TABLE store.goods ALTER ticket SET DEFAULT nextval('store.stub')",
            ),
        ],
    )


STAMP = "CREATE OR REPLACE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {} END $$"
HAPPY = "CREATE OR REPLACE VIEW happy AS SELECT id FROM diary WHERE mood = 'ok'{}"


def test_types_functions_triggers_views_and_policies_are_seen(conn):
    execute_script(
        conn,
        "CREATE TYPE mood AS ENUM ('sad', 'ok');"
        " CREATE TABLE diary (id int PRIMARY KEY, mood mood DEFAULT 'ok', body text);"
        f" {STAMP.format('RETURN NEW;')}; {HAPPY.format('')};",
    )
    t, m, d = "ALTER TABLE diary ", "ALTER TYPE mood RENAME VALUE ", "ALTER DOMAIN short "
    apply_and_undo(
        conn,
        [
            (HAPPY.format(" OR body IS NULL"), HAPPY.format("")),
            # The default and the view hold the label's OID and show its name.
            (m + "'ok' TO 'fine'", m + "'fine' TO 'ok'"),
            ("CREATE DOMAIN short AS text CHECK (length(VALUE) < 9)", "DROP DOMAIN short"),
            (d + "ADD CHECK (VALUE <> '')", d + "DROP CONSTRAINT short_check1"),
            (t + "ADD COLUMN title short", t + "DROP COLUMN title"),
            (STAMP.format("NEW.body := 'x'; RETURN NEW;"), STAMP.format("RETURN NEW;")),
            (
                "CREATE TRIGGER st BEFORE INSERT ON diary FOR EACH ROW EXECUTE FUNCTION stamp()",
                "DROP TRIGGER st ON diary",
            ),
            (t + "DISABLE TRIGGER st", t + "ENABLE TRIGGER st"),
            (t + "ENABLE ROW LEVEL SECURITY", t + "DISABLE ROW LEVEL SECURITY"),
            ("CREATE POLICY mine ON diary USING (body > '')", "DROP POLICY mine ON diary"),
            (
                "ALTER POLICY mine ON diary USING (true)",
                "ALTER POLICY mine ON diary USING (body > '')",
            ),
        ],
    )
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    conn.execute("ALTER TYPE mood ADD VALUE 'glad' BEFORE 'sad'")  # no undo for this one

    assert take(conn, digests) != before


@pytest.fixture
def role(conn: psycopg.Connection) -> Iterator[str]:
    """A new role with a random name, dropped after the test under whatever name it has then."""
    name = f"schemactl_test_{secrets.token_hex(6)}"
    conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(name)))
    (oid,) = conn.execute("SELECT %s::regrole::oid", [name]).fetchone() or (None,)
    try:
        yield name
    finally:
        row = conn.execute("SELECT rolname FROM pg_roles WHERE oid = %s", [oid]).fetchone()
        if row:
            conn.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(row[0])))


@pytest.mark.parametrize(
    ("uses", "shown"),
    [
        # The model shows a policy's roles by name.
        ("CREATE TABLE notes (body text); CREATE POLICY own ON notes TO {role} USING (true)", True),
        # It shows no grants: a digest that named them would go stale when a role is renamed.
        (
            "CREATE FUNCTION one() RETURNS int RETURN 1; GRANT EXECUTE ON FUNCTION one() TO {role}",
            False,
        ),
    ],
    ids=["policy", "function grant"],
)
def test_a_role_renamed_changes_the_digest_where_the_model_shows_it(conn, role, uses, shown):
    # Roles live in a shared catalog and have no line of their own.
    execute_script(conn, sql.SQL(uses).format(role=sql.Identifier(role)).as_string(conn))
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    renamed = sql.Identifier(f"{role}_renamed")
    conn.execute(sql.SQL("ALTER ROLE {} RENAME TO {}").format(sql.Identifier(role), renamed))
    assert (take(conn, digests) != before) is shown
    conn.execute(sql.SQL("ALTER ROLE {} RENAME TO {}").format(renamed, sql.Identifier(role)))
    assert take(conn, digests) == before


def test_takes_in_savepoints_rolled_back_and_restored_stay_exact(conn):
    execute_script(
        conn, "CREATE TABLE kept (id int PRIMARY KEY, v text); CREATE INDEX kept_v ON kept (v);"
    )
    digests = SchemaDigests(conn)
    start = take(conn, digests)
    with conn.transaction():
        conn.execute("CREATE TABLE made (id int REFERENCES kept, n serial)")
        made = take(conn, digests)
        with conn.transaction():
            execute_script(conn, "DROP INDEX kept_v; ALTER TABLE kept RENAME v TO w")
            renamed = take(conn, digests)
            # Rows the digest knew come back, and a row it never knew goes, at the rollback.
            with conn.transaction(force_rollback=True):
                execute_script(conn, "DROP TABLE made; COMMENT ON TABLE kept IS 'x'")
                assert take(conn, digests) not in (start, made, renamed)
            digests.restore(renamed)
            assert take(conn, digests) == renamed
        with pytest.raises(psycopg.errors.DivisionByZero), conn.transaction():
            execute_script(conn, "ALTER TABLE made RENAME TO gone; ALTER TABLE kept ADD x int")
            assert take(conn, digests) != renamed
            conn.execute("SELECT 1 / 0")  # a migration that fails halfway
        digests.restore(renamed)
        conn.execute("ALTER TABLE made ADD note text")
        in_transaction = take(conn, digests)
    assert take(conn, digests) == in_transaction  # committed: the same schema, now autocommit
    with conn.transaction(force_rollback=True):
        # As many rows of each kind as before: only restore tells what the rollback brought back.
        conn.execute("DROP TABLE made")
        conn.execute("CREATE TABLE twin (id int REFERENCES kept, n serial, w text)")
        assert take(conn, digests) != in_transaction
    digests.restore(in_transaction)
    assert take(conn, digests) == in_transaction  # rows older than the last take came back
    # Back to the schema of `made` (a dropped column leaves no line behind).
    execute_script(conn, "ALTER TABLE kept RENAME w TO v; CREATE INDEX kept_v ON kept (v)")
    conn.execute("ALTER TABLE made DROP note")

    assert take(conn, digests) == made


# What a table may have: (statement that adds it, statement that takes it away).
TOGGLES = {
    "check": ("{a} ADD c int CHECK (c > 0)", "{a} DROP c"),
    "index": ("CREATE INDEX {t}_v ON {t} (lower(v))", "DROP INDEX {t}_v"),
    "comment": ("COMMENT ON TABLE {t} IS 'k'", "COMMENT ON TABLE {t} IS NULL"),
    "default": ("{a} ALTER v SET DEFAULT 'y'", "{a} ALTER v DROP DEFAULT"),
    "not null": ("{a} ALTER v SET NOT NULL", "{a} ALTER v DROP NOT NULL"),
    "foreign key": ("{a} ADD p int REFERENCES parent", "{a} DROP p"),
    "identity": ("{a} ADD n int GENERATED BY DEFAULT AS IDENTITY", "{a} DROP n"),
    "renamed": ("{a} RENAME id TO key", "{a} RENAME key TO id"),
    "varchar": ("{a} ALTER v TYPE varchar(20)", "{a} ALTER v TYPE text"),
}
Tables = dict[str, frozenset[str]]  # table name -> its toggles that are on


def random_step(rng: random.Random, tables: Tables) -> tuple[str, Tables]:
    """A statement valid in state ``tables``, and the state after it."""
    name = rng.choice("abc")
    after = dict(tables)
    if name not in tables:
        after[name] = frozenset()
        return f"CREATE TABLE {name} (id int PRIMARY KEY, v text)", after
    if rng.random() < 0.15:
        del after[name]
        return f"DROP TABLE {name}", after
    toggle = rng.choice(sorted(TOGGLES))
    after[name] = tables[name] ^ {toggle}
    return TOGGLES[toggle][toggle in tables[name]].format(t=name, a=f"ALTER TABLE {name}"), after


def test_thirty_seeded_random_steps_keep_the_digest_exact(conn):
    conn.execute("CREATE TABLE parent (id int PRIMARY KEY)")
    rng = random.Random(20240611)
    digests = SchemaDigests(conn)
    tables: Tables = {}
    last = take(conn, digests)
    for _ in range(30):
        statement, after = random_step(rng, tables)
        if rng.random() < 0.25:  # sometimes tried in a transaction that rolls back
            with conn.transaction(force_rollback=True):
                conn.execute(statement)
                assert take(conn, digests) != last, statement
            digests.restore(last)
            assert take(conn, digests) == last, f"rolled back {statement}"
            continue
        conn.execute(statement)
        now = take(conn, digests)
        assert now != last, statement
        last, tables = now, after


def test_a_view_lists_a_column_added_to_a_table_it_reads(conn):
    # After a rename under a USING join, the view's text spells out every column of the
    # table it joins, so adding one changes the view's line with no row of the view written.
    execute_script(
        conn,
        "CREATE TABLE tt2 (a int, b int, c int); CREATE TABLE tt3 (ax int, b int, c int);"
        " CREATE VIEW v1 AS SELECT * FROM tt2 JOIN tt3 USING (b, c);"
        " ALTER TABLE tt3 RENAME c TO d;",
    )
    digests = SchemaDigests(conn)
    before = take(conn, digests)

    execute_script(conn, "ALTER TABLE tt3 ADD COLUMN e int;")

    assert "tt3(ax, b, c, e)" in conn.execute("SELECT pg_get_viewdef('v1')").fetchone()[0]
    assert take(conn, digests) != before
