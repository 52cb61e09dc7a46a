"""Connections: connecting with psycopg 3, masking passwords, session timeouts, the run lock.

This module knows nothing about migrations. Every text it puts in an error passes through
``dsn.mask`` so that no password from a connection string is ever printed.
"""

from __future__ import annotations

import hashlib
import os
import select
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import psycopg

from schemactl.dsn import describe, mask, remember_secret
from schemactl.errors import (
    ConfigError,
    ConnectionFailedError,
    LockTimeoutError,
    ReadOnlyError,
    RunLockLostError,
)

APPLICATION_NAME = "schemactl"
CONNECT_TIMEOUT_SECONDS = 10
LOCK_POLL_SECONDS = 0.2


def reads_plainly(conn: psycopg.Connection) -> bool:
    """The session reads statement text as ``connect`` set it up: standard strings, UTF-8.

    A statement the session ran (SET standard_conforming_strings, SET client_encoding) can
    change either until the session is reset; the server reports both as they change.
    """
    info = conn.info
    return (
        info.parameter_status("standard_conforming_strings") == "on"
        and info.parameter_status("client_encoding") == "UTF8"
    )


def connect(
    url: str | None, *, purpose: str = "", settings: Mapping[str, str] | None = None
) -> psycopg.Connection:
    """An autocommit connection to ``url`` (libpq's PG* variables fill what it omits).

    ``settings`` are server settings for the whole session, sent when it starts: they are the
    session's own defaults, which ``RESET ALL`` restores (a value set afterwards is reset
    away). Raises ConnectionFailedError with a masked message; never returns a closed
    connection.
    """
    remember_secret(url)
    name = f"{APPLICATION_NAME} {purpose}".strip()
    try:
        return psycopg.connect(
            url or "",
            autocommit=True,
            application_name=name,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            # Files are UTF-8: the server converts them to the database's encoding, and
            # counts error positions in characters of the text as it was sent.
            client_encoding="UTF8",
            # None leaves the URL's own options (or PGOPTIONS) alone.
            options=session_options(url, settings) if settings else None,
        )
    except psycopg.Error as exc:
        raise ConnectionFailedError(
            f"cannot connect to {describe(url)}",
            detail=mask(str(exc).strip()),
            hint="check --database-url (or DATABASE_URL, or the PG* variables) and that "
            "the server is running",
        ) from None
    except ValueError as exc:  # raised by libpq parsing for malformed connection strings
        raise ConnectionFailedError("invalid connection string", detail=mask(str(exc))) from None


def session_options(url: str | None, settings: Mapping[str, str]) -> str:
    """libpq's ``options`` for ``settings``, after any the URL (or PGOPTIONS) already has, so
    that a user's own ``-c search_path=...`` still holds and ours are added to it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = str(conninfo_to_dict(url or "").get("options") or "")
    except psycopg.ProgrammingError:
        given = ""  # connecting will say what is wrong with the URL
    given = given or os.environ.get("PGOPTIONS", "")
    ours = " ".join(
        "-c " + f"{name}={value}".replace("\\", "\\\\").replace(" ", "\\ ")
        for name, value in settings.items()
    )
    return f"{given} {ours}".strip()


def check_setting(conn: psycopg.Connection, name: str, value: str) -> None:
    """Raise ConfigError unless the server accepts ``value`` for ``name`` (nothing is set)."""
    try:
        conn.execute("SELECT set_config(%s, %s, true)", (name, value))
    except (psycopg.DataError, psycopg.errors.InvalidParameterValue) as exc:
        raise ConfigError(
            f"invalid {name} {value!r}: {exc.diag.message_primary}",
            hint=exc.diag.message_hint,
        ) from None


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (the qualified ledger table).

    Two ledgers in one database get different keys, so they never block each other.
    """
    digest = hashlib.sha256(b"schemactl:" + name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class LockHolder:
    """The session holding the run lock, as pg_stat_activity shows it."""

    pid: int
    application_name: str
    user: str
    client: str | None
    since: datetime | None

    def __str__(self) -> str:
        since = f", connected since {self.since:%Y-%m-%d %H:%M:%S %Z}" if self.since else ""
        client = f" from {self.client}" if self.client else ""
        app = self.application_name or "unknown application"
        return f"pid {self.pid} ({app}, user {self.user}{client}{since})"


_HOLDER_QUERY = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
       host(a.client_addr), a.backend_start
  FROM pg_locks AS l
  JOIN pg_stat_activity AS a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted
   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND l.classid = %(hi)s::oid AND l.objid = %(lo)s::oid AND l.objsubid = 1
"""


def lock_holder(conn: psycopg.Connection, key: int) -> LockHolder | None:
    """Who holds the advisory lock ``key`` in this database, if anyone."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    params = {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}
    row = conn.execute(_HOLDER_QUERY, params).fetchone()
    return LockHolder(*row) if row else None


def acquire_lock(
    conn: psycopg.Connection,
    key: int,
    *,
    wait_seconds: float,
    on_wait: Callable[[LockHolder | None], None] = lambda holder: None,
) -> None:
    """Take the session-level advisory lock ``key``, waiting up to ``wait_seconds``.

    While waiting, ``on_wait`` is told who holds the lock whenever that changes. Raises
    LockTimeoutError naming the holder. The lock is released by ``release_lock`` or when the
    connection closes, so a killed run never leaves it held.
    """

    def gave_up(holder: LockHolder | None) -> LockTimeoutError:
        return LockTimeoutError(
            f"another schemactl run holds the lock; gave up after {wait_seconds:g}s",
            detail=f"held by {holder}" if holder else "the holder has just released it",
            hint="wait for that run to finish, or raise --wait; if it is stuck, "
            "end that session with pg_terminate_backend(pid)",
        )

    _wait(conn, "SELECT pg_try_advisory_lock(%(k)s)", key, wait_seconds, on_wait, gave_up)


def migration_key(name: str) -> int:
    """The advisory-lock key each migration's transaction holds while it runs (``name`` is the
    qualified ledger table): the run lock's session can end (a client killed) while the
    server still runs the migration it was sent, and the next run must wait for that one."""
    return lock_key(f"{name} migration")


def wait_for_migration(
    conn: psycopg.Connection,
    key: int,
    *,
    wait_seconds: float,
    on_wait: Callable[[LockHolder | None], None] = lambda holder: None,
) -> None:
    """Wait up to ``wait_seconds`` until no session holds ``key`` (``migration_key``): a
    migration an earlier run sent before its client died is still running there.

    Raises LockTimeoutError naming that session.
    """

    def gave_up(holder: LockHolder | None) -> LockTimeoutError:
        return LockTimeoutError(
            "a migration an earlier run sent is still running on the server; gave up "
            f"after {wait_seconds:g}s",
            detail=f"running in {holder}" if holder else "it has just ended",
            hint="it commits or rolls back on its own (its run is gone): wait for it, or "
            "end it with pg_terminate_backend(pid); then 'schemactl status'",
        )

    free = "SELECT CASE WHEN pg_try_advisory_lock(%(k)s) THEN pg_advisory_unlock(%(k)s) END"
    _wait(conn, free, key, wait_seconds, on_wait, gave_up)


def _wait(
    conn: psycopg.Connection,
    query: str,
    key: int,
    wait_seconds: float,
    on_wait: Callable[[LockHolder | None], None],
    gave_up: Callable[[LockHolder | None], LockTimeoutError],
) -> None:
    """Run ``query`` (one boolean, about advisory lock ``key``) until it says yes, for up to
    ``wait_seconds``; meanwhile tell ``on_wait`` who holds ``key`` whenever that changes."""
    deadline = time.monotonic() + wait_seconds
    last: LockHolder | None = None
    announced = False
    while True:
        done = conn.execute(query, {"k": key}).fetchone()
        if done and done[0]:
            return
        holder = lock_holder(conn, key)
        if not announced or holder != last:
            on_wait(holder)
            announced, last = True, holder
        if time.monotonic() >= deadline:
            raise gave_up(holder)
        time.sleep(LOCK_POLL_SECONDS)


def release_lock(conn: psycopg.Connection, key: int) -> None:
    """Release the advisory lock ``key`` if this session holds it."""
    if not conn.closed:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def verify_lock(conn: psycopg.Connection) -> None:
    """Prove that the session holding the run lock is still there, so the lock is still held.

    That session runs no migration SQL, so nothing in a migration can release its lock: only
    its end can, and a session that ends tells its client (PostgreSQL's FATAL message, then
    the socket's end). So a look at the socket proves it, without a round trip on every
    migration. A run that started meanwhile would still wait for the migration in flight
    (``migration_key``). Raises RunLockLostError.
    """
    pgconn = conn.pgconn
    try:
        if conn.closed or conn.broken:
            raise psycopg.OperationalError("the connection is closed")
        # An ended session's FATAL message is read first, the socket's end on the next read.
        for _ in range(3):
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
            if not readable:
                break
            pgconn.consume_input()
        if pgconn.status != psycopg.pq.ConnStatus.OK:
            raise psycopg.OperationalError(pgconn.error_message.decode(errors="replace"))
    except (psycopg.Error, OSError) as exc:
        raise RunLockLostError(
            "the run lock was lost: the session holding it has ended",
            detail=mask(str(exc).strip()) or None,
            hint="another run may have started meanwhile; run 'schemactl status' before "
            "running again",
        ) from None


@dataclass(frozen=True)
class TableLockHolder:
    """A session holding a lock on a table that blocks schemactl's use of it."""

    holder: LockHolder
    mode: str
    state: str | None
    query: str | None

    def __str__(self) -> str:
        state = f", {self.state}" if self.state else ""
        query = f": {self.query}" if self.query else ""
        return f"{self.holder} holds {self.mode}{state}{query}"


# Every mode but ACCESS SHARE: stronger ones block writing the table, and a session holding
# ROW SHARE or ROW EXCLUSIVE may hold the row lock a ledger write waits for.
_TABLE_HOLDERS_QUERY = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
       host(a.client_addr), a.backend_start, l.mode, a.state, left(a.query, 200)
  FROM pg_locks AS l
  JOIN pg_stat_activity AS a ON a.pid = l.pid
 WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
   AND l.relation = to_regclass(%s)
   AND l.mode <> 'AccessShareLock'
 ORDER BY a.pid
"""


def table_lock_holders(conn: psycopg.Connection, qualified: str) -> list[TableLockHolder]:
    """The sessions holding locks on ``qualified`` (a quoted name) that block writing it."""
    rows = conn.execute(_TABLE_HOLDERS_QUERY, (qualified,)).fetchall()
    return [
        TableLockHolder(LockHolder(*row[:5]), row[5], row[6], " ".join((row[7] or "").split()))
        for row in rows
    ]


def refuse_escaped_strings(conn: psycopg.Connection) -> None:
    """Refuse a session that reads backslashes in '...' as escapes: files are split the
    standard way, and split otherwise a COMMIT could hide inside what looks like a string."""
    if conn.info.parameter_status("standard_conforming_strings") == "off":
        raise ConfigError(
            "the database reads strings with standard_conforming_strings = off",
            detail="schemactl splits migration files as PostgreSQL reads them with it on "
            "(the default since PostgreSQL 9.1), and cannot apply them safely otherwise",
            hint="turn it on for the role or database that runs migrations "
            "(ALTER ROLE ... SET standard_conforming_strings = on)",
        )


def refuse_read_only(conn: psycopg.Connection) -> None:
    """Raise ReadOnlyError when this session cannot write: a standby, or a database or role
    whose sessions are read-only by default (the server reports both as sessions start)."""
    info = conn.info
    if info.parameter_status("in_hot_standby") == "on":
        raise ReadOnlyError(
            f"the server at {info.host}:{info.port} is a standby (in recovery): it cannot "
            "apply migrations",
            hint="point --database-url at the primary",
        )
    if info.parameter_status("default_transaction_read_only") == "on":
        raise ReadOnlyError(
            f"sessions of database {info.dbname} as {info.user} are read-only "
            "(default_transaction_read_only = on)",
            detail="a role or database setting makes every transaction read-only, usually "
            "to keep writes away on purpose",
            hint="run migrations as a role allowed to write (ALTER ROLE ... SET "
            "default_transaction_read_only = off), or on the primary",
        )
