"""The ledger table: ensure, read, record, mark dirty, forget.

The ledger records what was applied. Its name is configurable (``schema.table``); identifiers
always pass through ``psycopg.sql.Identifier``. This module runs no migration SQL; the runner
calls ``record_applied`` inside the migration's own transaction so both commit together.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from functools import cache

import psycopg
from psycopg import sql

from schemactl import __version__
from schemactl.errors import ConfigError
from schemactl.run.plan import LedgerRow

DEFAULT_TABLE = "public.schemactl_migrations"

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    version          bigint PRIMARY KEY,
    name             text NOT NULL,
    checksum         text NOT NULL,
    down_checksum    text,
    statements       text[] NOT NULL,
    applied_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by       text NOT NULL DEFAULT current_user,
    applied_from     text,
    execution_ms     double precision NOT NULL DEFAULT 0,
    dirty            boolean NOT NULL DEFAULT false,
    dirty_direction  text CHECK (dirty_direction IN ('up', 'down')),
    statements_done  integer,
    tool_version     text,
    raw_checksum     text
)
"""

# Added after the first release: a ledger created before it gains the column on the next run
# that holds the lock, and is read without it until then.
_RAW = "raw_checksum"
_ADD_RAW = "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS raw_checksum text"

_COLUMNS = (
    "version, name, checksum, down_checksum, applied_at, applied_by, execution_ms, dirty, "
    "dirty_direction, statements_done"
)

_COLUMNS_OF = """
SELECT a.attname FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
"""


@dataclass(frozen=True)
class LedgerTable:
    """A ledger table's schema and name."""

    schema: str
    name: str

    @classmethod
    def parse(cls, qualified: str) -> LedgerTable:
        """``schema.table`` or ``table`` (in public); raises ConfigError otherwise."""
        parts = qualified.split(".")
        if len(parts) == 1:
            parts = ["public", parts[0]]
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
    def in_template(self) -> sql.SQL:
        """The quoted name for a query sent with parameters: psycopg reads every '%' in such a
        query as a placeholder, its identifiers' included, unless it is doubled."""
        quoted = ".".join('"' + part.replace('"', '""') + '"' for part in (self.schema, self.name))
        return sql.SQL(quoted.replace("%", "%%"))

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


def columns(conn: psycopg.Connection, table: LedgerTable) -> frozenset[str]:
    """The ledger table's column names; empty when it does not exist (reading never creates
    it)."""
    rows = conn.execute(_COLUMNS_OF, (table.schema, table.name)).fetchall()
    return frozenset(name for (name,) in rows)


def exists(conn: psycopg.Connection, table: LedgerTable) -> bool:
    """True when the ledger table exists."""
    return bool(columns(conn, table))


def ensure(
    conn: psycopg.Connection, table: LedgerTable, present: frozenset[str] | None = None
) -> None:
    """Create the ledger table (and its schema) if missing, or add what an older one lacks;
    call only under the run lock. ``present`` is its columns when the caller has read them."""
    if present is None:
        present = columns(conn, table)
    if present and _RAW in present:
        return
    with conn.transaction():
        if present:
            conn.execute(sql.SQL(_ADD_RAW).format(table=table.identifier))
        else:
            schema = sql.Identifier(table.schema)
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            conn.execute(sql.SQL(_CREATE).format(table=table.identifier))


def read(
    conn: psycopg.Connection, table: LedgerTable, present: frozenset[str] | None = None
) -> list[LedgerRow]:
    """Every ledger row, by version, in one query; empty when the table does not exist.

    ``present`` is the table's columns when the caller has read them.
    """
    if present is None:
        present = columns(conn, table)
    if not present:
        return []
    raw = _RAW if _RAW in present else "NULL"
    query = sql.SQL("SELECT " + _COLUMNS + f", {raw} FROM {{}} ORDER BY version").format(
        table.identifier
    )
    try:
        rows = conn.execute(query).fetchall()
    except psycopg.errors.UndefinedColumn:
        raise ConfigError(
            f"{table} exists but is not a schemactl ledger table",
            hint="choose another --ledger-table (or ledger_table setting)",
        ) from None
    return [LedgerRow(*row) for row in rows]


def applied_statements(conn: psycopg.Connection, table: LedgerTable, version: int) -> list[str]:
    """The normalized up statements recorded when ``version`` was applied."""
    query = sql.SQL("SELECT statements FROM {} WHERE version = %s").format(table.in_template)
    row = conn.execute(query, (version,)).fetchone()
    return list(row[0]) if row else []


@dataclass(frozen=True)
class Entry:
    """What is recorded for one migration."""

    version: int
    name: str
    checksum: str
    down_checksum: str | None
    statements: list[str]
    raw_checksum: str | None = None


_INSERT = """
INSERT INTO {table} (version, name, checksum, down_checksum, statements, applied_from,
                     execution_ms, dirty, dirty_direction, statements_done, tool_version,
                     raw_checksum)
VALUES (%(version)s, %(name)s, %(checksum)s, %(down_checksum)s, %(statements)s, %(applied_from)s,
        {execution_ms}, %(dirty)s, %(dirty_direction)s, %(statements_done)s, %(tool_version)s,
        %(raw_checksum)s)
ON CONFLICT (version) DO UPDATE SET
    name = EXCLUDED.name, checksum = EXCLUDED.checksum, down_checksum = EXCLUDED.down_checksum,
    statements = EXCLUDED.statements, applied_at = clock_timestamp(),
    applied_by = current_user, applied_from = EXCLUDED.applied_from,
    execution_ms = EXCLUDED.execution_ms, dirty = EXCLUDED.dirty,
    dirty_direction = EXCLUDED.dirty_direction, statements_done = EXCLUDED.statements_done,
    tool_version = EXCLUDED.tool_version, raw_checksum = EXCLUDED.raw_checksum
"""


# The time since the transaction began, on the server's clock: for a migration sent as one
# query with its ledger row, the client cannot know the time before the row is written.
_SERVER_ELAPSED_MS = "1000 * extract(epoch FROM clock_timestamp() - transaction_timestamp())"


@cache
def _insert_query(table: LedgerTable) -> sql.Composed:
    """The upsert of one ledger row, composed once per table (``record`` prepares it)."""
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


def record(
    conn: psycopg.Connection,
    table: LedgerTable,
    entry: Entry,
    *,
    execution_ms: float = 0.0,
    dirty_direction: str | None = None,
    statements_done: int | None = None,
) -> None:
    """Insert or replace the row for ``entry``; dirty when ``dirty_direction`` is given."""
    params = {
        "version": entry.version,
        "name": entry.name,
        "checksum": entry.checksum,
        "down_checksum": entry.down_checksum,
        "statements": entry.statements,
        "applied_from": _origin(),
        "execution_ms": execution_ms,
        "dirty": dirty_direction is not None,
        "dirty_direction": dirty_direction,
        "statements_done": statements_done,
        "tool_version": __version__,
        "raw_checksum": entry.raw_checksum,
    }
    conn.execute(_insert_query(table), params, prepare=True)


def record_sql(conn: psycopg.Connection, table: LedgerTable, entry: Entry) -> str:
    """``record``'s statement for a clean row as SQL text with its values in line, timed on the
    server's clock, for a caller that sends it inside a migration's own query.

    Quoting here rather than through psycopg's client-side binding: that costs more than the
    rest of the row's work, once per migration.
    """
    quote = psycopg.pq.Escaping(conn.pgconn).escape_literal

    def text(value: str | None) -> str:
        return "NULL" if value is None else quote(value.encode("utf-8")).decode("utf-8")

    statements = ", ".join(text(s) for s in entry.statements)
    values = {
        "version": str(int(entry.version)),
        "name": text(entry.name),
        "checksum": text(entry.checksum),
        "down_checksum": text(entry.down_checksum),
        "statements": f"ARRAY[{statements}]::text[]",
        "applied_from": text(_origin()),
        "dirty": "false",
        "dirty_direction": "NULL",
        "statements_done": "NULL",
        "tool_version": text(__version__),
        "raw_checksum": text(entry.raw_checksum),
    }
    return _insert_template(conn, table) % values


def _insert_template(conn: psycopg.Connection, table: LedgerTable) -> str:
    # The same doubling of '%' lets the name survive the %-formatting of the values.
    name = table.in_template.as_string(conn)
    return _INSERT.format(table=name, execution_ms=_SERVER_ELAPSED_MS)


def mark_progress(
    conn: psycopg.Connection, table: LedgerTable, version: int, statements_done: int
) -> None:
    """Record that ``statements_done`` statements of a dirty migration have completed."""
    query = sql.SQL("UPDATE {} SET statements_done = %s WHERE version = %s")
    conn.execute(query.format(table.in_template), (statements_done, version))


def mark_clean(
    conn: psycopg.Connection, table: LedgerTable, version: int, execution_ms: float
) -> None:
    """Clear the dirty flag of ``version`` after its last statement succeeded."""
    query = sql.SQL(
        "UPDATE {} SET dirty = false, dirty_direction = NULL, statements_done = NULL, "
        "execution_ms = %s WHERE version = %s"
    )
    conn.execute(query.format(table.in_template), (execution_ms, version))


def accept_checksum(conn: psycopg.Connection, table: LedgerTable, entry: Entry) -> None:
    """Accept the current file of an applied version as what was applied (repair)."""
    query = sql.SQL(
        "UPDATE {} SET checksum = %s, down_checksum = %s, statements = %s, raw_checksum = %s "
        "WHERE version = %s"
    )
    conn.execute(
        query.format(table.in_template),
        (entry.checksum, entry.down_checksum, entry.statements, entry.raw_checksum, entry.version),
    )


def remember_raw_checksums(
    conn: psycopg.Connection, table: LedgerTable, found: list[tuple[int, str, str]]
) -> None:
    """Record, for rows that lack it, the bytes' checksum of a file whose statements were just
    found equal to those applied (``(version, checksum, raw_checksum)``), so that later runs
    need not split it again. The checksum guards against a row changed meanwhile."""
    query = sql.SQL(
        "UPDATE {} SET raw_checksum = %s WHERE version = %s AND checksum = %s "
        "AND raw_checksum IS NULL"
    ).format(table.in_template)
    with conn.cursor() as cursor:
        cursor.executemany(query, [(raw, version, checksum) for version, checksum, raw in found])


def forget(conn: psycopg.Connection, table: LedgerTable, version: int) -> None:
    """Delete the row of ``version``."""
    conn.execute(forget_sql(conn, table, version))


def forget_sql(conn: psycopg.Connection, table: LedgerTable, version: int) -> str:
    """``forget``'s statement as SQL text, for a caller that sends it inside its own query."""
    return f"DELETE FROM {table.identifier.as_string(conn)} WHERE version = {int(version)}"
