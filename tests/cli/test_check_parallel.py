"""``check --jobs``: runs of consecutive migrations round-tripped at once, each on a scratch
database of its own, must report exactly what one run reports."""

from __future__ import annotations

import secrets
import signal
import threading

import psycopg
import pytest

from schemactl.check import gate
from schemactl.check.gate import (
    _CREATED,
    _GROWTH,
    _PLAIN_DOWN,
    _PLAIN_UP,
    MIN_SEGMENT,
    _balanced_ends,
    _Costs,
)
from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out
from tests.cli.test_check import sleeping_in_scratch
from tests.cli.test_processes import start, wait_until
from tests.conftest import scratch_databases

COUNT = 2 * MIN_SEGMENT + 3


def table(n: int) -> tuple[str, str]:
    refers = f" REFERENCES t{n - 1} (id)" if n > 1 else ""
    return (
        f"CREATE TABLE t{n} (id bigint PRIMARY KEY, parent bigint{refers});\n"
        f"CREATE INDEX t{n}_parent ON t{n} (parent);",
        f"DROP TABLE t{n};",
    )


def migrations(**overrides: tuple[str, str]) -> dict[str, tuple[str, str]]:
    files = {f"{n:04d}_t{n}": table(n) for n in range(1, COUNT + 1)}
    for n, texts in overrides.items():
        files[f"{int(n[1:]):04d}_t{int(n[1:])}"] = texts
    return files


@pytest.fixture
def check(database_url):
    def run(directory, jobs, expect=ExitCode.OK):
        args = ["check", "--json", "-j", str(jobs), "--dir", directory]
        return json_out(invoke([*args, "--database-url", database_url], expect=expect))

    return run


def test_runs_are_consecutive_of_near_equal_cost_and_never_too_small():
    costs = _Costs([1.0] * 200)

    assert _balanced_ends(costs, 1) == [200]
    for jobs in (2, 3, 4):
        ends = _balanced_ends(costs, jobs)
        sizes = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        assert len(ends) == jobs and ends[-1] == 200 and min(sizes) >= MIN_SEGMENT
        runs = [costs.run(a, b) for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        if min(sizes) > MIN_SEGMENT:
            # Balanced to within one migration's round trip, which costs at most
            # 1 + 199/_GROWTH. (With more runs the last ones, that must first apply what the
            # others round-trip, are as short as a run may be, and still cost the most.)
            assert max(runs) - min(runs) <= 2.6
        else:
            assert runs.index(max(runs)) != 0
        # Later runs start from larger schemas, wait for their database, apply the earlier
        # ones first, and the last goes all the way back: they take fewer migrations.
        assert sizes == sorted(sizes, reverse=True)
    assert _balanced_ends(_Costs([1.0] * 45), 8) == [15, 25, 35, 45]
    assert _balanced_ends(_Costs([1.0] * (MIN_SEGMENT + 5)), 4) == [MIN_SEGMENT + 5]


def test_a_later_round_trip_costs_more_than_an_earlier_one():
    costs = _Costs([1.0] * 200)

    assert costs.run(0, 1) < costs.run(100, 101) - _PLAIN_UP * 100 - _CREATED
    assert costs.run(0, 200) == pytest.approx(200 + 199 * 200 / (2 * _GROWTH) + _PLAIN_DOWN * 200)


def test_migrations_holding_more_sql_weigh_more():
    # The first half holds five times the SQL of the second (a history's early views).
    heavy = _Costs([5.0] * 100 + [1.0] * 100)

    [first, _] = _balanced_ends(heavy, 2)

    assert first < _balanced_ends(_Costs([1.0] * 200), 2)[0]


def test_a_clean_set_reports_the_same_with_two_jobs_and_leaves_no_scratch(
    migration_dir, check, conn
):
    directory = migration_dir(migrations())

    one, two = check(directory, 1), check(directory, 2)

    assert two == one
    assert one["passed"] is True and len(one["migrations"]) == COUNT
    assert scratch_databases(conn) == []


def test_findings_in_both_runs_are_reported_as_one_run_reports_them(migration_dir, check):
    def unnamed(n: int) -> tuple[str, str]:
        up = f"CREATE TABLE IF NOT EXISTS t{n} (id bigint PRIMARY KEY, parent bigint);"
        return (f"{up}\nCREATE INDEX ON t{n} (parent);", f"DROP TABLE t{n};")

    directory = migration_dir(migrations(t3=unnamed(3), t4=unnamed(4), t20=unnamed(20)))

    one, two = check(directory, 1), check(directory, 2)

    assert two == one
    found = [(f["rule"], f["version"]) for f in one["findings"]]
    assert found == [("rerun-changes-schema", v) for v in (3, 4, 20)]


def test_a_run_whose_database_cannot_be_reached_is_done_by_the_run_before_it(
    migration_dir, check, conn, database_url
):
    # A role allowed two sessions: the first scratch database's creator and its own session.
    # The second run's database cannot be created (its creator cannot connect), so the first
    # run goes on through the second's migrations, as one run would.
    def unnamed(n: int) -> tuple[str, str]:
        up = f"CREATE TABLE IF NOT EXISTS t{n} (id bigint PRIMARY KEY, parent bigint);"
        return (f"{up}\nCREATE INDEX ON t{n} (parent);", f"DROP TABLE t{n};")

    role = f"limited_{secrets.token_hex(4)}"
    conn.execute(f"CREATE ROLE {role} LOGIN CREATEDB CONNECTION LIMIT 2")
    try:
        directory = migration_dir(migrations(t4=unnamed(4), t20=unnamed(20)))
        url = database_url.replace("postgres@", f"{role}@", 1)
        args = ["check", "--json", "--dir", str(directory), "--database-url", url]

        def sessions_gone() -> bool:
            # A closed session's backend leaves a moment later: until then it counts.
            query = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
            return conn.execute(query, (role,)).fetchone() == (0,)

        one = json_out(invoke([*args, "-j", "1"], expect=ExitCode.OK))
        wait_until(sessions_gone, "the first check's sessions to end")
        two = json_out(invoke([*args, "-j", "2"], expect=ExitCode.OK))

        assert two == one
        assert [(f["rule"], f["version"]) for f in one["findings"]] == [
            ("rerun-changes-schema", 4),
            ("rerun-changes-schema", 20),
        ]
        assert scratch_databases(conn) == []
    finally:
        conn.execute(f"DROP ROLE {role}")


# A down that leaves a table of its own behind: found, and the way back still reaches 0001.
LEAVES_A_TABLE = (table(20)[0], "DROP TABLE t20; CREATE TABLE left_behind (x int);")


def test_a_set_that_changes_what_the_server_shares_runs_in_one_run(migration_dir, check, conn):
    # A role is the server's: a second run's plain up of 0001 would find the role the first
    # run made (or make it first, and fail the first run's round trip).
    role = f"shared_{secrets.token_hex(4)}"
    directory = migration_dir(
        migrations(
            t1=(f"CREATE ROLE {role};\n{table(1)[0]}", f"{table(1)[1]}\nDROP ROLE {role};"),
            t20=LEAVES_A_TABLE,
        )
    )
    try:
        one = check(directory, 1, expect=ExitCode.CHECK_FAILED)
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        two = check(directory, 2, expect=ExitCode.CHECK_FAILED)
    finally:
        conn.execute(f"DROP ROLE IF EXISTS {role}")

    assert two == one
    assert ("down-not-exact", 20) in [(f["rule"], f["version"]) for f in two["findings"]]
    assert all(m["rerun"] is not None for m in two["migrations"])
    assert scratch_databases(conn) == []


def test_a_run_whose_plain_ups_fail_leaves_its_migrations_to_the_run_before_it(
    migration_dir, check, conn, monkeypatch
):
    # What its own run's round trips did not meet (something the server shares that no
    # statement names): the later run's migrations are still round-tripped, by the run
    # before it, and what they hold is found.
    directory = migration_dir(migrations(t20=LEAVES_A_TABLE))
    one = check(directory, 1, expect=ExitCode.CHECK_FAILED)
    plainly = gate._apply_plainly

    def failing_in_the_second_run(conn, script):  # type: ignore[no-untyped-def]
        if threading.current_thread().name.startswith("check_1") and script.path.name.endswith(
            "0001_t1.up.sql"
        ):
            raise psycopg.errors.DuplicateObject("shared already exists")
        return plainly(conn, script)

    monkeypatch.setattr(gate, "_apply_plainly", failing_in_the_second_run)
    two = check(directory, 2, expect=ExitCode.CHECK_FAILED)

    assert two == one
    assert ("down-not-exact", 20) in [(f["rule"], f["version"]) for f in two["findings"]]
    assert all(m["rerun"] is not None for m in two["migrations"])
    assert scratch_databases(conn) == []


def test_a_failure_in_the_first_run_discards_what_the_later_runs_found(migration_dir, check):
    broken = ("CREATE TABLE t5 (id bigint PRIMARY KEY, parent bigint);\nSELECT 1 / 0;",
              "DROP TABLE t5;")  # fmt: skip
    unnamed = ("CREATE TABLE t20 (id bigint PRIMARY KEY); CREATE INDEX ON t20 (id);",
               "DROP TABLE t20;")  # fmt: skip
    directory = migration_dir(migrations(t5=broken, t20=unnamed))

    one = check(directory, 1, expect=ExitCode.CHECK_FAILED)
    two = check(directory, 2, expect=ExitCode.CHECK_FAILED)

    assert two == one
    assert [(f["rule"], f["version"]) for f in one["findings"]] == [("up-fails", 5)]


def test_an_interrupted_parallel_check_exits_130_and_leaves_no_scratch_database(
    migration_dir, database_url, conn, tmp_path
):
    slow = ("SELECT pg_sleep(60);", "SELECT 1;")
    directory = migration_dir(migrations(t2=slow, t16=slow))
    argv = ["check", "-j", "2", "--dir", str(directory), "--database-url", database_url]
    process = start(argv, tmp_path)

    wait_until(lambda: len(scratch_databases(conn, process.pid)) == 2, "two scratch databases")
    wait_until(lambda: sleeping_in_scratch(conn, process.pid) == 2, "both runs to reach pg_sleep")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert scratch_databases(conn, process.pid) == []
