"""The session migrations run in, made new for each migration.

Nothing one migration sets reaches the next: settings (string syntax and encoding included),
role and session user, search_path, prepared statements, cursors, LISTEN, advisory locks,
temporary objects and sequence state. After a transactional migration, PostgreSQL's own
``DISCARD ALL``, statement by statement, runs inside the migration's transaction just before
its ledger row (so it costs no round trip, and the row is written as the role that
connected); after a no-transaction migration or a failure, ``DISCARD ALL`` runs on its own.
Then the session is read back: the settings the server reports on every change (string
syntax, encoding, session user, superuser, time zone, date style, read-only) and the role and
search_path must be the ones the session started with, or the next migration gets a new
connection. So does the migration after one that changed what new sessions start with
(``ALTER DATABASE|ROLE|USER ... SET``, ``LOAD``), which no reset can undo.

The run lock is held by another connection, which runs no migration SQL, so nothing a
migration does (``pg_advisory_unlock_all()``, ``DISCARD ALL``) can release it.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg

from schemactl.files.statements import Statement
from schemactl.run import db

# DISCARD ALL, which cannot run inside a transaction block, as the statements it stands for.
RESET = (
    "SET SESSION AUTHORIZATION DEFAULT",
    "RESET ALL",
    "DEALLOCATE ALL",
    "CLOSE ALL",
    "UNLISTEN *",
    "SELECT pg_catalog.pg_advisory_unlock_all()",
    "DISCARD PLANS",
    "DISCARD SEQUENCES",
    "DISCARD TEMP",
)

# Read back after the reset; compared with the values the session started with. The last
# value changes when any database's or role's defaults change (ALTER DATABASE|ROLE ... SET, by
# any route, a DO block's dynamic SQL included): only a new session starts with those.
READ_BACK = """SELECT current_user, pg_catalog.current_setting('search_path'),
  (SELECT coalesce(pg_catalog.string_agg(s.xmin::text, ','), '')
     FROM pg_catalog.pg_db_role_setting AS s)"""

# Settings the server reports whenever they change (ParameterStatus): free to compare.
_REPORTED = (
    "standard_conforming_strings",
    "client_encoding",
    "session_authorization",
    "is_superuser",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "default_transaction_read_only",
    "application_name",
    "search_path",  # reported from PostgreSQL 18 on
)


def changes_new_sessions(statement: Statement) -> bool:
    """True for a statement after which only a new connection starts as a new session would:
    a library loaded into the session (the reading back sees changed defaults)."""
    return statement.normalized.startswith("load ")


class WorkSession:
    """The connection migrations run on, opened when first needed and renewed whenever a
    reset cannot be shown to have made it new."""

    def __init__(
        self,
        url: str | None,
        settings: Mapping[str, str],
        purpose: str,
        *,
        conn: psycopg.Connection | None = None,
    ):
        """``conn``: a connection to start with (an embedding caller's own), renewed from
        ``url`` like any other when needed."""
        self._url = url
        self._settings = dict(settings)
        self._purpose = purpose
        self._conn: psycopg.Connection | None = None
        self._reported: dict[str, bytes | None] = {}
        self.read_back: tuple[str | None, ...] | None = None
        if conn is not None:
            self._conn = self._started(conn)

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self._open()
        return self._conn

    def _open(self) -> psycopg.Connection:
        return self._started(db.connect(self._url, purpose=self._purpose, settings=self._settings))

    def _started(self, conn: psycopg.Connection) -> psycopg.Connection:
        # A new session starts with the defaults a migration may have changed since the run
        # began (ALTER DATABASE ... SET): it is held to what the run's first session was.
        try:
            db.refuse_escaped_strings(conn)
            db.refuse_read_only(conn)
        except BaseException:
            conn.close()
            raise
        # Migration SQL may DEALLOCATE ALL: nothing of ours may depend on a prepared statement.
        conn.prepare_threshold = None
        self._reported = _reported(conn)
        row = conn.execute(READ_BACK).fetchone()
        self.read_back = tuple(row) if row else None
        return conn

    def renew(self) -> None:
        """Close the connection: the next migration gets a new one."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def verify(self, read_back: tuple[str | None, ...] | None) -> None:
        """Renew the connection unless the session is as it started: the reported settings
        unchanged and ``read_back`` (``READ_BACK`` after the reset) equal to the first
        reading."""
        conn = self._conn
        if conn is None or conn.closed:
            return
        if read_back != self.read_back or _reported(conn) != self._reported:
            self.renew()

    def reset(self) -> None:
        """Reset the session on its own (after a no-transaction migration or a failure), or
        renew it when that cannot be done."""
        conn = self._conn
        if conn is None or conn.closed:
            return
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.execute("DISCARD ALL")
            row = conn.execute(READ_BACK).fetchone()
        except psycopg.Error:
            self.renew()
            return
        self.verify(tuple(row) if row else None)

    def close(self) -> None:
        self.renew()


def _reported(conn: psycopg.Connection) -> dict[str, bytes | None]:
    status = conn.pgconn.parameter_status
    return {name: status(name.encode()) for name in _REPORTED}
