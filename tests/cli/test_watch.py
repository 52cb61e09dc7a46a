"""A migration that waits says for what and behind whom: live while it waits, and in the error
when ``--lock-timeout`` or ``--statement-timeout`` ends it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading

import psycopg
import pytest

from schemactl.errors import ExitCode
from schemactl.run.watch import duration_ms, threshold_seconds
from tests.cli.conftest import invoke, json_out, ledger_versions
from tests.cli.holders import (
    ADD_COLUMN,
    HOLDER_APP,
    has_note_column,
    release_once_seen,
    said,
)
from tests.conftest import url_for

WATCHED = (
    "SELECT count(*) > 0 FROM pg_stat_activity"
    " WHERE application_name = 'schemactl up watch' AND state = 'idle'"
)


def release_once_watched(holder: psycopg.Connection, url: str) -> threading.Thread:
    return release_once_seen(holder, url, WATCHED, 0.5)


def test_a_lock_timeout_names_the_session_that_blocked_it(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid

    result = invoke(["up", "--lock-timeout", "1s", *target(directory)], ExitCode.MIGRATION_FAILED)

    stderr = said(result.stderr)
    assert "(SQLSTATE 55P03)" in stderr
    assert f"blocked by pid {pid} ({HOLDER_APP}, user " in stderr
    assert "idle in transaction" in stderr
    assert "SELECT 1 FROM t LIMIT 1" in stderr
    assert "AccessExclusiveLock on t" in stderr
    assert f"pg_terminate_backend({pid})" in stderr
    assert ledger_versions(conn) == []
    holder.rollback()
    assert not has_note_column(conn)


def test_a_lock_timeout_too_short_to_watch_still_names_the_holder(
    conn, holder, migration_dir, target
):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid

    result = invoke(
        ["up", "--lock-timeout", "100ms", *target(directory)], ExitCode.MIGRATION_FAILED
    )

    stderr = said(result.stderr)
    assert f"probably blocked by pid {pid} ({HOLDER_APP}" in stderr
    assert "holding AccessShareLock on t" in stderr
    assert "statement 1 takes AccessExclusiveLock on t" in stderr


def test_a_json_error_carries_the_blocker_in_its_detail(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})

    result = invoke(
        ["up", "--json", "--lock-timeout", "1s", *target(directory)], ExitCode.MIGRATION_FAILED
    )

    error = json_out(result)["error"]
    assert error["sqlstate"] == "55P03"
    assert f"blocked by pid {holder.info.backend_pid} ({HOLDER_APP}" in error["detail"]


def test_while_it_waits_a_line_names_the_blocker(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid
    release = release_once_watched(holder, url_for(conn))
    try:
        result = invoke(["up", *target(directory)])
    finally:
        release.join()

    stderr = said(result.stderr)
    assert "1 note (pid " in stderr
    assert "is waiting" in stderr and "for AccessExclusiveLock on t, blocked by:" in stderr
    assert f"pid {pid} ({HOLDER_APP}" in stderr
    assert "applied 1 note" in stderr
    assert ledger_versions(conn) == [1]


def test_json_events_on_stderr_name_the_blocker_while_it_waits(
    conn, holder, migration_dir, target, tmp_path
):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    pid = holder.info.backend_pid
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SCHEMACTL_"))}
    env.pop("DATABASE_URL", None)
    release = release_once_watched(holder, url_for(conn))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "schemactl", "up", "--json", *target(directory)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        release.join()

    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    waiting = [e for e in events if e["event"] == "waiting"]
    assert waiting, done.stderr
    first = waiting[0]
    assert (first["version"], first["name"]) == (1, "note")
    assert first["waiting_for"] == "AccessExclusiveLock on t"
    blocker = first["blockers"][0]
    assert (blocker["pid"], blocker["application_name"]) == (pid, HOLDER_APP)
    assert blocker["state"] == "idle in transaction"
    assert json.loads(done.stdout)["ran"][0]["version"] == 1


def test_a_statement_timeout_names_how_long_it_ran_and_no_blocker(conn, migration_dir, target):
    directory = migration_dir({"0001_slow": ("SELECT pg_sleep(5);", "SELECT 1;")})

    result = invoke(
        ["up", "--statement-timeout", "1s", *target(directory)], ExitCode.MIGRATION_FAILED
    )

    stderr = said(result.stderr)
    assert "(SQLSTATE 57014)" in stderr
    assert re.search(r"cancelled by --statement-timeout after running 1\.\d s", stderr), stderr
    assert "the statement was running for" in stderr and "(Timeout: PgSleep)" in stderr
    assert "blocked by" not in stderr


def test_quiet_shows_no_watch_lines(conn, holder, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    release = release_once_watched(holder, url_for(conn))
    try:
        result = invoke(["up", "--quiet", *target(directory)])
    finally:
        release.join()

    assert result.stderr == ""
    assert ledger_versions(conn) == [1]


def test_a_run_of_many_migrations_on_a_terminal_ends_with_its_lines(
    migration_dir, target, monkeypatch
):
    # FORCE_COLOR makes stderr count as a terminal: the live region (the progress bar) is
    # drawn and taken down, and every migration's line is still there.
    monkeypatch.setenv("FORCE_COLOR", "1")
    directory = migration_dir(
        {
            f"{n:04d}_t{n}": (f"CREATE TABLE t{n} (id int);", f"DROP TABLE t{n};")
            for n in range(1, 8)
        }
    )

    result = invoke(["up", *target(directory)])

    stderr = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", result.stderr)
    assert "migrations" in stderr and "7/7" in stderr
    for n in range(1, 8):
        assert f"applied {n} t{n}" in stderr
    assert "applied 7 migration(s)" in stderr


@pytest.mark.parametrize(
    ("lock_timeout", "statement_timeout", "expected"),
    [
        (None, None, 1.0),
        ("1s", None, 0.5),
        (None, "600ms", 0.3),
        ("100", "10min", 0.2),
        ("0", None, 1.0),
        ("5min", "1h", 1.0),
    ],
)
def test_the_watch_starts_in_time_to_see_a_timeout(lock_timeout, statement_timeout, expected):
    assert threshold_seconds(lock_timeout, statement_timeout) == pytest.approx(expected)


def test_durations_read_as_postgresql_reads_them():
    assert duration_ms("250") == 250
    assert duration_ms("1.5s") == 1500
    assert duration_ms(" 2 min ") == 120_000
    assert duration_ms("0") is None
    assert duration_ms(None) is None
