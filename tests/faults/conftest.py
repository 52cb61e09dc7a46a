"""Faults injected into real runs: ``schemactl`` processes killed with SIGKILL, server sessions
terminated, runs raced against each other.

Every wait is bounded (``wait_until``), every process started through ``spawn`` is killed when
the test ends, whatever happened, and every test works on a database of its own. After a fault
the tests compare what the ledger says with what ran: each migration writes its number into
``counter``, a table without a unique constraint, so a statement that ran twice shows as a
duplicate row.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

from schemactl.errors import ExitCode
from schemactl.run import db

# The CLI suite's fixtures: every command from an empty directory, flags for the test DB.
from tests.cli.conftest import in_tmp_dir, invoke, json_out, target  # noqa: F401
from tests.conftest import url_for

LEDGER = "public.schemactl_migrations"
RUN = "schemactl up"  # the application_name of both sessions of a run


# --- processes --------------------------------------------------------------------------


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Factory: start ``python -m schemactl ARGS`` in the background. Every process it started
    is killed (SIGKILL) and reaped when the test ends, passed or not."""
    started: list[subprocess.Popen[str]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "SCHEMACTL_"))}
    env.pop("DATABASE_URL", None)

    def start(*args: str | Path) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "schemactl", *map(str, args)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        with suppress(subprocess.TimeoutExpired, ValueError):
            process.communicate(timeout=10)


def finish(process: subprocess.Popen[str], limit: float = 60.0) -> tuple[str, str]:
    """Wait (at most ``limit`` seconds) for ``process`` to exit; its stdout and stderr."""
    try:
        return process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate(timeout=10)
        pytest.fail(f"schemactl did not exit within {limit:g} s\n--- stderr ---\n{err}")


def kill9(process: subprocess.Popen[str]) -> str:
    """SIGKILL ``process`` (a crash: no handler runs) and reap it; what it wrote to stderr."""
    process.kill()
    _, err = finish(process, 10)
    assert process.returncode == -9, f"exited {process.returncode} before the kill\n{err}"
    return err


def read_line(process: subprocess.Popen[str], limit: float = 30.0) -> str:
    """The next line ``process`` writes to stderr, waiting at most ``limit`` seconds."""
    assert process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], limit)
    assert ready, f"no line on stderr within {limit:g} s"
    return process.stderr.readline()


def wait_until(condition: Callable[[], object], what: str, limit: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fails (never skips) if it does not within ``limit``."""
    assert within(condition, limit), f"gave up waiting for {what}"


def within(condition: Callable[[], object], limit: float) -> bool:
    """Poll ``condition`` until it holds (True) or ``limit`` seconds have passed (False)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def said(text: str) -> str:
    """Output with its line wrapping undone, for matching phrases."""
    return " ".join(text.split())


# --- server sessions --------------------------------------------------------------------


class Session(NamedTuple):
    pid: int
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    query: str
    holds_run_lock: bool


_SESSIONS = """
SELECT a.pid, a.state, a.wait_event_type, a.wait_event, coalesce(a.query, ''),
       EXISTS (SELECT 1 FROM pg_locks l
                WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
                  AND l.classid = %(hi)s::oid AND l.objid = %(lo)s::oid AND l.objsubid = 1
                  AND l.database = (SELECT oid FROM pg_database
                                     WHERE datname = current_database()))
  FROM pg_stat_activity a
 WHERE a.datname = current_database() AND a.application_name = %(app)s
   AND a.pid <> pg_backend_pid()
 ORDER BY a.pid
"""
# The run lock's key as pg_locks shows it (the work session holds another advisory lock, on
# the migration key, while a migration's transaction runs).
_RUN_KEY = db.lock_key("public.schemactl_migrations") & 0xFFFFFFFFFFFFFFFF


def run_sessions(conn: psycopg.Connection, application: str = RUN) -> list[Session]:
    """The server sessions of schemactl runs on this database."""
    params = {"hi": _RUN_KEY >> 32, "lo": _RUN_KEY & 0xFFFFFFFF, "app": application}
    return [Session(*row) for row in conn.execute(_SESSIONS, params)]


def control_pid(conn: psycopg.Connection) -> int | None:
    """The session holding the run lock (it runs no migration SQL)."""
    pids = [s.pid for s in run_sessions(conn) if s.holds_run_lock]
    assert len(pids) <= 1, pids
    return pids[0] if pids else None


def work_pid(conn: psycopg.Connection, wait_event: str | None = None) -> int | None:
    """The session running a migration statement (waiting on ``wait_event``, if given:
    ``PgSleep``, or ``Lock`` for any heavyweight lock)."""
    for s in run_sessions(conn):
        if s.holds_run_lock or s.state != "active":
            continue
        if wait_event is None or wait_event in (s.wait_event, s.wait_event_type):
            return s.pid
    return None


def wait_for_runs_to_end(conn: psycopg.Connection, limit: float = 30.0) -> None:
    """Wait until no session of a schemactl run is left on the server: a killed client's
    sessions finish the statement the server was running, then end."""
    wait_until(lambda: not run_sessions(conn), "the killed run's server sessions to end", limit)


def terminate(conn: psycopg.Connection, pid: int) -> None:
    assert conn.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()[0]


@contextmanager
def holding(conn: psycopg.Connection, *statements: str) -> Iterator[psycopg.Connection]:
    """Another session, in an open transaction, having run ``statements`` (taking locks that
    block a migration). The transaction rolls back when the block ends, unless the caller
    ended it earlier."""
    with psycopg.connect(url_for(conn), application_name="fault holder") as other:
        for statement in statements:
            other.execute(statement)
        try:
            yield other
        finally:
            other.rollback()


# --- ledger, counter, status ------------------------------------------------------------


class Row(NamedTuple):
    version: int
    dirty: bool
    statements_done: int | None
    statement_sent: int | None
    sent_by_pid: int | None


def ledger(conn: psycopg.Connection) -> list[Row]:
    """The ledger's rows by version; empty when the run died before creating it."""
    if conn.execute("SELECT to_regclass(%s)", (LEDGER,)).fetchone()[0] is None:
        return []
    query = (
        "SELECT version, dirty, statements_done, statement_sent, sent_by_pid"
        f" FROM {LEDGER} ORDER BY version"
    )
    return [Row(*row) for row in conn.execute(query)]


def ledger_count(conn: psycopg.Connection) -> int:
    return len(ledger(conn))


def counted(conn: psycopg.Connection) -> Counter[int]:
    """How many times each number was written into ``counter``."""
    return Counter(n for (n,) in conn.execute("SELECT n FROM counter"))


def once_each(conn: psycopg.Connection) -> list[int]:
    """The numbers in ``counter``, sorted, after asserting that none appears twice."""
    seen = counted(conn)
    twice = sorted(n for n, times in seen.items() if times > 1)
    assert not twice, f"ran more than once: {twice}"
    return sorted(seen)


def status_json(directory: Path, url: str) -> dict[int, dict[str, Any]]:
    """``schemactl status --json`` by version."""
    report = json_out(invoke(["status", "--json", "--dir", directory, "--database-url", url]))
    return {entry["version"]: entry for entry in report["migrations"]}


def assert_status_tells_the_truth(
    conn: psycopg.Connection, directory: Path, versions: Sequence[int]
) -> None:
    """``status --json`` says for each of ``versions`` exactly what the ledger holds: applied
    (clean row), dirty with its progress, or pending (no row)."""
    rows = {row.version: row for row in ledger(conn)}
    report = status_json(directory, url_for(conn))
    assert sorted(report) == sorted(versions)
    for version in versions:
        entry, row = report[version], rows.get(version)
        if row is None:
            expected = ("pending", None, None)
        elif row.dirty:
            expected = ("dirty", row.statements_done, row.statement_sent)
        else:
            expected = ("applied", None, None)
        seen = (entry["state"], entry["statements_done"], entry["statement_sent"])
        assert seen == expected, f"version {version}: status says {seen}, ledger {row}"


def counter_migrations(numbers: Sequence[int], body: str) -> dict[str, str]:
    """One irreversible migration per number, ``body`` formatted with ``n``."""
    return {f"{n:04d}_m{n}": f"-- schemactl:irreversible\n{body.format(n=n)}" for n in numbers}


# --- comparing databases ----------------------------------------------------------------

_TABLES = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_%'
   AND (n.nspname, c.relname) <> ('public', 'schemactl_migrations')
 ORDER BY 1
"""

_OWNERS = """
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relowner::regrole::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'
 ORDER BY 1
"""

_INDEXES = """
SELECT i.indexrelid::regclass::text, i.indisvalid, i.indisready
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY 1
"""

_LEDGER = f"""
SELECT version, name, checksum, down_checksum, statements, applied_by, dirty, dirty_direction,
       statements_done, statement_sent, sent_by_pid, raw_checksum, down_raw_checksum
  FROM {LEDGER} ORDER BY version
"""

_DATABASE_SETTINGS = """
SELECT coalesce(setrole::regrole::text, ''), setconfig FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY 1
"""


def schema_dump(conn: psycopg.Connection) -> list[str]:
    """``pg_dump --schema-only`` of the database, without its per-run random lines."""
    done = subprocess.run(
        ["pg_dump", "--schema-only", "--dbname", url_for(conn)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [
        line
        for line in done.stdout.splitlines()
        if not line.startswith(("\\restrict", "\\unrestrict"))
    ]


def snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    """What a comparison of two databases looks at: the schema as pg_dump writes it, every
    relation's owner, index validity, every table's rows, the ledger (without times), and the
    database's own settings."""
    data = {}
    for (table,) in conn.execute(_TABLES).fetchall():
        rows = conn.execute(f"SELECT t::text FROM {table} t").fetchall()
        data[table] = sorted(row[0] for row in rows)
    return {
        "schema": schema_dump(conn),
        "owners": conn.execute(_OWNERS).fetchall(),
        "indexes": conn.execute(_INDEXES).fetchall(),
        "data": data,
        "ledger": conn.execute(_LEDGER).fetchall() if ledger(conn) else [],
        "settings": conn.execute(_DATABASE_SETTINGS).fetchall(),
    }


def assert_same_database(got: psycopg.Connection, clean: psycopg.Connection) -> None:
    """``got`` (after faults and recovery) equals ``clean`` (one run, nothing injected)."""
    mine, theirs = snapshot(got), snapshot(clean)
    for key in mine:
        assert mine[key] == theirs[key], f"{key} differs from a clean run's"


def up_clean(directory: Path, conn: psycopg.Connection) -> None:
    """Apply ``directory`` to ``conn``'s database in one run, nothing injected."""
    invoke(["up", "--dir", directory, "--database-url", url_for(conn)], ExitCode.OK)
