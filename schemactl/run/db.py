"""Connections: connecting with psycopg 3, masking passwords, session timeouts, the run lock.

This module knows nothing about migrations. Every text it puts in an error passes through
``dsn.mask`` so that no password from a connection string is ever printed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg

from schemactl.dsn import describe, mask, remember_secret
from schemactl.errors import ConfigError, ConnectionFailedError, LockTimeoutError

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


def connect(url: str | None, *, purpose: str = "") -> psycopg.Connection:
    """An autocommit connection to ``url`` (libpq's PG* variables fill what it omits).

    Raises ConnectionFailedError with a masked message; never returns a closed connection.
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


def set_timeouts(
    conn: psycopg.Connection, *, lock_timeout: str | None, statement_timeout: str | None
) -> None:
    """Apply PostgreSQL ``lock_timeout`` / ``statement_timeout`` to the session."""
    for name, value in (("lock_timeout", lock_timeout), ("statement_timeout", statement_timeout)):
        if value is None:
            continue
        try:
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))
        except psycopg.DataError as exc:  # e.g. "30d": out of range for the server
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
    deadline = time.monotonic() + wait_seconds
    last: LockHolder | None = None
    announced = False
    while True:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if got and got[0]:
            return
        holder = lock_holder(conn, key)
        if not announced or holder != last:
            on_wait(holder)
            announced, last = True, holder
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"another schemactl run holds the lock; gave up after {wait_seconds:g}s",
                detail=f"held by {holder}" if holder else "the holder has just released it",
                hint="wait for that run to finish, or raise --wait; if it is stuck, "
                "end that session with pg_terminate_backend(pid)",
            )
        time.sleep(LOCK_POLL_SECONDS)


def release_lock(conn: psycopg.Connection, key: int) -> None:
    """Release the advisory lock ``key`` if this session holds it."""
    if not conn.closed:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
