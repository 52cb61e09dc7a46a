"""``check``: a static down finding that the round trip of the same migration disproves is
information, with a note; ``--lint-only`` (no round trip) still reports it as an error."""

from __future__ import annotations

import pytest

from schemactl.errors import ExitCode
from schemactl.lint.disproof import NOTE

# The down drops the table through dynamic SQL, which no static reading can follow.
DYNAMIC_DROP = (
    "CREATE TABLE gadgets (id int PRIMARY KEY);",
    "DO $$ BEGIN EXECUTE 'DROP TABLE ' || quote_ident('gad' || 'gets'); END $$;",
)
# The down drops, IF EXISTS, a table the up does not create; it is not there, so nothing goes.
TOLERANT_DROP = (
    "CREATE TABLE parts (id int);",
    "DROP TABLE parts;\nDROP TABLE IF EXISTS parts_staging;",
)


def static(report, rule):
    return [f for f in report["findings"] if f["rule"] == rule]


@pytest.mark.parametrize(
    ("files", "rule"),
    [(DYNAMIC_DROP, "down-leaves-object"), (TOLERANT_DROP, "down-drops-unknown")],
)
def test_a_correct_down_that_looks_wrong_passes_check_as_information(
    migration_dir, check, files, rule
):
    directory = migration_dir({"0001_first": files})

    report = check(directory)

    assert report["passed"] is True
    [finding] = static(report, rule)
    assert finding["severity"] == "info"
    assert finding["detail"].startswith(NOTE)
    assert report["summary"]["error"] == 0


@pytest.mark.parametrize(
    ("files", "rule"),
    [(DYNAMIC_DROP, "down-leaves-object"), (TOLERANT_DROP, "down-drops-unknown")],
)
def test_lint_only_still_reports_what_no_round_trip_disproved(migration_dir, check, files, rule):
    directory = migration_dir({"0001_first": files})

    report = check(directory, "--lint-only", expect=ExitCode.CHECK_FAILED)

    [finding] = static(report, rule)
    assert finding["severity"] == "error" and finding["detail"] is None


def test_a_down_that_truly_leaves_an_object_still_fails_check(migration_dir, check):
    directory = migration_dir({"0001_first": ("CREATE TABLE widgets (id int);", "SELECT 1;")})

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    assert [f["severity"] for f in static(report, "down-leaves-object")] == ["error"]
    assert [f["rule"] for f in report["findings"] if f["rule"] == "down-not-exact"] == [
        "down-not-exact"
    ]


def test_silencing_the_round_trip_exactness_rule_proves_nothing(migration_dir, check):
    directory = migration_dir({"0001_first": DYNAMIC_DROP})

    report = check(directory, "--disable", "down-not-exact", expect=ExitCode.CHECK_FAILED)

    assert [f["severity"] for f in static(report, "down-leaves-object")] == ["error"]


def test_a_failing_migration_earlier_leaves_later_findings_errors(migration_dir, check):
    directory = migration_dir(
        {
            "0001_broken": ("CREATE TABLE broken (id int);", "DROP TABLE nonexistent_table;"),
            "0002_second": DYNAMIC_DROP,
        }
    )

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    assert [f["severity"] for f in static(report, "down-leaves-object")] == ["error", "error"]
