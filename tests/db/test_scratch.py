"""Scratch databases and embedded clusters leave nothing behind, however their block ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from schemactl.errors import ScratchUnavailableError, UsageError
from schemactl.schema.scratch import (
    SCRATCH_PREFIX,
    dropped_together,
    embedded_cluster,
    open_scratch,
    scratch_database,
    server_user,
    signals_to_main_thread,
)
from tests.conftest import scratch_databases, url_for


def dbname(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.info.dbname


def test_a_scratch_database_is_usable_and_dropped_after_success(conn, database_url):
    with scratch_database(database_url) as url:
        name = dbname(url)
        with psycopg.connect(url, autocommit=True) as scratch:
            scratch.execute("CREATE TABLE t (id int)")
        assert name.startswith(SCRATCH_PREFIX)
        assert name in scratch_databases(conn)

    assert scratch_databases(conn) == []


def test_a_scratch_database_is_dropped_while_connections_remain(conn, database_url):
    with scratch_database(database_url) as url:
        kept_open = psycopg.connect(url)

    assert scratch_databases(conn) == []
    kept_open.close()


def test_a_scratch_database_is_dropped_after_a_failure(conn, database_url):
    with pytest.raises(RuntimeError), scratch_database(database_url):
        raise RuntimeError("the migrations failed")

    assert scratch_databases(conn) == []


def test_a_scratch_database_is_dropped_after_an_interrupt(conn, database_url):
    with pytest.raises(KeyboardInterrupt), scratch_database(database_url):
        raise KeyboardInterrupt

    assert scratch_databases(conn) == []


def test_two_scratch_databases_never_share_a_name(database_url):
    with scratch_database(database_url) as one, scratch_database(database_url) as two:
        assert dbname(one) != dbname(two)


def test_databases_made_in_a_dropped_together_block_go_at_its_end(conn, database_url):
    with dropped_together():
        with scratch_database(database_url) as first:
            # Made beside the first, as a second check run's is: its drop must not depend
            # on a session inside the first, which dropping the first ends.
            with scratch_database(first) as beside:
                names = {dbname(first), dbname(beside)}
                # No session stays in the first (the one dbname() opened may still be ending).
                first_name = dbname(first)
                deadline = time.monotonic() + 10
                while conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (first_name,)
                ).fetchone() != (0,):
                    assert time.monotonic() < deadline, "a session stays in the first database"
                    time.sleep(0.05)
            with scratch_database(database_url) as later:
                names.add(dbname(later))
        assert set(scratch_databases(conn)) == names

    assert scratch_databases(conn) == []


def test_a_dropped_together_block_drops_its_databases_after_an_interrupt(conn, database_url):
    with (
        pytest.raises(KeyboardInterrupt),
        dropped_together(),
        scratch_database(database_url) as first,
        scratch_database(first),
    ):
        raise KeyboardInterrupt

    assert scratch_databases(conn) == []


def test_a_drop_that_fails_in_a_dropped_together_block_names_its_database(conn, database_url):
    with pytest.raises(ScratchUnavailableError) as raised, dropped_together():
        with scratch_database(database_url) as url:
            name = dbname(url)
        with scratch_database(database_url):
            pass
        # A template database cannot be dropped.
        conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))

    try:
        assert name in raised.value.message
        assert scratch_databases(conn) == [name]  # the other was dropped all the same
    finally:
        conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))


def test_a_worker_started_with_signals_to_main_thread_never_takes_a_signal():
    from concurrent.futures import ThreadPoolExecutor

    def mask() -> set[int]:
        return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    with ThreadPoolExecutor(1, initializer=signals_to_main_thread) as pool:
        blocked = pool.submit(mask).result()

    assert {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} <= blocked
    assert signal.SIGINT not in mask()  # the calling thread's own mask is left as it was


HOLD_SCRATCH = """
import sys, time
from schemactl.schema.scratch import {function}
with {function}({argument}) as url:
    print(url, flush=True)
    time.sleep(60)
"""


def hold(function: str, argument: str) -> tuple[subprocess.Popen[str], str]:
    """A separate schemactl process inside ``function``'s block, and the URL it yielded."""
    code = HOLD_SCRATCH.format(function=function, argument=argument)
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, process.communicate()[1]
    return process, line


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_scratch_database_is_dropped_when_the_process_is_signalled(conn, database_url, signum):
    process, url = hold("scratch_database", repr(database_url))
    assert dbname(url) in scratch_databases(conn, process.pid)

    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr
    assert scratch_databases(conn, process.pid) == []


def test_a_role_without_createdb_gets_a_clear_error_and_no_password_leaks(conn):
    role = f"schemactl_nocreatedb_{os.getpid()}"
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'sekret-pw'").format(sql.Identifier(role)))
    try:
        url = url_for(conn).replace(f"//{conn.info.user}", f"//{role}:sekret-pw", 1)
        with pytest.raises(ScratchUnavailableError) as caught, scratch_database(url):
            pass
    finally:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))

    error = caught.value
    assert "permission denied" in (error.detail or "")
    assert "--scratch embedded" in (error.hint or "")
    assert "sekret-pw" not in f"{error.message} {error.detail} {error.hint}"


# --- embedded cluster ------------------------------------------------------------------------


def socket_dir(url: str) -> Path:
    with psycopg.connect(url) as conn:
        return Path(conn.info.host)


def test_an_embedded_cluster_runs_unprivileged_and_is_removed_after_success():
    with embedded_cluster() as url:
        directory = socket_dir(url)
        with psycopg.connect(url, autocommit=True) as cluster:
            cluster.execute("CREATE TABLE t (id int)")
            fsync = cluster.execute("SHOW fsync").fetchone()
            listen = cluster.execute("SHOW listen_addresses").fetchone()
        owner = directory.stat().st_uid

    assert (fsync, listen) == (("off",), ("",))
    expected_owner = server_user()
    assert owner == (expected_owner.uid if expected_owner else os.geteuid())
    assert not directory.exists()


def test_an_embedded_cluster_is_removed_after_an_interrupt():
    with pytest.raises(KeyboardInterrupt), embedded_cluster() as url:
        directory = socket_dir(url)
        raise KeyboardInterrupt

    assert not directory.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_embedded_cluster_is_removed_when_the_process_is_signalled(signum):
    process, url = hold("embedded_cluster", "")
    directory = socket_dir(url)

    process.send_signal(signum)
    process.communicate(timeout=30)

    assert not directory.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)


# --- choosing --------------------------------------------------------------------------------


def test_a_given_scratch_url_is_used_as_is_and_kept(conn, database_url):
    with open_scratch(scratch_url=database_url, server_url=None) as url:
        assert url == database_url

    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_role_that_may_create_databases_gets_one_on_the_server(conn, database_url):
    with open_scratch(scratch_url=None, server_url=database_url) as url:
        assert dbname(url).startswith(SCRATCH_PREFIX)

    assert scratch_databases(conn) == []


def test_a_role_that_may_not_create_databases_gets_an_embedded_cluster(conn):
    role = f"schemactl_nocreatedb_{os.getpid()}"
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        url = url_for(conn).replace(f"//{conn.info.user}", f"//{role}", 1)
        with open_scratch(scratch_url=None, server_url=url) as scratch:
            assert socket_dir(scratch).name.startswith("schemactl-cluster-")
    finally:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_embedded_can_be_asked_for(database_url):
    with open_scratch(scratch_url=None, server_url=database_url, mode="embedded") as url:
        assert socket_dir(url).name.startswith("schemactl-cluster-")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"scratch_url": None, "server_url": None, "mode": "cloud"}, "unknown scratch mode"),
        ({"scratch_url": "postgresql:///x", "server_url": None, "mode": "embedded"}, "contradict"),
    ],
)
def test_contradictory_or_unknown_choices_are_usage_errors(arguments, message):
    with pytest.raises(UsageError, match=message):
        open_scratch(**arguments)
