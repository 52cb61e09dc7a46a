"""The control connection: it reads the ledger, holds the run lock and writes the ledger
outside migrations, and runs no migration SQL. Every lock it waits for, it waits up to --wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from schemactl.config import Settings
from schemactl.run import db
from schemactl.run.ledger import LedgerTable

LockWaitCallback = Callable[[db.LockHolder | None], None]


def ledger_wait_ms(settings: Settings) -> int:
    # lock_timeout 0 waits forever: --wait 0 means "do not wait", so the least wait instead;
    # the server takes no more than INT_MAX milliseconds.
    return min(max(1, int(settings.wait * 1000)), 2**31 - 1)


def connect(settings: Settings, purpose: str) -> psycopg.Connection:
    """A control connection to the target, named for what it is doing."""
    return db.connect(
        settings.database_url,
        purpose=purpose,
        settings={"lock_timeout": f"{ledger_wait_ms(settings)}ms"},
    )


@contextmanager
def run_lock(
    settings: Settings,
    purpose: str,
    on_wait: LockWaitCallback,
    on_migration_wait: LockWaitCallback = lambda holder: None,
) -> Iterator[tuple[psycopg.Connection, LedgerTable]]:
    """The connection holding the run lock, and the ledger table (``ledger.ensure`` it once
    the files are known to be well-formed). A run started meanwhile waits, and neither sees
    the other's half; a migration a killed run left running is waited for too."""
    table = LedgerTable.parse(settings.ledger_table)
    conn = connect(settings, purpose)
    try:
        db.refuse_read_only(conn)
        if conn.info.server_version >= 140000:
            # It sits idle while long migrations (or a scratch build) run elsewhere; a server
            # that ends idle sessions would end it, and the run lock with it.
            conn.execute("SELECT set_config('idle_session_timeout', '0', false)")
        db.acquire_lock(conn, db.lock_key(str(table)), wait_seconds=settings.wait, on_wait=on_wait)
        db.wait_for_migration(
            conn,
            db.migration_key(str(table)),
            wait_seconds=settings.wait,
            on_wait=on_migration_wait,
        )
        yield conn, table
    finally:
        # Ending the session releases the run lock: no round trip to unlock first.
        conn.close()
