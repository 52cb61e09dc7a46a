"""``check`` decides a round trip by digests that cost what each step touched: the common
shapes of a long history (a column dropped and added back by its down, views dropped and
made again around a retyped column, a trigger function replaced, a no-transaction index)
pass, and a down that is not exact in any of them is still caught and named."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode

BASE = (
    "CREATE TABLE items (id int PRIMARY KEY, price int, note text);"
    " CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;"
    " CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
    " CREATE TRIGGER items_stamp BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION stamp();",
    "DROP TABLE items CASCADE; DROP FUNCTION stamp();",
)
RETYPE_UP = (
    "DROP VIEW cheap; ALTER TABLE items ALTER price TYPE bigint;"
    " CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;"
)
RETYPE_DOWN = (
    "DROP VIEW cheap; ALTER TABLE items ALTER price TYPE int;"
    " CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;"
)
INDEX = "-- schemactl:no-transaction\nCREATE INDEX CONCURRENTLY items_price ON items (price);"
REPLACE = (
    "CREATE OR REPLACE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {} END $$;"
)


def errors(report) -> list[tuple[str, int | None]]:
    return [(f["rule"], f["version"]) for f in report["findings"] if f["severity"] == "error"]


def test_the_shapes_of_a_long_history_pass(migration_dir, check):
    directory = migration_dir(
        {
            "0001_items": BASE,
            # The down adds the column back at a new position: the same schema.
            "0002_drop_note": (
                "ALTER TABLE items DROP COLUMN note;",
                "ALTER TABLE items ADD COLUMN note text;",
            ),
            "0003_retype_price": (RETYPE_UP, RETYPE_DOWN),
            "0004_stamp_v2": (
                REPLACE.format("NEW.price := 0; RETURN NEW;"),
                REPLACE.format("RETURN NEW;"),
            ),
            "0005_index": (
                INDEX,
                "-- schemactl:no-transaction\nDROP INDEX CONCURRENTLY items_price;",
            ),
            "0006_rename": (
                "ALTER TABLE items RENAME price TO cost;",
                "ALTER TABLE items RENAME cost TO price;",
            ),
        }
    )

    report = check(directory, "--jobs", "1")

    assert errors(report) == []


@pytest.mark.parametrize(
    ("migration", "rule"),
    [
        # Added back with another type.
        (
            (
                "ALTER TABLE items DROP COLUMN note;",
                "ALTER TABLE items ADD COLUMN note varchar(5);",
            ),
            "down-not-exact",
        ),
        # The view made again differently: it changes without its name in the statement
        # that matters.
        (
            (RETYPE_UP, RETYPE_DOWN.replace("price < 10", "price < 11")),
            "down-not-exact",
        ),
        # The trigger function put back with another body.
        (
            (REPLACE.format("NEW.price := 0; RETURN NEW;"), REPLACE.format("RETURN NULL;")),
            "down-not-exact",
        ),
        # A no-transaction down that leaves its index.
        (
            (
                INDEX,
                "-- schemactl:no-transaction\nSELECT 1;",
            ),
            "down-not-exact",
        ),
        # Renamed back to another name.
        (
            ("ALTER TABLE items RENAME price TO cost;", "ALTER TABLE items RENAME cost TO prize;"),
            "down-not-exact",
        ),
    ],
    ids=["column type", "view", "trigger function", "no-transaction index", "rename"],
)
def test_a_down_that_is_not_exact_is_still_caught(migration_dir, check, migration, rule):
    directory = migration_dir({"0001_items": BASE, "0002_change": migration})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert (rule, 2) in errors(report)
