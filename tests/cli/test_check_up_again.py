"""A round trip's second up is run only where something could make it differ from the first.

Where the down gives back the schema from before its up, the files use nothing whose value
moves on its own, and no table that outlives the round trip had rows written, the second up
meets exactly what the first met and ``check`` comes back to the state after the first
instead of running it. Anything else runs it, so that a down which leaves rows behind, or an
up that reads a sequence or a clock, is still caught. Each verdict here is what ``up``,
``down`` and ``up`` again really do on a database.
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


def test_rows_written_are_seen_when_the_server_does_not_count_them(
    migration_dir, check, monkeypatch
):
    # With the counts off the server reports no row written at all: nothing is taken as
    # known, and the second up runs.
    monkeypatch.setenv("PGOPTIONS", "-c track_counts=off")
    directory = migration_dir({"0001_tags": TAGS, "0002_featured": SEED})

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert errors(report) == [("up-fails-after-down", 2)]


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
