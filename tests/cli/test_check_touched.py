"""``check`` decides a round trip by digests that cost what each step touched: the common
shapes of a long history (a column dropped and added back by its down, views dropped and
made again around a retyped column, a trigger function replaced, a no-transaction index)
pass, and a down that is not exact in any of them is still caught and named."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from tests.conftest import scratch_databases

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


# A no-transaction round trip reads no model while its digests agree. Where they differ, the
# states it left behind are rebuilt from plain ups on a database of their own, which names
# what differs.
CHOOSE = (
    "-- schemactl:no-transaction\n"
    "DO $$ BEGIN IF EXISTS (SELECT FROM items WHERE id = -1) THEN CREATE TABLE chosen_b (x int);"
    " ELSE CREATE TABLE chosen_a (x int); END IF; END $$;"
)
UNCHOOSE = (
    "-- schemactl:no-transaction\n"
    "DROP TABLE IF EXISTS chosen_a; DROP TABLE IF EXISTS chosen_b;"
    " INSERT INTO items (id) VALUES (-1);"
)


def findings_of(report, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


def test_a_no_transaction_down_that_is_not_exact_is_named(migration_dir, check, conn):
    directory = migration_dir(
        {"0001_items": BASE, "0002_index": (INDEX, "-- schemactl:no-transaction\nSELECT 1;")}
    )

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    [finding] = findings_of(report, "down-not-exact")
    assert "left behind: index public.items_price" in finding["detail"]
    assert scratch_databases(conn) == []  # the replay's database too


def test_a_no_transaction_up_that_differs_after_its_down_is_named(migration_dir, check):
    directory = migration_dir({"0001_items": BASE, "0002_choose": (CHOOSE, UNCHOOSE)})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert findings_of(report, "down-not-exact") == []
    [finding] = findings_of(report, "up-differs-after-down")
    assert "only after the first up: table public.chosen_a" in finding["detail"]
    assert "only after up again: table public.chosen_b" in finding["detail"]


# Fails on any database its process's first scratch database was made before: a replay's.
ONLY_ON_THE_FIRST = """DO $$
DECLARE
    mine text := regexp_replace(current_database(), '_[^_]+$', '');
BEGIN
    IF EXISTS (SELECT FROM pg_database
                WHERE datname LIKE mine || '\\_%'
                  AND oid < (SELECT oid FROM pg_database WHERE datname = current_database()))
    THEN
        RAISE EXCEPTION 'not the first scratch database';
    END IF;
END $$;"""


def test_a_replay_that_fails_stops_the_round_trips(migration_dir, check):
    directory = migration_dir(
        {
            "0001_first": (ONLY_ON_THE_FIRST, "SELECT 1;"),
            "0002_items": BASE,
            "0003_index": (INDEX, "-- schemactl:no-transaction\nSELECT 1;"),
            "0004_later": ("CREATE TABLE later (x int);", "DROP TABLE later;"),
        }
    )

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    [finding] = findings_of(report, "round-trip-stopped")
    assert finding["version"] == 3
    assert "not the first scratch database" in finding["detail"]
    assert report["stopped_at"] == 3
