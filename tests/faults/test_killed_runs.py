"""``schemactl up`` killed with SIGKILL: no handler runs, nothing is cleaned up by the client.

The server goes on with what it was sent: the statement (or the whole transactional migration,
COMMIT included) runs to its end on a session whose client is gone, and only then does that
session end. The tests wait for it, then require the ledger to match exactly what ran, and the
next command to finish the work (or to say precisely what to decide).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke
from tests.faults.conftest import (
    LEDGER,
    Row,
    assert_same_database,
    assert_status_tells_the_truth,
    control_pid,
    counted,
    counter_migrations,
    finish,
    holding,
    kill9,
    ledger,
    ledger_count,
    once_each,
    run_sessions,
    said,
    terminate,
    up_clean,
    wait_for_runs_to_end,
    wait_until,
    within,
    work_pid,
)

# --- transactional migrations -----------------------------------------------------------

MIGRATIONS = 40
KILL_SEED = 20240611
BODY = "CREATE TABLE t{n} (id int);\nINSERT INTO counter VALUES ({n});\nSELECT pg_sleep(0.03);"


def tables_made(conn) -> list[int]:
    rows = conn.execute(
        "SELECT substr(relname, 2)::int FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname ~ '^t[0-9]+$'"
    )
    return sorted(n for (n,) in rows)


def kill_points(seed: int) -> list[tuple[int, float]]:
    """Where to kill each run: once it has applied a random number of migrations (the first,
    none: it dies after a random time from its start, while it starts, connects, locks or
    creates the ledger, or in its first migrations), after a random further delay."""
    rng = random.Random(seed)
    first = (0, rng.uniform(0.1, 0.45))
    return [first] + [(rng.randint(1, 6), rng.uniform(0.0, 0.05)) for _ in range(4)]


@pytest.mark.slow
def test_kill_9_at_seeded_points_of_a_transactional_run(
    conn, migration_dir, target, spawn, make_database
):
    conn.execute("CREATE TABLE counter (n int)")
    directory = migration_dir(counter_migrations(range(1, MIGRATIONS + 1), BODY))
    everything = range(1, MIGRATIONS + 1)
    progress = []

    for advance, delay in kill_points(KILL_SEED):
        count = ledger_count(conn) + advance
        run = spawn("up", *target(directory))
        wait_until(lambda count=count: ledger_count(conn) >= count, f"{count} ledger rows")
        time.sleep(delay)
        kill9(run)
        # The migration the server was running commits (or not) whole; then its session ends.
        wait_for_runs_to_end(conn)

        versions = [row.version for row in ledger(conn)]
        assert versions == list(range(1, len(versions) + 1))
        assert not any(row.dirty for row in ledger(conn))
        assert once_each(conn) == versions
        assert tables_made(conn) == versions
        assert_status_tells_the_truth(conn, directory, everything)
        progress.append(len(versions))

    assert progress == sorted(progress) and progress[-1] < MIGRATIONS
    invoke(["up", *target(directory)])

    assert once_each(conn) == list(everything)
    assert_status_tells_the_truth(conn, directory, everything)
    clean = make_database()
    clean.execute("CREATE TABLE counter (n int)")
    up_clean(directory, clean)
    assert_same_database(conn, clean)


def up_again_right_after_kill_9(conn, directory, target, spawn) -> tuple[int, str, int]:
    """Kill ``up`` while migration 2 (CREATE TABLE, then a read of a locked table) runs, and
    start ``up`` again at once, while the killed run's work session still runs migration 2.
    The second run's exit code and stderr, and the pid of the session left running."""
    conn.execute("CREATE TABLE counter (n int)")
    conn.execute("CREATE TABLE gate (id int)")
    conn.execute("INSERT INTO gate VALUES (1)")
    with holding(conn, "LOCK TABLE gate IN ACCESS EXCLUSIVE MODE") as holder:
        first = spawn("up", *target(directory))
        wait_until(lambda: work_pid(conn, "Lock"), "migration 2 to wait for the gate")
        orphan = work_pid(conn, "Lock")
        kill9(first)
        second = spawn("up", *target(directory))
        # Until it ends, or its own migration waits behind the one still running; a run that
        # waits for that one some other way is given a few seconds to show it.
        within(
            lambda: (
                second.poll() is not None
                or any(s.wait_event_type == "Lock" for s in run_sessions(conn) if s.pid != orphan)
            ),
            5.0,
        )
        holder.rollback()
        _, err = finish(second)
    wait_for_runs_to_end(conn)
    return second.returncode, err, orphan


def gated_directory(migration_dir):
    return migration_dir(
        counter_migrations([1, 3], "CREATE TABLE t{n} (id int);\nINSERT INTO counter VALUES ({n});")
        | {
            "0002_gated": "-- schemactl:irreversible\nCREATE TABLE t2 (id int);\n"
            "INSERT INTO counter SELECT 2 FROM gate;"
        }
    )


def test_up_right_after_kill_9_applies_nothing_twice(conn, migration_dir, target, spawn):
    directory = gated_directory(migration_dir)
    code, err, _ = up_again_right_after_kill_9(conn, directory, target, spawn)

    # Whatever it says, it applied nothing twice, and nothing of its own was left half done.
    assert code in (
        ExitCode.OK,
        ExitCode.ENVIRONMENT,
        ExitCode.MIGRATION_FAILED,
        ExitCode.REFUSED,
    ), err
    assert "Traceback" not in err
    versions = [row.version for row in ledger(conn)]
    assert not any(row.dirty for row in ledger(conn))
    assert once_each(conn) == versions
    invoke(["up", *target(directory)])
    assert once_each(conn) == [1, 2, 3]


def test_up_right_after_kill_9_waits_for_or_names_the_migration_still_running(
    conn, migration_dir, target, spawn
):
    directory = gated_directory(migration_dir)
    code, err, orphan = up_again_right_after_kill_9(conn, directory, target, spawn)

    # Either it finishes the work, or it says which session still runs (and runs nothing).
    assert code == ExitCode.OK or str(orphan) in err, err


# --- no-transaction migrations ----------------------------------------------------------

STEPS = 8


def steps_directory(migration_dir, statement: str):
    """Migration 2 is a no-transaction file of STEPS statements, statement j writing 20 + j;
    migrations 1 and 3 are transactional, writing 10 and 30."""
    steps = "\n".join(statement.format(n=20 + j) for j in range(1, STEPS + 1))
    return migration_dir(
        {
            "0001_before": "-- schemactl:irreversible\nINSERT INTO counter VALUES (10);",
            "0002_steps": f"-- schemactl:no-transaction irreversible\n{steps}\n",
            "0003_after": "-- schemactl:irreversible\nINSERT INTO counter VALUES (30);",
        }
    )


SLOW_STEP = "INSERT INTO counter SELECT {n} FROM pg_sleep(coalesce((SELECT s FROM pause), 0));"


@pytest.mark.parametrize("seed", [11, 23, 37])
def test_kill_9_at_a_seeded_point_of_a_no_transaction_migration(
    seed, conn, migration_dir, target, spawn, make_database
):
    conn.execute("CREATE TABLE counter (n int)")
    conn.execute("CREATE TABLE pause (s float8)")
    conn.execute("INSERT INTO pause VALUES (0.15)")
    directory = steps_directory(migration_dir, SLOW_STEP)
    rng = random.Random(seed)
    # Killed in statement done + 1 or done + 2: never after the last one has ended.
    done, delay = rng.randrange(STEPS - 1), rng.uniform(0.0, 0.2)

    def reached() -> bool:
        row = {r.version: r for r in ledger(conn)}.get(2)
        return row is not None and (not row.dirty or (row.statements_done or 0) >= done)

    run = spawn("up", *target(directory))
    wait_until(reached, f"statement {done + 1} of migration 2")
    time.sleep(delay)
    kill9(run)
    wait_for_runs_to_end(conn)
    conn.execute("DELETE FROM pause")

    seen = once_each(conn)
    rows = {row.version: row for row in ledger(conn)}
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    if 2 in rows and rows[2].dirty:
        row = rows[2]
        sent = row.statement_sent
        assert sent is not None and row.statements_done == sent - 1, row
        assert row.sent_by_pid is not None
        # Every statement before the one sent ran once; that one, once or not at all.
        ran = [n - 20 for n in seen if 20 < n < 30]
        assert ran in (list(range(1, sent)), list(range(1, sent + 1)))
        assert seen == [10, *(20 + j for j in ran)] and 3 not in rows

        refused = invoke(["up", *target(directory)], ExitCode.REFUSED)
        assert "migration 2 steps is dirty" in said(refused.stderr)
        asked = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
        assert "whether it took effect is unknown" in said(asked.stderr)
        assert ledger(conn) == list(rows.values()) and once_each(conn) == seen
        flag = "--skip-last" if 20 + sent in seen else "--rerun-last"
        invoke(["up", "--resume", flag, *target(directory)])
    else:
        # Killed before migration 2 began or after it ended: plain up goes on.
        expected = [10] * (1 in rows) + list(range(21, 29)) * (2 in rows) + [30] * (3 in rows)
        assert seen == expected
        invoke(["up", *target(directory)])

    assert once_each(conn) == [10, *range(21, 29), 30]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    clean = make_database()
    clean.execute("CREATE TABLE counter (n int)")
    clean.execute("CREATE TABLE pause (s float8)")
    up_clean(directory, clean)
    assert_same_database(conn, clean)


GATE = ("CREATE TABLE counter (n int)", "CREATE TABLE gate (id int)", "INSERT INTO gate VALUES (1)")
GATED_STEPS = {
    "0001_before": "-- schemactl:irreversible\nINSERT INTO counter VALUES (10);",
    "0002_steps": "-- schemactl:no-transaction irreversible\n"
    "INSERT INTO counter VALUES (21);\n"
    "INSERT INTO counter SELECT 22 FROM gate;\n"
    "INSERT INTO counter VALUES (23);\n",
    "0003_after": "-- schemactl:irreversible\nINSERT INTO counter VALUES (30);",
}


@contextmanager
def orphaned_statement_2(
    conn, migration_dir, target, spawn
) -> Iterator[tuple[Path, psycopg.Connection, int]]:
    """The gated steps' run killed while statement 2 waits for the gate, which another
    session holds until the block ends: the directory, that session, and the server session
    still running statement 2 (recorded as sent)."""
    for statement in GATE:
        conn.execute(statement)
    directory = migration_dir(GATED_STEPS)
    with holding(conn, "LOCK TABLE gate IN ACCESS EXCLUSIVE MODE") as holder:
        run = spawn("up", *target(directory))
        wait_until(lambda: work_pid(conn, "Lock"), "statement 2 to wait for the gate")
        orphan = work_pid(conn, "Lock")
        assert ledger(conn) == [Row(1, False, None, None, None), Row(2, True, 1, 2, orphan)]
        kill9(run)
        wait_until(lambda: [s.pid for s in run_sessions(conn)] == [orphan], "the lock to go")
        yield directory, holder, orphan


@pytest.mark.parametrize("ending", ["finished", "cancelled"])
def test_kill_9_while_a_no_transaction_statement_waits(
    ending, conn, migration_dir, target, spawn, make_database
):
    """Statement 2 waits for a lock when the client dies; the old session then either finishes
    it (the lock is released) or is cancelled, as the refusal's hint suggests."""
    with orphaned_statement_2(conn, migration_dir, target, spawn) as (directory, holder, orphan):
        assert_status_tells_the_truth(conn, directory, [1, 2, 3])
        refused = invoke(["up", *target(directory)], ExitCode.REFUSED)
        assert "statement 2 was sent to the server before the run stopped" in said(refused.stderr)
        running = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
        assert f"still running on the server, in process {orphan}" in said(running.stderr)
        assert f"pg_cancel_backend({orphan})" in said(running.stderr)
        assert once_each(conn) == [10, 21]

        if ending == "finished":
            holder.rollback()
        else:
            assert conn.execute("SELECT pg_cancel_backend(%s)", (orphan,)).fetchone()[0]
        wait_for_runs_to_end(conn)

    assert ledger(conn) == [Row(1, False, None, None, None), Row(2, True, 1, 2, orphan)]
    asked = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
    assert "whether it took effect is unknown" in said(asked.stderr)
    assert "--rerun-last" in asked.stderr and "--skip-last" in asked.stderr
    seen = once_each(conn)
    assert seen == ([10, 21, 22] if ending == "finished" else [10, 21])
    flag = "--skip-last" if 22 in seen else "--rerun-last"
    invoke(["up", "--resume", flag, *target(directory)])

    assert_steps_finished_as_a_clean_run(conn, directory, make_database)


@pytest.mark.parametrize("flag", ["--rerun-last", "--skip-last"])
def test_resume_with_a_flag_refuses_while_the_statement_sent_still_runs(
    flag, conn, migration_dir, target, spawn
):
    """The old session still runs statement 2 (waiting for a lock) after the client died.
    ``--rerun-last`` would send it a second time beside the first; ``--skip-last`` would go on
    to statement 3 before 2 has ended (and might record as done a statement that then fails).
    Either flag must be refused as a plain --resume is, until that session has ended."""
    with orphaned_statement_2(conn, migration_dir, target, spawn) as (directory, holder, orphan):
        resume = spawn("up", "--resume", flag, *target(directory))
        # Bounded: it either exits, or its own session waits for the gate beside the old one.
        wait_until(
            lambda: (
                resume.poll() is not None
                or any(s.pid != orphan and s.wait_event_type == "Lock" for s in run_sessions(conn))
            ),
            "the resume to exit or to wait for the gate",
        )
        holder.rollback()
        _, err = finish(resume)
    wait_for_runs_to_end(conn)

    seen = counted(conn)
    assert resume.returncode == ExitCode.REFUSED, (resume.returncode, err, sorted(seen.elements()))
    assert f"still running on the server, in process {orphan}" in said(err)
    assert seen[22] == 1


@pytest.mark.parametrize("record", ["written", "lost"])
@pytest.mark.parametrize("gated", [2, 3], ids=["middle", "last"])
def test_kill_9_while_the_end_of_a_statement_is_being_recorded(
    gated, record, conn, migration_dir, target, spawn, make_database
):
    """The narrowest window: statement ``gated`` has ended on the server, and the run is
    recording that (the next statement as sent, or the migration as clean), waiting for the
    ledger row, when it dies. Its control session then either writes what it was sent once the
    row is free, or is ended first (as if the client had died before sending it). Either way
    the ledger must not claim more than ran, and resume must be told what to do."""
    for statement in GATE:
        conn.execute(statement)
    steps = [f"INSERT INTO counter VALUES ({20 + j});" for j in (1, 2, 3)]
    steps[gated - 1] = f"INSERT INTO counter SELECT {20 + gated} FROM gate;"
    directory = migration_dir(
        GATED_STEPS
        | {"0002_steps": "-- schemactl:no-transaction irreversible\n" + "\n".join(steps)}
    )

    with holding(conn, "LOCK TABLE gate IN ACCESS EXCLUSIVE MODE") as gate:
        run = spawn("up", *target(directory))
        wait_until(lambda: work_pid(conn, "Lock"), f"statement {gated} to wait for the gate")
        worker = work_pid(conn, "Lock")
        with holding(conn, f"SELECT * FROM {LEDGER} WHERE version = 2 FOR UPDATE") as row_lock:
            gate.rollback()
            wait_until(
                lambda: any(
                    s.holds_run_lock and s.wait_event == "transactionid" for s in run_sessions(conn)
                ),
                "the run to wait for the ledger row, the statement having ended",
            )
            control = control_pid(conn)
            kill9(run)
            if record == "lost":
                terminate(conn, control)
            row_lock.rollback()
    wait_for_runs_to_end(conn)

    assert once_each(conn) == [10, *range(21, 21 + gated)]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    row = ledger(conn)[1]
    if record == "written" and gated == 3:
        # It was marked clean: only migration 3 is left.
        assert row == Row(2, False, None, None, None)
        invoke(["up", *target(directory)])
    else:
        # Written: the next statement is recorded as sent (it never was); lost: the statement
        # that ended is still recorded as sent. Resume cannot tell, and asks.
        sent = gated + 1 if record == "written" else gated
        assert row == Row(2, True, sent - 1, sent, worker)
        asked = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
        assert "whether it took effect is unknown" in said(asked.stderr)
        flag = "--skip-last" if 20 + sent in once_each(conn) else "--rerun-last"
        invoke(["up", "--resume", flag, *target(directory)])

    assert_steps_finished_as_a_clean_run(conn, directory, make_database)


# --- CREATE INDEX CONCURRENTLY ----------------------------------------------------------

BUILD = (
    "-- schemactl:no-transaction irreversible\n"
    "INSERT INTO counter VALUES (1);\n"
    "CREATE INDEX CONCURRENTLY big_col ON big (col);\n"
    "INSERT INTO counter VALUES (3);\n"
)
BIG = (
    "CREATE TABLE counter (n int)",
    "CREATE TABLE big AS SELECT g AS col, md5(g::text) AS pad FROM generate_series(1, 100000) g",
)
# What a held lock lets the build reach before it waits: past creating the (invalid) index,
# waiting for writers to finish; or not even that far, waiting for the table.
GATES = {
    "valid": ("LOCK TABLE big IN ROW EXCLUSIVE MODE", "virtualxid"),
    "invalid": ("LOCK TABLE big IN ROW EXCLUSIVE MODE", "virtualxid"),
    "absent": ("LOCK TABLE big IN SHARE UPDATE EXCLUSIVE MODE", "relation"),
}
PROOFS = {
    "valid": "index big_col exists and is valid: it was built; skipped",
    "invalid": "index big_col is invalid: it is dropped and built again; run again",
    "absent": "index big_col does not exist: it was not built; run again",
}


def index_state(conn) -> tuple[bool, bool] | None:
    row = conn.execute(
        "SELECT indisvalid, indisready FROM pg_index WHERE indexrelid = to_regclass('big_col')"
    ).fetchone()
    return None if row is None else tuple(row)


@pytest.mark.parametrize("found", ["valid", "invalid", "absent"])
def test_kill_9_during_create_index_concurrently_then_resume_proves_the_outcome(
    found, conn, migration_dir, target, spawn, make_database
):
    for statement in BIG:
        conn.execute(statement)
    directory = migration_dir({"0001_build": BUILD})
    lock, waits_on = GATES[found]
    with holding(conn, lock):
        run = spawn("up", *target(directory))
        wait_until(lambda: work_pid(conn, waits_on), f"the build to wait ({waits_on})")
        orphan = work_pid(conn, waits_on)
        assert index_state(conn) == (None if found == "absent" else (False, False))
        kill9(run)
        wait_until(lambda: [s.pid for s in run_sessions(conn)] == [orphan], "the lock to go")

        assert ledger(conn) == [Row(1, True, 1, 2, orphan)]
        assert_status_tells_the_truth(conn, directory, [1])
        running = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
        assert f"still running on the server, in process {orphan}" in said(running.stderr)
        if found != "valid":
            terminate(conn, orphan)
    # The lock is released: a build still running finishes.
    wait_for_runs_to_end(conn)
    assert index_state(conn) == {"valid": (True, True), "invalid": (False, False)}.get(found)

    resumed = invoke(["up", "--resume", *target(directory)])

    assert PROOFS[found] in said(resumed.stderr)
    assert index_state(conn) == (True, True)
    assert once_each(conn) == [1, 3]
    assert ledger(conn) == [Row(1, False, None, None, None)]
    assert_status_tells_the_truth(conn, directory, [1])
    clean = make_database()
    for statement in BIG:
        clean.execute(statement)
    up_clean(directory, clean)
    assert_same_database(conn, clean)


def assert_steps_finished_as_a_clean_run(conn, directory, make_database) -> None:
    """Every statement of the steps directory ran once, status agrees, and the database is
    what a clean run makes."""
    assert once_each(conn) == [10, 21, 22, 23, 30]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    clean = make_database()
    for statement in GATE:
        clean.execute(statement)
    up_clean(directory, clean)
    assert_same_database(conn, clean)
