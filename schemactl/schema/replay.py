"""Running migration files on a scratch database, with no ledger and no run lock.

``diff``, ``dump`` and ``check`` build the schema the files produce by replaying them into a
throwaway database. A failing statement raises the same MigrationFailedError as a real run
(file, line, excerpt, the server's diagnostics), so a broken file reads the same everywhere.
"""

from __future__ import annotations

import psycopg

from schemactl.files.migrations import Migration, Script
from schemactl.run.runner import commit_failure, failure


def apply_script(conn: psycopg.Connection, script: Script) -> None:
    """Run ``script`` on the autocommit connection ``conn``.

    A transactional file runs in one transaction (a savepoint if one is open) and leaves
    nothing behind when it fails; a no-transaction file runs statement by statement.
    """
    if script.no_transaction:
        for statement in script.statements:
            _execute(conn, script, statement.index)
        return
    try:
        with conn.transaction():
            for statement in script.statements:
                _execute(conn, script, statement.index)
    except psycopg.Error as exc:
        raise commit_failure(script, exc) from exc


def apply_ups(conn: psycopg.Connection, migrations: list[Migration]) -> None:
    """Run the up file of each migration, in the order given."""
    for migration in migrations:
        apply_script(conn, migration.up)


def _execute(conn: psycopg.Connection, script: Script, index: int) -> None:
    statement = script.statements[index]
    try:
        conn.execute(statement.text.encode("utf-8"))
    except psycopg.Error as exc:
        raise failure(script.path, statement, exc, dirty=False) from exc
