"""``--lock-timeout`` fails fast on a busy table; ``--retries`` waits for the blocker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, ledger_versions
from tests.conftest import url_for

ADD_COLUMN = ("ALTER TABLE t ADD COLUMN note text;", "ALTER TABLE t DROP COLUMN note;")


@pytest.fixture
def blocker(conn) -> Iterator[psycopg.Connection]:
    """A second session holding ACCESS EXCLUSIVE on table t in an open transaction."""
    conn.execute("CREATE TABLE t (id int)")
    with psycopg.connect(url_for(conn), application_name="blocker") as other:
        other.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        yield other
        other.rollback()


def has_note_column(conn) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"
    ).fetchone()
    return row == (1,)


def test_lock_timeout_fails_fast_with_sqlstate_55p03(conn, blocker, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})

    result = invoke(
        ["up", "--lock-timeout", "100ms", *target(directory)], ExitCode.MIGRATION_FAILED
    )

    assert "(SQLSTATE 55P03)" in result.stderr
    assert "the lock was not granted within --lock-timeout" in result.stderr
    assert ledger_versions(conn) == []
    blocker.rollback()
    assert not has_note_column(conn)


def release_after_a_timed_out_attempt(conn, blocker) -> threading.Thread:
    """Commit ``blocker`` from a thread once a run has waited for its lock and given up."""
    url = url_for(conn)

    def waiting(watcher) -> bool:
        return watcher.execute(
            "SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.application_name = 'schemactl up'"
        ).fetchone()[0]

    def release() -> None:
        with psycopg.connect(url, autocommit=True) as watcher:
            deadline = time.monotonic() + 30
            while not waiting(watcher) and time.monotonic() < deadline:
                time.sleep(0.01)
            while waiting(watcher) and time.monotonic() < deadline:
                time.sleep(0.01)
        blocker.commit()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_retries_succeed_once_the_blocker_commits_and_report_each_attempt(
    conn, blocker, migration_dir, target
):
    directory = migration_dir({"0001_note": ADD_COLUMN})
    release = release_after_a_timed_out_attempt(conn, blocker)
    try:
        result = invoke(["up", "--lock-timeout", "200ms", "--retries", "6", *target(directory)])
    finally:
        release.join()

    assert "lock not available for 1 note (attempt 1)" in result.stderr
    assert "retrying in 0.5s" in result.stderr
    assert "applied 1 note" in result.stderr
    assert has_note_column(conn)
    assert ledger_versions(conn) == [1]


def test_retries_give_up_after_n_attempts_with_exit_4(conn, blocker, migration_dir, target):
    directory = migration_dir({"0001_note": ADD_COLUMN})

    result = invoke(
        ["up", "--lock-timeout", "50ms", "--retries", "1", *target(directory)],
        ExitCode.MIGRATION_FAILED,
    )

    assert "(attempt 1)" in result.stderr
    assert "(attempt 2)" not in result.stderr
    assert "(SQLSTATE 55P03)" in result.stderr
    assert ledger_versions(conn) == []
