"""``check`` on its own scratch database follows event triggers, so a round trip costs what its
steps touched; what they cannot report (a catalog row written directly, a table with
partitions) is still caught, and a down that is not exact is still named."""

from __future__ import annotations

import pytest

from schemactl.catalog import digest
from schemactl.errors import ExitCode


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per digest that scanned the catalogs instead of following the events."""
    seen: list[str] = []
    original = digest.SchemaDigests._update

    def counted(self, *args):  # type: ignore[no-untyped-def]
        seen.append("scan")
        return original(self, *args)

    monkeypatch.setattr(digest.SchemaDigests, "_update", counted)
    return seen


def errors(report) -> list[tuple[str, int | None]]:
    return [(f["rule"], f["version"]) for f in report["findings"] if f["severity"] == "error"]


def test_a_history_is_checked_without_scanning_the_catalogs(migration_dir, check, scans):
    directory = migration_dir(
        {
            "0001_items": (
                "CREATE TABLE items (id int PRIMARY KEY, price int, note text);"
                " CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;",
                "DROP VIEW cheap; DROP TABLE items;",
            ),
            "0002_comment": (
                "COMMENT ON COLUMN items.note IS 'free text';",
                "COMMENT ON COLUMN items.note IS NULL;",
            ),
            "0003_rename": (
                "ALTER TABLE items RENAME price TO cost;",
                "ALTER TABLE items RENAME cost TO price;",
            ),
        }
    )

    report = check(directory, "--jobs", "1")

    assert errors(report) == [] and scans == []


def test_a_down_that_leaves_a_comment_is_named(migration_dir, check):
    directory = migration_dir(
        {
            "0001_items": ("CREATE TABLE items (id int, note text);", "DROP TABLE items;"),
            "0002_comment": ("COMMENT ON COLUMN items.note IS 'free text';", "SELECT 1;"),
        }
    )

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert ("down-not-exact", 2) in errors(report)


def test_a_catalog_row_written_directly_is_seen(migration_dir, check, scans):
    # No event reports an UPDATE of a catalog: the digest after it scans.
    directory = migration_dir(
        {
            "0001_items": ("CREATE TABLE items (v varchar(10));", "DROP TABLE items;"),
            "0002_widen": (
                "UPDATE pg_attribute SET atttypmod = 24"
                " WHERE attrelid = 'items'::regclass AND attname = 'v';",
                "SELECT 1;",
            ),
        }
    )

    report = check(directory, "--jobs", "1", expect=ExitCode.CHECK_FAILED)

    assert ("down-not-exact", 2) in errors(report) and scans
