"""``schemactl check``: round trips on a scratch database, findings, verdict and exit codes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out
from tests.cli.test_processes import start, wait_until
from tests.conftest import scratch_databases

SETS = sorted(p for p in (Path(__file__).parents[2] / "sql").iterdir() if p.is_dir())

USERS = (
    "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);",
    "DROP TABLE users;",
)


def rules(report) -> list[tuple[str, str, int | None]]:
    return [(f["rule"], f["severity"], f["version"]) for f in report["findings"]]


def test_a_clean_directory_passes_and_reports_each_rerun(migration_dir, check, conn):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_audit": (
                "CREATE TABLE IF NOT EXISTS audit (id int);",
                "DROP TABLE IF EXISTS audit;",
            ),
        }
    )

    report = check(directory)

    assert report["passed"] is True and report["round_trip"] is True
    assert [(m["version"], m["rerun"]) for m in report["migrations"]] == [
        (1, "fails cleanly"),
        (2, "re-runnable"),
    ]
    assert report["findings"] == []
    assert scratch_databases(conn) == []


def test_a_down_that_forgets_an_index_is_an_error_naming_it(migration_dir, check):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_email_index": (
                "CREATE INDEX users_email_idx ON users (email);",
                "SELECT 1;",
            ),
        }
    )

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    (finding,) = [f for f in report["findings"] if f["rule"] == "down-not-exact"]
    assert finding["version"] == 2 and finding["severity"] == "error"
    assert finding["file"].endswith("0002_email_index.down.sql")
    assert "left behind: index public.users_email_idx" in finding["detail"]


def test_a_down_that_drops_too_much_is_an_error_naming_what(migration_dir, check):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_orders": (
                "CREATE TABLE orders (id int);",
                "DROP TABLE orders; DROP TABLE users;",
            ),
        }
    )

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    (finding,) = [f for f in report["findings"] if f["rule"] == "down-not-exact"]
    assert "removed too much: table public.users" in finding["detail"]


def test_an_up_that_claims_to_be_idempotent_but_is_not_fails(migration_dir, check):
    directory = migration_dir({"0001_users": ("-- schemactl:idempotent\n" + USERS[0], USERS[1])})

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    assert ("not-idempotent", "error", 1) in rules(report)


def test_an_unnamed_index_that_a_rerun_duplicates_is_reported(migration_dir, check):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_email_index": (
                "CREATE INDEX ON users (email);",
                "DROP INDEX users_email_idx;",
            ),
        }
    )

    report = check(directory)

    assert ("rerun-changes-schema", "warning", 2) in rules(report)
    assert report["migrations"][1]["rerun"] == "changes the schema again"


def test_the_whole_directory_can_be_held_to_idempotency(migration_dir, check):
    directory = migration_dir({"0001_users": USERS})

    report = check(directory, "--idempotent", expect=ExitCode.CHECK_FAILED)

    assert ("not-idempotent", "error", 1) in rules(report)


def test_a_no_transaction_file_round_trips_outside_a_transaction(migration_dir, check):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_email_index": (
                "-- schemactl:no-transaction\n"
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);",
                "-- schemactl:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS users_email_idx;",
            ),
        }
    )

    report = check(directory)

    assert report["passed"] is True
    assert report["migrations"][1]["rerun"] == "not run"


def test_an_up_that_fails_names_file_line_and_the_server_error(migration_dir, check, conn):
    directory = migration_dir(
        {"0001_users": USERS, "0002_broken": ("SELECT 1;\nSELECT 1/0;", "SELECT 1;")}
    )

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    (finding,) = [f for f in report["findings"] if f["rule"] == "up-fails"]
    assert (finding["line"], finding["version"]) == (2, 2)
    assert "division by zero" in finding["message"]
    assert scratch_databases(conn) == []


def test_an_irreversible_migration_is_information_unless_strict(migration_dir, check):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_seed": "-- schemactl:irreversible\nINSERT INTO users VALUES (1, 'a');",
        }
    )

    assert ("irreversible", "info", 2) in rules(check(directory))
    strict = check(directory, "--strict", expect=ExitCode.CHECK_FAILED)
    assert ("irreversible", "error", 2) in rules(strict)


def test_rules_can_be_disabled_for_the_directory_or_one_file(migration_dir, check):
    index = ("CREATE INDEX ON users (email);", "SELECT 1;")
    rules_fired = "down-not-exact,down-leaves-object,up-differs-after-down"
    directory = migration_dir({"0001_users": USERS, "0002_email_index": index})

    failing = check(directory, expect=ExitCode.CHECK_FAILED)
    passing = check(directory, "--disable", rules_fired, "--disable", "rerun-changes-schema")
    (directory / "0002_email_index.up.sql").write_text(
        f"-- schemactl:disable={rules_fired}\n{index[0]}\n"
    )
    by_file = check(directory)

    assert {f["rule"] for f in failing["findings"] if f["severity"] == "error"} == {
        "down-not-exact",
        "up-differs-after-down",
    }
    assert passing["passed"] is True and passing["findings"] == [
        f for f in passing["findings"] if f["rule"] == "require-concurrent-index"
    ]
    assert by_file["passed"] is True


def test_an_unknown_rule_to_disable_is_a_usage_error(migration_dir, database_url):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(
        ["check", "--dir", directory, "--database-url", database_url, "--disable", "no-such-rule"],
        expect=ExitCode.USAGE,
    )

    assert "no-such-rule" in result.stderr


def test_a_directory_that_does_not_load_is_reported_as_findings(migration_dir, check):
    directory = migration_dir({"0001_users": (USERS[0], None)})

    report = check(directory, expect=ExitCode.CHECK_FAILED)

    assert report["round_trip"] is False
    assert [f["severity"] for f in report["findings"]] == ["error"]
    assert report["findings"][0]["file"].endswith("0001_users.up.sql")


def test_refused_statements_are_findings_with_rules_of_their_own(migration_dir):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_email_index": (
                "CREATE INDEX CONCURRENTLY users_email ON users (email);\nSELECT 1;",
                "\\set ON_ERROR_STOP on\nDROP INDEX users_email;",
            ),
        }
    )

    result = invoke(
        ["check", "--lint-only", "--json", "--dir", directory], expect=ExitCode.CHECK_FAILED
    )

    findings = json_out(result)["findings"]
    assert [(f["rule"], f["version"], f["line"]) for f in findings] == [
        ("psql-meta-command", 2, 1),
        ("needs-own-file", 2, 1),
    ]
    own_file = findings[1]
    assert own_file["file"].endswith("0002_email_index.up.sql")
    assert own_file["message"].startswith("CREATE INDEX CONCURRENTLY cannot run inside")
    assert "move it into a migration of its own" in own_file["instead"]
    assert "invalid-file" not in {f["rule"] for f in findings}


def test_lint_only_needs_no_database(migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["check", "--lint-only", "--dir", directory])

    assert "check passed" in result.stdout and "lint only" in result.stdout


def test_the_human_report_ends_with_a_verdict(migration_dir, database_url):
    directory = migration_dir(
        {"0001_users": USERS, "0002_email_index": ("CREATE INDEX i ON users (email);", "SELECT 1;")}
    )

    result = invoke(
        ["check", "--dir", directory, "--database-url", database_url],
        expect=ExitCode.CHECK_FAILED,
    )

    assert "[down-not-exact]" in result.stdout
    assert "left behind: index public.i" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("check failed:")


def test_github_annotations_point_at_file_and_line(migration_dir, database_url, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    directory = migration_dir(
        {"0001_users": USERS, "0002_broken": ("SELECT 1;\nSELECT 1/0;", "SELECT 1;")}
    )

    result = invoke(
        ["check", "--dir", directory, "--database-url", database_url],
        expect=ExitCode.CHECK_FAILED,
    )

    path = directory / "0002_broken.up.sql"
    assert any(
        line.startswith(f"::error file={path},line=2,title=up-fails::")
        for line in result.stdout.splitlines()
    )


@pytest.mark.parametrize("directory", SETS, ids=[p.name for p in SETS])
def test_each_sql_set_passes_check(directory, check):
    report = check(directory)

    assert report["passed"] is True, report["findings"]
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_an_embedded_cluster_serves_when_asked_for(migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["check", "--scratch", "embedded", "--dir", directory])

    assert "check passed" in result.stdout and "round trips run" in result.stdout


def test_an_embedded_cluster_serves_two_jobs(migration_dir):
    # The second run's database is made on the cluster too, and must be gone before it is.
    directory = migration_dir(
        {
            f"{n:04d}_t{n}": (f"CREATE TABLE t{n} (id int);", f"DROP TABLE t{n};")
            for n in range(1, 25)
        }
    )

    result = invoke(["check", "--scratch", "embedded", "--jobs", "2", "--dir", directory])

    assert "check passed" in result.stdout and "round trips run" in result.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_check_exits_130_and_leaves_no_scratch_database(
    migration_dir, database_url, conn, tmp_path, signum
):
    directory = migration_dir(
        {"0001_users": USERS, "0002_slow": ("SELECT pg_sleep(60);", "SELECT 1;")}
    )
    process = start(["check", "--dir", str(directory), "--database-url", database_url], tmp_path)

    wait_until(lambda: scratch_databases(conn, process.pid), "the check to make its scratch")
    wait_until(lambda: sleeping_in_scratch(conn, process.pid), "the check to reach pg_sleep")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert scratch_databases(conn, process.pid) == []


def sleeping_in_scratch(conn, pid: int) -> int:
    """How many sessions on the scratch databases of process ``pid`` are inside pg_sleep."""
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s)"
        " AND state = 'active' AND wait_event = 'PgSleep'",
        [scratch_databases(conn, pid)],
    ).fetchone()
    return int(row[0])
