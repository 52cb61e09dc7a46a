"""A run's server sessions ended from outside (``pg_terminate_backend``) while it runs.

The WORK session (the one running migration SQL) is terminated while statement k runs, for
every k of a small file, transactional and not; the CONTROL session (the one holding the run
lock and running no migration SQL) is terminated in the middle of a run. Each time the ledger
must say exactly what ran, ``status --json`` must say the same, and the command the message
names must finish the work, leaving the database a clean run would have.
"""

from __future__ import annotations

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke
from tests.faults.conftest import (
    Row,
    assert_same_database,
    assert_status_tells_the_truth,
    control_pid,
    finish,
    ledger,
    ledger_count,
    once_each,
    said,
    terminate,
    up_clean,
    wait_for_runs_to_end,
    wait_until,
    work_pid,
)

SETUP = (
    "CREATE TABLE counter (n int)",
    # A statement sleeps as long as this table says for its step (nothing: no sleep), so the
    # same file runs slowly while a fault is injected and at full speed afterwards.
    "CREATE TABLE pause (step int, seconds float8)",
)

STEPS = 3


def step(j: int) -> str:
    """Statement j of the file under test: writes 20 + j, after the pause set for it."""
    return (
        f"INSERT INTO counter SELECT {20 + j}"
        f" FROM pg_sleep(coalesce((SELECT seconds FROM pause WHERE step = {j}), 0));"
    )


# A first statement that changes how the server reads text makes a transactional file go
# statement by statement inside its transaction instead of as one query.
READ_ONE_BY_ONE = "SET client_encoding = 'UTF8';\n"


def directory_with(migration_dir, *, no_transaction: bool, prefix: str = ""):
    directives = "no-transaction irreversible" if no_transaction else "irreversible"
    steps = prefix + "\n".join(step(j) for j in range(1, STEPS + 1))
    return migration_dir(
        {
            "0001_before": "-- schemactl:irreversible\nINSERT INTO counter VALUES (10);",
            "0002_steps": f"-- schemactl:{directives}\n{steps}\n",
            "0003_after": "-- schemactl:irreversible\nINSERT INTO counter VALUES (30);",
        }
    )


def prepared(conn: psycopg.Connection) -> psycopg.Connection:
    for statement in SETUP:
        conn.execute(statement)
    return conn


def terminate_while_step_runs(conn, spawn, target, directory, k: int) -> tuple[int, str, list]:
    """Run ``up``, terminate its work session while statement k sleeps: the session's pid,
    the run's stderr (its lines unwrapped), and the ledger as it was just before."""
    conn.execute("INSERT INTO pause VALUES (%s, 60)", (k,))
    run = spawn("up", *target(directory))
    wait_until(lambda: work_pid(conn, "PgSleep"), f"statement {k} to run")
    pid = work_pid(conn, "PgSleep")
    assert pid is not None and pid != control_pid(conn)
    before = ledger(conn)
    terminate(conn, pid)
    _, err = finish(run)
    assert run.returncode == ExitCode.MIGRATION_FAILED, err
    assert "Traceback" not in err
    conn.execute("DELETE FROM pause")
    return pid, said(err), before


@pytest.mark.parametrize("k", range(1, STEPS + 1))
def test_work_session_ended_in_no_transaction_statement_k(
    k, conn, migration_dir, target, spawn, make_database
):
    prepared(conn)
    directory = directory_with(migration_dir, no_transaction=True)

    pid, err, before = terminate_while_step_runs(conn, spawn, target, directory, k)

    # Recorded before it was sent: statement k, to the session that was terminated.
    assert before == [Row(1, False, None, None, None), Row(2, True, k - 1, k, pid)]
    assert ledger(conn) == before
    assert f"the connection ended while statement {k} of {STEPS} ran" in err
    assert "up --resume" in err
    # Statements before k ran once; k was terminated in its sleep, before its INSERT.
    assert once_each(conn) == [10, *range(21, 20 + k)]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])

    refused = invoke(["up", *target(directory)], ExitCode.REFUSED)
    assert "migration 2 steps is dirty" in said(refused.stderr)
    assert f"statement {k} was sent to the server before the run stopped" in said(refused.stderr)
    # Its session is gone, and nothing proves what statement k did: resume asks.
    asked = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
    assert f"statement {k} of " in said(asked.stderr)
    assert "whether it took effect is unknown" in said(asked.stderr)
    assert "--rerun-last" in asked.stderr and "--skip-last" in asked.stderr
    assert ledger(conn) == before and once_each(conn) == [10, *range(21, 20 + k)]

    # Its INSERT is not in counter: it did not take effect, so it is sent again.
    assert 20 + k not in once_each(conn)
    invoke(["up", "--resume", "--rerun-last", *target(directory)])

    assert once_each(conn) == [10, 21, 22, 23, 30]
    assert [row.dirty for row in ledger(conn)] == [False, False, False]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    assert_same_database(conn, up_clean_copy(directory, make_database))


@pytest.mark.parametrize("sent", ["one-query", "one-by-one"])
@pytest.mark.parametrize("k", range(1, STEPS + 1))
def test_work_session_ended_in_transactional_statement_k(
    k, sent, conn, migration_dir, target, spawn, make_database
):
    prepared(conn)
    prefix = READ_ONE_BY_ONE if sent == "one-by-one" else ""
    directory = directory_with(migration_dir, no_transaction=False, prefix=prefix)

    _, err, before = terminate_while_step_runs(conn, spawn, target, directory, k)

    assert before == [Row(1, False, None, None, None)]
    # The whole migration rolled back with its ledger row: nothing of it is left.
    assert ledger(conn) == before
    assert once_each(conn) == [10]
    assert "0002_steps.up.sql" in err
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])

    invoke(["up", *target(directory)])

    assert once_each(conn) == [10, 21, 22, 23, 30]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    assert_same_database(conn, up_clean_copy(directory, make_database))


def paced_migrations(migration_dir, count: int):
    return migration_dir(
        {
            f"{n:04d}_m{n}": (
                f"-- schemactl:irreversible\nINSERT INTO counter VALUES ({n});\n"
                "SELECT pg_sleep(seconds) FROM pause;"
            )
            for n in range(1, count + 1)
        }
    )


@pytest.mark.slow
def test_control_session_ended_mid_run_stops_before_another_migration(
    conn, migration_dir, target, spawn, make_database
):
    prepared(conn).execute("INSERT INTO pause VALUES (0, 0.25)")
    directory = paced_migrations(migration_dir, 12)
    run = spawn("up", *target(directory))
    wait_until(lambda: ledger_count(conn) >= 3 and work_pid(conn, "PgSleep"), "migration 4")

    # Migration c0 + 1 is running (asleep, before its ledger row): it may finish, no other.
    in_flight = ledger_count(conn) + 1
    terminate(conn, control_pid(conn))
    _, err = finish(run)

    assert run.returncode == ExitCode.ENVIRONMENT, err
    assert "the run lock was lost" in said(err)
    assert "Traceback" not in err
    wait_for_runs_to_end(conn)
    versions = [row.version for row in ledger(conn)]
    assert versions in (list(range(1, in_flight)), list(range(1, in_flight + 1)))
    assert once_each(conn) == versions
    assert not any(row.dirty for row in ledger(conn))
    assert_status_tells_the_truth(conn, directory, range(1, 13))

    conn.execute("DELETE FROM pause")
    invoke(["up", *target(directory)])

    assert once_each(conn) == list(range(1, 13))
    assert_same_database(conn, up_clean_copy(directory, make_database))


def test_control_session_ended_during_a_no_transaction_migration(
    conn, migration_dir, target, spawn, make_database
):
    prepared(conn).execute("INSERT INTO pause VALUES (2, 1)")
    directory = directory_with(migration_dir, no_transaction=True)
    run = spawn("up", *target(directory))
    wait_until(lambda: work_pid(conn, "PgSleep"), "statement 2 to run")
    work = work_pid(conn, "PgSleep")

    terminate(conn, control_pid(conn))
    _, err = finish(run)

    # Statement 2 finished on the work session, but its end could not be recorded: the
    # ledger still says it was sent, and no statement after it ran.
    assert run.returncode == ExitCode.ENVIRONMENT, err
    assert "Traceback" not in err
    assert "the run lock was lost" in said(err) and "up --resume" in said(err)
    wait_for_runs_to_end(conn)
    assert ledger(conn) == [Row(1, False, None, None, None), Row(2, True, 1, 2, work)]
    assert once_each(conn) == [10, 21, 22]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    conn.execute("DELETE FROM pause")

    asked = invoke(["up", "--resume", *target(directory)], ExitCode.REFUSED)
    assert "whether it took effect is unknown" in said(asked.stderr)
    # Its INSERT is in counter: it took effect, so it is counted as done.
    invoke(["up", "--resume", "--skip-last", *target(directory)])

    assert once_each(conn) == [10, 21, 22, 23, 30]
    assert_status_tells_the_truth(conn, directory, [1, 2, 3])
    assert_same_database(conn, up_clean_copy(directory, make_database))


def up_clean_copy(directory, make_database) -> psycopg.Connection:
    """A new database with the same setup, the directory applied in one run."""
    clean = prepared(make_database())
    up_clean(directory, clean)
    return clean
