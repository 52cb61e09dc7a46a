"""A digest renders again only what a step wrote, plus, after a rename, everything: a line
that changes under the same name changes no other line, and no line shows a column's
position, which a column dropped and added back does not keep."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.catalog.digest import SchemaDigests
from tests.db.conftest import execute_script
from tests.db.test_digest_incremental import take

SCHEMA = """
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE child (
    id int PRIMARY KEY,
    parent_id int REFERENCES parent,
    note text,
    amount int CHECK (amount >= 0),
    label text
);
CREATE INDEX child_note ON child (note) WHERE amount > 0;
CREATE INDEX child_label_lower ON child (lower(label));
CREATE VIEW shown AS
    SELECT c.id, c.note, p.code FROM child AS c JOIN parent AS p ON p.id = c.parent_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER child_touch BEFORE UPDATE OF note ON child FOR EACH ROW EXECUTE FUNCTION touch();
"""


@pytest.fixture
def full_renders(monkeypatch: pytest.MonkeyPatch) -> list[SchemaDigests]:
    """The digests that started over from every row, one entry per full render (``take``'s
    own check against a digest of every row is one too)."""
    seen: list[SchemaDigests] = []
    original = SchemaDigests._from_scratch

    def counted(self: SchemaDigests, *args):  # type: ignore[no-untyped-def]
        seen.append(self)
        return original(self, *args)

    monkeypatch.setattr(SchemaDigests, "_from_scratch", counted)
    return seen


def test_a_column_dropped_and_added_back_gives_the_digest_from_before(conn):
    execute_script(conn, SCHEMA)
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    # Back at a new position, with the index, check, foreign key and trigger that name it.
    steps = [
        "DROP VIEW shown",
        "ALTER TABLE child DROP COLUMN note",
        "ALTER TABLE child DROP COLUMN parent_id",
        "ALTER TABLE child ADD COLUMN parent_id int REFERENCES parent",
        "ALTER TABLE child ADD COLUMN note text",
        "CREATE INDEX child_note ON child (note) WHERE amount > 0",
        "CREATE TRIGGER child_touch BEFORE UPDATE OF note ON child"
        " FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE VIEW shown AS SELECT c.id, c.note, p.code"
        " FROM child AS c JOIN parent AS p ON p.id = c.parent_id",
    ]
    conn.execute("DROP TRIGGER child_touch ON child")
    for step in steps[:3]:
        conn.execute(step)
    assert take(conn, digests) != before
    for step in steps[3:]:
        conn.execute(step)

    assert take(conn, digests) == before


@pytest.mark.parametrize(
    ("change", "undo"),
    [
        (
            "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN NEW.note := 'x'; RETURN NEW; END $$",
            "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NEW; END $$",
        ),
        (
            "CREATE OR REPLACE VIEW shown AS SELECT c.id, c.note, p.code"
            " FROM child AS c JOIN parent AS p ON p.id = c.parent_id WHERE c.amount > 1",
            "CREATE OR REPLACE VIEW shown AS SELECT c.id, c.note, p.code"
            " FROM child AS c JOIN parent AS p ON p.id = c.parent_id",
        ),
        # The expression index is built again over the new type.
        (
            "ALTER TABLE child ALTER label TYPE varchar(40)",
            "ALTER TABLE child ALTER label TYPE text",
        ),
        (
            "ALTER TABLE child ALTER amount SET DEFAULT 1",
            "ALTER TABLE child ALTER amount DROP DEFAULT",
        ),
        (
            "ALTER TABLE child DISABLE TRIGGER child_touch",
            "ALTER TABLE child ENABLE TRIGGER child_touch",
        ),
    ],
    ids=["trigger function replaced", "view replaced", "retyped", "default", "trigger disabled"],
)
def test_a_row_changed_under_its_name_renders_only_its_own_lines(conn, full_renders, change, undo):
    execute_script(conn, SCHEMA)
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    start = len(full_renders)

    conn.execute(change)
    changed = take(conn, digests)  # checked against a full render by ``take``
    conn.execute(undo)

    assert changed != before
    assert take(conn, digests) == before
    assert digests not in full_renders[start:]


@pytest.mark.parametrize(
    "rename",
    [
        # The view, the partial index, the trigger's UPDATE OF and the check show the column.
        "ALTER TABLE child RENAME note TO memo",
        "ALTER TABLE child RENAME amount TO total",
        # The foreign key shows the referenced table, the view the joined one.
        "ALTER TABLE parent RENAME TO mother",
        "ALTER TABLE parent RENAME code TO tag",
        "ALTER FUNCTION touch() RENAME TO poke",
    ],
)
def test_a_rename_changes_the_lines_that_show_the_name(conn, full_renders, rename):
    execute_script(conn, SCHEMA)
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    start = len(full_renders)

    conn.execute(rename)

    assert take(conn, digests) != before  # equal to a full render, which ``take`` checks
    assert digests in full_renders[start:], "a rename must render every line again"


def test_a_column_retyped_in_a_rolled_back_round_trip_restores_exactly(conn):
    execute_script(conn, SCHEMA)
    digests = SchemaDigests(conn)
    before = take(conn, digests)
    with conn.transaction(force_rollback=True):
        conn.execute("DROP VIEW shown")
        conn.execute("ALTER TABLE child ALTER label TYPE varchar(10)")
        assert take(conn, digests) != before
    digests.restore(before)

    assert take(conn, digests) == before


def test_a_line_that_changes_keeps_its_key_through_several_takes(conn, full_renders):
    # A row updated again and again in place: each take sees only that row.
    execute_script(conn, SCHEMA)
    digests = SchemaDigests(conn)
    seen = {take(conn, digests)}
    start = len(full_renders)
    for n in range(3):
        conn.execute(f"ALTER TABLE child ALTER amount SET DEFAULT {n + 10}")
        seen.add(take(conn, digests))
    with pytest.raises(psycopg.errors.UndefinedColumn):
        conn.execute("ALTER TABLE child ALTER nothing SET DEFAULT 1")

    assert len(seen) == 4 and digests not in full_renders[start:]
