"""Where the process boundary matters: concurrent runs and signals (``python -m schemactl``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import ledger_versions, relation_exists
from tests.conftest import url_for

SLOW = (
    """
    CREATE TABLE runs (migration int);
    SELECT pg_sleep(1);
    INSERT INTO runs VALUES (1);
    """,
    "DROP TABLE runs;",
)


def start(args: list[str], tmp_path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SCHEMACTL_"))}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "schemactl", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition, what: str, limit: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fails (never skips) if it does not within ``limit``."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def sleeping_pid(conn) -> int | None:
    row = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'schemactl up' AND state = 'active'"
        " AND wait_event = 'PgSleep'"
    ).fetchone()
    return row[0] if row else None


def blocked_pid(conn) -> int | None:
    row = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'schemactl up' AND wait_event_type = 'Lock'"
    ).fetchone()
    return row[0] if row else None


def test_two_concurrent_ups_apply_each_migration_exactly_once(
    conn, migration_dir, target, tmp_path
):
    directory = migration_dir(
        {"0001_slow": SLOW, "0002_more": ("INSERT INTO runs VALUES (2);", "SELECT 1;")}
    )
    runs = [start(["up", *target(directory)], tmp_path) for _ in range(2)]
    try:
        results = [run.communicate(timeout=60) for run in runs]
    finally:
        for run in runs:
            run.kill()

    for run, (_, err) in zip(runs, results, strict=True):
        assert run.returncode == ExitCode.OK, err
    assert conn.execute("SELECT migration FROM runs ORDER BY 1").fetchall() == [(1,), (2,)]
    assert ledger_versions(conn) == [1, 2]


def test_second_run_waits_for_the_first_then_finds_nothing_to_do(
    conn, migration_dir, target, tmp_path
):
    conn.execute("CREATE TABLE gate (id int)")
    directory = migration_dir(
        {
            "0001_gated": ("SELECT count(*) FROM gate;\nCREATE TABLE runs (id int);", "SELECT 1;"),
            "0002_more": ("INSERT INTO runs VALUES (2);", "SELECT 1;"),
        }
    )
    with psycopg.connect(url_for(conn)) as holder:
        holder.execute("LOCK TABLE gate IN ACCESS EXCLUSIVE MODE")
        first = start(["up", *target(directory)], tmp_path)
        second = None
        try:
            wait_until(lambda: blocked_pid(conn) is not None, "the first run to block on gate")
            holder_pid = blocked_pid(conn)
            second = start(["up", *target(directory)], tmp_path)
            first_line = second.stderr.readline()  # bounded: --wait defaults to 30 s
            holder.rollback()
            _, first_err = first.communicate(timeout=60)
            _, second_err = second.communicate(timeout=60)
        finally:
            for run in (first, second):
                if run is not None:
                    run.kill()

    assert first.returncode == ExitCode.OK, first_err
    assert second.returncode == ExitCode.OK, second_err
    # The run lock is held by the first run's own session, not by the one running its SQL.
    assert first_line.startswith("waiting for the run lock, held by pid ")
    assert f"held by pid {holder_pid} " not in first_line and "(schemactl up" in first_line
    assert "nothing to do" in second_err
    assert ledger_versions(conn) == [1, 2]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_a_migration_rolls_it_back_and_exits_130(
    signum, conn, migration_dir, target, tmp_path
):
    directory = migration_dir(
        {"0001_slow": ("CREATE TABLE half (id int);\nSELECT pg_sleep(60);", "DROP TABLE half;")}
    )
    process = start(["up", *target(directory)], tmp_path)
    try:
        wait_until(lambda: sleeping_pid(conn) is not None, "the run to reach pg_sleep")
        process.send_signal(signum)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()

    assert process.returncode == ExitCode.INTERRUPTED, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert not relation_exists(conn, "half")
    assert ledger_versions(conn) == []
    wait_until(lambda: sleeping_pid(conn) is None, "the cancelled query to end")


def test_a_reader_that_goes_away_ends_the_command_quietly_with_141(
    migration_dir, database_url, tmp_path
):
    # `schemactl up --dry-run | head -1`: the pipe closes before the plan is written.
    directory = migration_dir(
        {
            f"{n:04d}_t{n}": (f"CREATE TABLE t{n} (id int);", f"DROP TABLE t{n};")
            for n in range(1, 200)
        }
    )
    process = start(
        ["up", "--dry-run", "--dir", str(directory), "--database-url", database_url], tmp_path
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=60)

    assert (process.returncode, stderr) == (141, "")


@pytest.mark.parametrize(("argv", "code", "out"), [(["--help"], 0, "Commands:"), (["nope"], 2, "")])
def test_the_entry_point_exits_as_main_asked_with_atexit_run_and_output_flushed(
    argv, code, out, tmp_path
):
    # It skips the interpreter's teardown, not what the interpreter does at exit that a
    # caller sees: the exit code, atexit's functions, and every byte written. What an atexit
    # function prints is still in stdout's buffer when the entry point ends the process.
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('atexit ran', end=''))\n"
        f"sys.argv = ['schemactl', *{argv!r}]\n"
        "from schemactl.cli.app import entry\n"
        "entry()\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == code, done.stderr
    assert out in done.stdout
    assert done.stdout.endswith("atexit ran")
    assert "Traceback" not in done.stderr
