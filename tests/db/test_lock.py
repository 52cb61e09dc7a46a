"""The run lock: a session-level advisory lock that names its holder while others wait."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.errors import ConfigError, ConnectionFailedError, ExitCode, LockTimeoutError
from schemactl.run import db
from tests.conftest import url_for

KEY = db.lock_key("public.schemactl_migrations")


def session(conn, name: str) -> psycopg.Connection:
    return psycopg.connect(url_for(conn), autocommit=True, application_name=name)


def test_lock_key_is_stable_signed_64_bit_and_differs_per_ledger():
    assert db.lock_key("public.schemactl_migrations") == KEY
    assert db.lock_key("ops.ledger") != KEY
    assert -(2**63) <= KEY < 2**63


def test_connect_names_the_application_by_purpose(conn):
    with db.connect(url_for(conn), purpose="up") as ours:
        name = ours.execute("SHOW application_name").fetchone()

    assert name == ("schemactl up",)


def test_connect_failure_is_an_environment_error():
    with pytest.raises(ConnectionFailedError) as raised:
        db.connect("postgresql://postgres:s3cretpass@127.0.0.1:1/x")

    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert "s3cretpass" not in f"{raised.value.message} {raised.value.detail}"


def test_free_lock_is_taken_and_released(conn):
    with session(conn, "first") as first, session(conn, "second") as second:
        db.acquire_lock(first, KEY, wait_seconds=0)
        holder = db.lock_holder(second, KEY)
        db.release_lock(first, KEY)

        assert holder is not None and holder.pid == first.info.backend_pid
        assert db.lock_holder(second, KEY) is None


def test_waiting_run_times_out_naming_the_holder(conn):
    waits = []
    with session(conn, "holding-run") as holding, session(conn, "waiting-run") as waiting:
        db.acquire_lock(holding, KEY, wait_seconds=0)
        pid = holding.info.backend_pid

        with pytest.raises(LockTimeoutError) as raised:
            db.acquire_lock(waiting, KEY, wait_seconds=0.3, on_wait=waits.append)

    assert raised.value.exit_code == ExitCode.ENVIRONMENT
    assert raised.value.detail.startswith(f"held by pid {pid} (holding-run, user postgres")
    assert [(h.pid, h.application_name, h.user) for h in waits] == [
        (pid, "holding-run", "postgres")
    ]


def test_lock_is_released_when_the_holding_session_ends(conn):
    with session(conn, "waiting-run") as waiting:
        with session(conn, "holding-run") as holding:
            db.acquire_lock(holding, KEY, wait_seconds=0)

        db.acquire_lock(waiting, KEY, wait_seconds=5)

        assert db.lock_holder(waiting, KEY).pid == waiting.info.backend_pid


def test_locks_of_different_ledgers_do_not_block_each_other(conn):
    other_key = db.lock_key("ops.ledger")
    with session(conn, "a") as a, session(conn, "b") as b:
        db.acquire_lock(a, KEY, wait_seconds=0)
        db.acquire_lock(b, other_key, wait_seconds=0)

        assert db.lock_holder(a, other_key).pid == b.info.backend_pid


def test_release_on_a_closed_connection_is_harmless(conn):
    closed = session(conn, "closing")
    closed.close()

    db.release_lock(closed, KEY)

    assert closed.closed


def test_session_settings_are_the_sessions_own_and_survive_a_reset(conn):
    settings = {"lock_timeout": "150ms", "statement_timeout": "2s"}
    with db.connect(url_for(conn), settings=settings) as ours:
        ours.execute("SET lock_timeout = '9s'")
        ours.execute("RESET ALL")

        assert ours.execute("SHOW lock_timeout").fetchone() == ("150ms",)
        assert ours.execute("SHOW statement_timeout").fetchone() == ("2s",)


def test_check_setting_rejects_a_value_out_of_the_servers_range(conn):
    with pytest.raises(ConfigError, match="invalid lock_timeout '30d'") as raised:
        db.check_setting(conn, "lock_timeout", "30d")

    assert raised.value.exit_code == ExitCode.USAGE
