"""The ledger table: ensure, read, record, mark dirty, forget.

The ledger records what was applied. Its name is configurable (``schema.table``); identifiers
always pass through ``psycopg.sql.Identifier``. This module runs no migration SQL; the runner
sends ``record_sql`` inside the migration's own transaction so both commit together, and
writes the rows of no-transaction migrations from the session that holds the run lock.
"""

from __future__ import annotations

import getpass
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import psycopg
from psycopg import sql

from schemactl import __version__
from schemactl.dsn import mask
from schemactl.errors import ConfigError, LedgerAccessError, LedgerStateError
from schemactl.run.plan import LedgerRow

DEFAULT_TABLE = "public.schemactl_migrations"

_CREATE = """
CREATE TABLE {table} (
    version            bigint PRIMARY KEY,
    name               text NOT NULL,
    checksum           text NOT NULL,
    down_checksum      text,
    statements         text[] NOT NULL,
    applied_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by         text NOT NULL DEFAULT current_user,
    applied_from       text,
    execution_ms       double precision NOT NULL DEFAULT 0,
    dirty              boolean NOT NULL DEFAULT false,
    dirty_direction    text CHECK (dirty_direction IN ('up', 'down')),
    statements_done    integer CHECK (statements_done >= 0),
    tool_version       text,
    raw_checksum       text,
    statement_sent     integer CHECK (statement_sent > 0),
    sent_by_pid        integer,
    down_raw_checksum  text,
    baselined_from     text
)
"""

# Added after the first release: a ledger created before them gains them on the next run
# that holds the lock, and is read without them until then.
_ADDED = {
    "raw_checksum": "text",
    # The statement of a no-transaction migration sent to the server whose end was not
    # recorded (1-based), and the server process it was sent to: after a crash its outcome
    # is unknown, and resuming must not run it again unasked.
    "statement_sent": "integer",
    "sent_by_pid": "integer",
    "down_raw_checksum": "text",
    # NULL for a version schemactl ran; 'baseline', or the tool whose ledger vouched for it,
    # for one that ``baseline`` found already in the schema and recorded without running.
    "baselined_from": "text",
}

_COLUMNS = (
    "version, name, checksum, down_checksum, applied_at, applied_by, execution_ms, dirty, "
    "dirty_direction, statements_done"
)

_REQUIRED = frozenset(_COLUMNS.split(", "))

_COLUMNS_OF = """
SELECT a.attname FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
"""

# A schemactl ledger, by the columns no other table is likely to have all of.
_LEDGERS = """
SELECT n.nspname, c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND (SELECT count(*) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND NOT a.attisdropped
           AND a.attname IN ('version', 'checksum', 'statements', 'dirty_direction',
                             'statements_done')) = 5
 ORDER BY 1, 2
"""


@dataclass(frozen=True)
class LedgerTable:
    """A ledger table's schema and name, as PostgreSQL resolves them."""

    schema: str
    name: str

    @classmethod
    def parse(cls, qualified: str) -> LedgerTable:
        """``schema.table`` or ``table`` (in public), read as SQL reads a name: unquoted parts
        fold to lower case (``Public.Ledger`` is ``public.ledger``), ``"Quoted"`` parts are
        kept exactly. Raises ConfigError otherwise."""
        parts = _identifiers(qualified)
        if len(parts) == 1:
            parts = ["public", parts[0]]
        if len(parts) == 2 and parts[0].startswith("pg_"):
            raise ConfigError(
                f"invalid ledger table name {qualified!r}: schema names beginning with pg_ "
                "are reserved for the system",
                hint="use 'schema.table' or 'table', for example public.schemactl_migrations",
            )
        if len(parts) != 2 or not all(parts):
            raise ConfigError(
                f"invalid ledger table name {qualified!r}",
                hint="use 'schema.table' or 'table', for example public.schemactl_migrations",
            )
        return cls(parts[0], parts[1])

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def quoted(self) -> str:
        """The name as SQL text, each part quoted."""
        return ".".join('"' + part.replace('"', '""') + '"' for part in (self.schema, self.name))

    @property
    def in_template(self) -> sql.SQL:
        """The quoted name for a query sent with parameters: psycopg reads every '%' in such a
        query as a placeholder, its identifiers' included, unless it is doubled."""
        return sql.SQL(self.quoted.replace("%", "%%"))

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


_PART = re.compile(r'\s*"((?:[^"]|"")*)"\s*|([^".]+)')
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _identifiers(text: str) -> list[str]:
    """The dot-separated names of ``text``. A part that SQL could write
    unquoted folds to lower case as PostgreSQL folds it (ASCII letters only); a "quoted" part
    is kept exactly, and so is one no unquoted SQL name could spell (``odd schema``)."""
    if '"' not in text:
        return [_folded(part.strip()) for part in text.split(".")]
    parts: list[str] = []
    position = 0
    while True:
        match = _PART.match(text, position)
        if match is None or (match.group(2) is not None and '"' in match.group(2)):
            # Not SQL's quoting: taken literally, part by part, as the name was given.
            return text.split(".")
        quoted, plain = match.groups()
        if quoted is not None:
            parts.append(quoted.replace('""', '"'))
        else:
            parts.append(_folded(plain.strip()))
        position = match.end()
        if position == len(text):
            return parts
        if text[position] != ".":
            return text.split(".")
        position += 1


def _folded(part: str) -> str:
    return part.translate(_FOLD) if _PLAIN.fullmatch(part) else part


@contextmanager
def access(conn: psycopg.Connection, table: LedgerTable, doing: str) -> Iterator[None]:
    """Turn what the server can refuse while schemactl ``doing`` the ledger into one clear
    error: a missing privilege, a read-only database, a lock held past ``--wait``, the table
    dropped or altered, a lost connection."""
    try:
        yield
    except psycopg.errors.LockNotAvailable:
        raise ledger_locked(conn, table, doing) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LedgerAccessError(
            f"permission denied {doing} {table}: {exc.diag.message_primary}",
            detail=f"schemactl connected as {conn.info.user}",
            hint=_PRIVILEGE_HINTS.get(doing, "grant the role what the message names"),
        ) from None
    except psycopg.errors.ReadOnlySqlTransaction:
        raise LedgerAccessError(
            f"cannot write {table}: the session is read-only",
            hint="connect to the primary, as a role whose sessions may write",
        ) from None
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
        raise LedgerStateError(
            f"the ledger table {table} was dropped or altered while schemactl was {doing} it: "
            f"{exc.diag.message_primary}",
            hint="'schemactl status' shows what the ledger holds now; restore the table (or "
            "the rows a migration removed) from a backup before running again",
        ) from None
    except psycopg.OperationalError as exc:
        raise LedgerAccessError(
            f"lost the connection while {doing} the ledger table {table}",
            detail=mask(str(exc).strip()) or None,
            hint="run 'schemactl status' once the server is reachable again",
        ) from None


_PRIVILEGE_HINTS = {
    "reading": "GRANT SELECT ON the ledger table TO the role that runs schemactl",
    "creating": "create the ledger's schema beforehand, or GRANT CREATE ON SCHEMA (or, for a "
    "new schema, ON DATABASE) TO the role that runs schemactl",
    "writing": "GRANT SELECT, INSERT, UPDATE, DELETE ON the ledger table TO the role that runs "
    "schemactl",
}


def ledger_locked(conn: psycopg.Connection, table: LedgerTable, doing: str) -> LedgerAccessError:
    """The error for a ledger table whose lock was not granted within ``--wait``, naming who
    holds it."""
    from schemactl.run.db import table_lock_holders

    try:
        holders = table_lock_holders(conn, table.quoted)
    except psycopg.Error:
        holders = []
    detail = "\n".join(f"held by {h}" for h in holders) or "its holder has just released it"
    return LedgerAccessError(
        f"the ledger table {table} stayed locked by another session while schemactl was "
        f"{doing} it; gave up after --wait",
        detail=detail,
        hint="wait for that session to finish, or end it with pg_terminate_backend(pid); "
        "raise --wait to wait longer",
    )


def columns(conn: psycopg.Connection, table: LedgerTable) -> frozenset[str]:
    """The ledger table's column names; empty when it does not exist (reading never creates
    it)."""
    with access(conn, table, "reading"):
        rows = conn.execute(_COLUMNS_OF, (table.schema, table.name)).fetchall()
    return frozenset(name for (name,) in rows)


def exists(conn: psycopg.Connection, table: LedgerTable) -> bool:
    """True when the ledger table exists."""
    return bool(columns(conn, table))


def other_ledgers(conn: psycopg.Connection, table: LedgerTable) -> list[str]:
    """The schemactl ledgers in this database other than ``table``."""
    rows = conn.execute(_LEDGERS).fetchall()
    return [
        f"{schema}.{name}" for schema, name in rows if (schema, name) != (table.schema, table.name)
    ]


def ensure(
    conn: psycopg.Connection,
    table: LedgerTable,
    present: frozenset[str] | None = None,
    *,
    beside_others: bool = False,
) -> None:
    """Create the ledger table (and its schema, if missing) or add what an older one lacks;
    call only under the run lock. ``present`` is its columns when the caller has read them.

    A new ledger is refused (LedgerStateError) while another schemactl ledger exists in the
    database, unless ``beside_others``: a mistyped --ledger-table would otherwise start an
    empty ledger and apply every migration again.
    """
    if present is None:
        present = columns(conn, table)
    missing = [name for name in _ADDED if name not in present]
    if present and not missing:
        return
    if not present and not beside_others:
        others = other_ledgers(conn, table)
        if others:
            raise LedgerStateError(
                f"the ledger table {table} does not exist, but this database has another "
                f"schemactl ledger: {', '.join(others)}",
                detail="creating a second ledger would apply every migration again",
                hint="point --ledger-table at the existing ledger, or run 'schemactl up "
                f"--new-ledger' to start {table} beside it on purpose",
            )
    doing = "writing" if present else "creating"
    with access(conn, table, doing), conn.transaction():
        if present:
            for name in missing:
                conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + _ADDED[name]).format(
                        table.identifier, sql.Identifier(name)
                    )
                )
            return
        # Only a missing schema is created: CREATE SCHEMA IF NOT EXISTS is checked against the
        # database's CREATE privilege even when the schema is there.
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (table.schema,))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(table.schema)))
        conn.execute(sql.SQL(_CREATE).format(table=table.identifier))


def read(
    conn: psycopg.Connection, table: LedgerTable, present: frozenset[str] | None = None
) -> list[LedgerRow]:
    """Every ledger row, by version, in one query; empty when the table does not exist.

    ``present`` is the table's columns when the caller has read them. Raises ConfigError for
    a table that lacks a ledger's columns.
    """
    if present is None:
        present = columns(conn, table)
    if not present:
        return []
    if not _REQUIRED.issubset(present):
        raise ConfigError(
            f"{table} exists but is not a schemactl ledger table",
            hint="choose another --ledger-table (or ledger_table setting)",
        )
    added = ", ".join(name if name in present else "NULL" for name in _ADDED)
    query = sql.SQL("SELECT " + _COLUMNS + f", {added} FROM {{}} ORDER BY version").format(
        table.identifier
    )
    with access(conn, table, "reading"):
        rows = conn.execute(query).fetchall()
    return [LedgerRow(*row) for row in rows]


def baselined_from(row: LedgerRow | None) -> str | None:
    """What vouched for ``row``'s version when ``baseline`` recorded it ('baseline', or the
    tool whose ledger it was read from); None for a version schemactl ran itself."""
    return row.baselined_from if row is not None else None


def applied_statements(conn: psycopg.Connection, table: LedgerTable, version: int) -> list[str]:
    """The normalized up statements recorded when ``version`` was applied."""
    query = sql.SQL("SELECT statements FROM {} WHERE version = %s").format(table.in_template)
    with access(conn, table, "reading"):
        row = conn.execute(query, (version,)).fetchone()
    # Rows written before passwords were redacted still hold them. Imported here: a no-op run
    # never reads recorded statements, nor needs the lexer.
    from schemactl.files.redact import redact_passwords

    return [redact_passwords(s) for s in row[0] or []] if row else []


@dataclass(frozen=True)
class Entry:
    """What is recorded for one migration."""

    version: int
    name: str
    checksum: str
    down_checksum: str | None
    statements: list[str]
    raw_checksum: str | None = None
    down_raw_checksum: str | None = None


# A plain INSERT: a version recorded already (another run applied it meanwhile) fails here,
# and with it the migration's transaction, instead of being overwritten.
_INSERT = """
INSERT INTO {table} (version, name, checksum, down_checksum, statements, applied_from,
                     execution_ms, dirty, dirty_direction, statements_done, tool_version,
                     raw_checksum, down_raw_checksum, statement_sent, sent_by_pid)
VALUES (%(version)s, %(name)s, %(checksum)s, %(down_checksum)s, %(statements)s, %(applied_from)s,
        {execution_ms}, %(dirty)s, %(dirty_direction)s, %(statements_done)s, %(tool_version)s,
        %(raw_checksum)s, %(down_raw_checksum)s, %(statement_sent)s, %(sent_by_pid)s)
"""


# The time since the transaction began, on the server's clock: for a migration sent as one
# query with its ledger row, the client cannot know the time before the row is written.
# Every function and operator named in pg_catalog: a migration may have created one that
# search_path would otherwise find first.
_SERVER_ELAPSED_MS = (
    "pg_catalog.float8mul(1000, EXTRACT(epoch FROM pg_catalog.clock_timestamp() "
    "OPERATOR(pg_catalog.-) pg_catalog.transaction_timestamp())::pg_catalog.float8)"
)


@cache
def _insert_query(table: LedgerTable) -> sql.Composed:
    """The insert of one ledger row, composed once per table."""
    return sql.SQL(_INSERT).format(
        table=table.in_template, execution_ms=sql.Placeholder("execution_ms")
    )


@cache
def _origin() -> str:
    """``user@host`` of this process, looked up once."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _values(entry: Entry) -> dict[str, object]:
    return {
        "version": entry.version,
        "name": entry.name,
        "checksum": entry.checksum,
        "down_checksum": entry.down_checksum,
        "statements": entry.statements,
        "applied_from": _origin(),
        "tool_version": __version__,
        "raw_checksum": entry.raw_checksum,
        "down_raw_checksum": entry.down_raw_checksum,
    }


def record(
    conn: psycopg.Connection,
    table: LedgerTable,
    entry: Entry,
    *,
    execution_ms: float = 0.0,
    dirty_direction: str | None = None,
    statements_done: int | None = None,
    statement_sent: int | None = None,
    sent_by_pid: int | None = None,
) -> None:
    """Insert the row for ``entry``; dirty when ``dirty_direction`` is given, with the
    statement about to be sent. Raises psycopg's UniqueViolation when the version is there."""
    params = _values(entry) | {
        "execution_ms": execution_ms,
        "dirty": dirty_direction is not None,
        "dirty_direction": dirty_direction,
        "statements_done": statements_done,
        "statement_sent": statement_sent,
        "sent_by_pid": sent_by_pid,
    }
    conn.execute(_insert_query(table), params)


# Every value bound: few rows, written once, in the transaction that records them all.
_INSERT_BASELINED = """
INSERT INTO {table} (version, name, checksum, down_checksum, statements, applied_from,
                     execution_ms, tool_version, raw_checksum, down_raw_checksum, baselined_from)
VALUES (%(version)s, %(name)s, %(checksum)s, %(down_checksum)s, %(statements)s, %(applied_from)s,
        0, %(tool_version)s, %(raw_checksum)s, %(down_raw_checksum)s, %(baselined_from)s)
"""


def record_baselined(
    conn: psycopg.Connection, table: LedgerTable, entries: list[Entry], source: str
) -> None:
    """Insert a clean row for each of ``entries``, marked as found in place by ``source``
    ('baseline' or another tool's name) rather than run; call inside the caller's transaction
    after ``ensure``. Raises psycopg's UniqueViolation when a version is already there."""
    query = sql.SQL(_INSERT_BASELINED).format(table=table.in_template)
    params = [_values(entry) | {"baselined_from": source} for entry in entries]
    with access(conn, table, "writing"), conn.cursor() as cursor:
        cursor.executemany(query, params)


def record_sql(conn: psycopg.Connection, table: LedgerTable, entry: Entry) -> str:
    """``record``'s statement for a clean row as SQL text with its values in line, timed on the
    server's clock, for a caller that sends it inside a migration's own query.

    Quoting here rather than through psycopg's client-side binding: that costs more than the
    rest of the row's work, once per migration.
    """
    quote = psycopg.pq.Escaping(conn.pgconn).escape_literal

    def text(value: object) -> str:
        if value is None:
            return "NULL"
        return quote(str(value).encode("utf-8")).decode("utf-8")

    values = {name: text(value) for name, value in _values(entry).items()}
    statements = ", ".join(text(s) for s in entry.statements)
    values |= {
        "version": str(int(entry.version)),
        "statements": f"ARRAY[{statements}]::text[]",
        "dirty": "false",
        "dirty_direction": "NULL",
        "statements_done": "NULL",
        "statement_sent": "NULL",
        "sent_by_pid": "NULL",
    }
    return _insert_template(conn, table) % values


def _insert_template(conn: psycopg.Connection, table: LedgerTable) -> str:
    # The same doubling of '%' lets the name survive the %-formatting of the values.
    name = table.in_template.as_string(conn)
    return _INSERT.format(table=name, execution_ms=_SERVER_ELAPSED_MS)


def mark_sent(
    conn: psycopg.Connection,
    table: LedgerTable,
    version: int,
    *,
    done: int,
    sent: int | None,
    pid: int | None,
    direction: str,
) -> None:
    """Record that ``done`` statements of dirty ``version`` completed and that statement
    ``sent`` (1-based; None: none) is about to be sent to server process ``pid``.

    Raises LedgerStateError when the row is no longer the dirty row this run keeps.
    """
    query = sql.SQL(
        "UPDATE {} SET dirty = true, dirty_direction = %s, statements_done = %s, "
        "statement_sent = %s, sent_by_pid = %s WHERE version = %s"
    ).format(table.in_template)
    with access(conn, table, "writing"):
        updated = conn.execute(query, (direction, done, sent, pid, version)).rowcount
    if updated != 1:
        raise LedgerStateError(
            f"the ledger row of version {version} disappeared while its migration ran",
            detail=f"{done} statements had completed",
            hint="a statement of the migration, or another session, deleted it; record what "
            f"ran with 'schemactl repair {version}' once you have checked the schema",
        )


def mark_clean(
    conn: psycopg.Connection, table: LedgerTable, version: int, execution_ms: float
) -> None:
    """Clear the dirty flag of ``version`` after its last statement succeeded."""
    query = sql.SQL(
        "UPDATE {} SET dirty = false, dirty_direction = NULL, statements_done = NULL, "
        "statement_sent = NULL, sent_by_pid = NULL, execution_ms = %s WHERE version = %s"
    )
    with access(conn, table, "writing"):
        conn.execute(query.format(table.in_template), (execution_ms, version))


def unmark(conn: psycopg.Connection, table: LedgerTable, version: int) -> None:
    """Make ``version``'s row clean again: a rollback whose first statement failed ran
    nothing, and the migration stays applied as it was."""
    query = sql.SQL(
        "UPDATE {} SET dirty = false, dirty_direction = NULL, statements_done = NULL, "
        "statement_sent = NULL, sent_by_pid = NULL WHERE version = %s"
    )
    with access(conn, table, "writing"):
        conn.execute(query.format(table.in_template), (version,))


def accept_checksum(conn: psycopg.Connection, table: LedgerTable, entry: Entry) -> None:
    """Accept the current files of an applied version as what was applied (repair)."""
    query = sql.SQL(
        "UPDATE {} SET checksum = %s, down_checksum = %s, statements = %s, raw_checksum = %s, "
        "down_raw_checksum = %s WHERE version = %s"
    )
    with access(conn, table, "writing"):
        conn.execute(
            query.format(table.in_template),
            (
                entry.checksum,
                entry.down_checksum,
                entry.statements,
                entry.raw_checksum,
                entry.down_raw_checksum,
                entry.version,
            ),
        )


def remember_raw_checksums(
    conn: psycopg.Connection,
    table: LedgerTable,
    found: list[tuple[int, str, str]],
    *,
    down: bool = False,
) -> None:
    """Record, for rows that lack it, the bytes' checksum of an up file (a down file, with
    ``down``) whose statements were just found equal to those recorded (``(version, checksum,
    raw_checksum)``), so that later runs need not split it again. The checksum guards against
    a row changed meanwhile."""
    prefix = "down_" if down else ""
    query = sql.SQL(
        f"UPDATE {{}} SET {prefix}raw_checksum = %s WHERE version = %s AND {prefix}checksum = %s "
        f"AND {prefix}raw_checksum IS NULL"
    ).format(table.in_template)
    with access(conn, table, "writing"), conn.cursor() as cursor:
        cursor.executemany(query, [(raw, version, checksum) for version, checksum, raw in found])


def forget(conn: psycopg.Connection, table: LedgerTable, version: int) -> None:
    """Delete the row of ``version``."""
    with access(conn, table, "writing"):
        conn.execute(
            f"DELETE FROM {table.identifier.as_string(conn)} WHERE version = {int(version)}"
        )


def forget_sql(conn: psycopg.Connection, table: LedgerTable, version: int) -> str:
    """``forget``'s statement as SQL text, for a caller that sends it inside a migration's own
    query: it fails (division by zero) when the row is not there, so that a migration rolled
    back by another run meanwhile is not rolled back twice."""
    name = table.identifier.as_string(conn)
    return (
        f"WITH gone AS (DELETE FROM {name} WHERE version = {int(version)} RETURNING 1) "
        "SELECT 1 / count(*) FROM gone"
    )
