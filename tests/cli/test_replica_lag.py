"""``up/down --max-replica-lag``: before each migration the run waits while a streaming standby
replays further behind than the limit, naming it and how far it lags; it goes on once the
standby catches up, or gives up after --wait with nothing of that migration run.

One throwaway primary with a real streaming standby (tests/replication.py) serves the module.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists
from tests.replication import STANDBY_NAME, Pair, running_pair

THREE = {
    "0001_one": ("CREATE TABLE one (id int);", "DROP TABLE one;"),
    "0002_two": ("CREATE TABLE two (id int);", "DROP TABLE two;"),
    "0003_three": ("CREATE TABLE three (id int);", "DROP TABLE three;"),
}
NAMED = f"{STANDBY_NAME} (127.0.0.1)"


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with running_pair() as made:
        yield made


@pytest.fixture
def primary(pair: Pair) -> Iterator[tuple[psycopg.Connection, str]]:
    """A fresh database on the primary (autocommit connection, URL); replay resumed after."""
    name = f"replica_test_{secrets.token_hex(4)}"
    with psycopg.connect(pair.primary.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with psycopg.connect(pair.primary.url(name), autocommit=True) as conn:
                yield conn, pair.primary.url(name)
        finally:
            pair.resume_replay()
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    pair.wait_caught_up()


def run(*args: str | Path, expect: ExitCode = ExitCode.OK) -> tuple[Any, float]:
    started = time.monotonic()
    result = invoke(list(args), expect=expect)
    return result, time.monotonic() - started


def events(stderr: str) -> list[dict[str, Any]]:
    """The JSON events a ``--json`` run wrote on stderr."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def said(text: str) -> str:
    return " ".join(text.split())


def test_waits_for_a_paused_standby_and_goes_on_once_it_replays(
    pair: Pair, primary: tuple[psycopg.Connection, str], migration_dir: Callable[..., Path]
) -> None:
    conn, url = primary
    directory = migration_dir(dict(list(THREE.items())[:2]))
    pair.pause_replay()
    pair.lag_at_least(1.5)
    resume = threading.Timer(3.0, pair.resume_replay)
    resume.start()
    try:
        result, elapsed = run(
            "up", "--max-replica-lag", "1s", "--wait", "30", "--dir", directory,
            "--database-url", url,
        )  # fmt: skip
    finally:
        resume.cancel()
        resume.join()

    stderr = said(result.stderr)
    assert "--max-replica-lag 1s: 1 one waits for a standby to catch up:" in stderr
    assert f"standby {NAMED} lags" in stderr
    assert "of WAL behind (streaming)" in stderr
    assert "--max-replica-lag: the standbys caught up; 1 one starts after waiting" in stderr
    assert stderr.index("waits for a standby") < stderr.index("applied 1 one")
    assert elapsed >= 2.5  # it waited for the resume, not for nothing
    assert ledger_versions(conn) == [1, 2]


def test_gives_up_after_wait_naming_the_standby_with_nothing_past_the_boundary(
    pair: Pair, primary: tuple[psycopg.Connection, str], migration_dir: Callable[..., Path]
) -> None:
    conn, url = primary
    directory = migration_dir(THREE)
    target = ["--dir", directory, "--database-url", url]
    # A standby that keeps up costs the run no wait.
    pair.wait_caught_up()
    result, _ = run("up", "--to", "1", "--max-replica-lag", "1s", *target)
    assert "waits for" not in result.stderr
    pair.pause_replay()
    pair.lag_at_least(1.5)

    result, elapsed = run(
        "up", "--max-replica-lag", "1s", "--wait", "3", "--json", *target,
        expect=ExitCode.ENVIRONMENT,
    )  # fmt: skip

    error = json_out(result)["error"]
    assert error["exit_code"] == 3
    assert error["message"].startswith(f"migration 2 two not started: standby {NAMED} still")
    assert "after --wait 3s, more than --max-replica-lag 1s" in error["message"]
    assert f"standby {NAMED} lags" in error["detail"]
    assert "nothing of this migration ran" in error["hint"]
    waiting = [e for e in events(result.stderr) if e["event"] == "replica_waiting"]
    assert len(waiting) == 1
    assert waiting[0]["version"] == 2 and waiting[0]["max_lag_seconds"] == 1.0
    (standby,) = waiting[0]["standbys"]
    assert standby["application_name"] == STANDBY_NAME
    assert standby["client_addr"] == "127.0.0.1"
    assert standby["lag_seconds"] > 1.0 and standby["bytes_behind"] > 0
    assert 3.0 <= elapsed < 15
    assert ledger_versions(conn) == [1]
    assert not relation_exists(conn, "two") and not relation_exists(conn, "three")

    # down waits the same way before it rolls anything back.
    result, _ = run(
        "down", "--max-replica-lag", "1s", "--wait", "1", *target, expect=ExitCode.ENVIRONMENT
    )
    assert f"migration 1 one not started: standby {NAMED}" in said(result.stderr)
    assert ledger_versions(conn) == [1]


def test_a_role_that_cannot_see_the_lag_is_refused_with_the_grant_to_make(
    pair: Pair, primary: tuple[psycopg.Connection, str], migration_dir: Callable[..., Path]
) -> None:
    conn, url = primary
    role = f"deployer_{secrets.token_hex(3)}"
    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    conn.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
    as_role = url.replace("postgres@", f"{role}@", 1)
    directory = migration_dir(dict(list(THREE.items())[:1]))
    target = ["--dir", directory, "--database-url", as_role]
    try:
        result, _ = run("up", "--max-replica-lag", "1s", *target, expect=ExitCode.ENVIRONMENT)
        stderr = said(result.stderr)
        assert f"role {role} may not read their replay positions" in stderr
        assert f"a standby connection ({STANDBY_NAME})" in stderr
        assert f"hint: GRANT pg_monitor TO {role}" in stderr
        assert not relation_exists(conn, "one")

        conn.execute(sql.SQL("GRANT pg_monitor TO {}").format(sql.Identifier(role)))
        run("up", "--max-replica-lag", "1s", *target)
        assert ledger_versions(conn) == [1]
    finally:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_without_a_standby_it_says_so_once_and_applies(
    conn: psycopg.Connection, migration_dir: Callable[..., Path], target: Callable[..., list[str]]
) -> None:
    assert conn.execute("SELECT count(*) FROM pg_stat_replication").fetchone() == (0,)
    directory = migration_dir(dict(list(THREE.items())[:2]))

    result = invoke(["up", "--max-replica-lag", "500ms", "--wait", "0", *target(directory)])

    note = "--max-replica-lag: no standby streams from this server; nothing to wait for"
    assert said(result.stderr).count(note) == 1
    assert ledger_versions(conn) == [1, 2]


def test_the_limit_comes_from_the_environment_and_needs_a_unit(
    conn: psycopg.Connection,
    migration_dir: Callable[..., Path],
    target: Callable[..., list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    directory = migration_dir(dict(list(THREE.items())[:1]))
    result = invoke(["up", "--max-replica-lag", "5", *target(directory)], expect=ExitCode.USAGE)
    assert "invalid max_replica_lag '5' (from flag)" in said(result.stderr)
    assert "give a duration with its unit, such as 500ms, 5s or 1min" in said(result.stderr)

    monkeypatch.setenv("SCHEMACTL_MAX_REPLICA_LAG", "2s")
    result = invoke(["up", *target(directory)])
    assert "no standby streams from this server" in result.stderr
    assert ledger_versions(conn) == [1]
