"""One simple-protocol query of several statements, with a result for each statement.

A transactional migration goes to the server as one query, ``BEGIN; ...; <ledger row>;
COMMIT``: one round trip instead of one per statement, so the server never waits on the
client between statements. The server answers each statement with its own result and stops
at the first error, so counting the results names the statement that failed. psycopg's
cursor keeps only the error, so this module speaks to libpq (``psycopg.pq``) directly, and
waits on the socket in Python, where Ctrl-C and SIGTERM can interrupt it.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import ExecStatus, TransactionStatus

if TYPE_CHECKING:
    from psycopg.pq.abc import PGconn, PGresult

# How long to wait for the server to stop after an interrupt before giving up on the
# connection (closing it rolls back whatever transaction is open).
CANCEL_WAIT_SECONDS = 10.0
_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """What came back: how many statements succeeded, and the error that stopped the rest."""

    completed: int
    error: psycopg.Error | None


def run(
    conn: psycopg.Connection, query: str, meanwhile: Callable[[], object] = lambda: None
) -> Outcome:
    """Send ``query`` (statements separated by semicolons) and wait for every result, calling
    ``meanwhile`` once the query is on its way, while the server works on it.

    The connection must be idle and outside a transaction. On an interrupt (or any other
    exception, ``meanwhile``'s included) the server is asked to cancel, the remaining results
    are read, and the exception is raised again. A lost connection raises
    ``psycopg.OperationalError``.
    """
    pgconn = conn.pgconn
    pgconn.send_query(query.encode("utf-8"))
    try:
        _flush(pgconn)
        meanwhile()
        results = _collect(pgconn, timeout=None)
    except BaseException:
        _stop(conn)
        raise
    completed = 0
    for result in results:
        if result.status == ExecStatus.FATAL_ERROR:
            return Outcome(completed, pg_errors.error_from_result(result, conn.info.encoding))
        completed += 1
    return Outcome(completed, None)


def _flush(pgconn: PGconn) -> None:
    # A nonblocking connection may not take a long query in one write; reading what the
    # server has sent meanwhile keeps the two sides from waiting on each other.
    while pgconn.flush():
        readable, _, _ = select.select([pgconn.socket], [pgconn.socket], [], _POLL_SECONDS)
        if readable:
            pgconn.consume_input()


def _collect(pgconn: PGconn, *, timeout: float | None) -> list[PGresult]:
    """Every result of the query in flight, until libpq says it is complete.

    Raises TimeoutError when ``timeout`` seconds pass with nothing to read.
    """
    results: list[PGresult] = []
    while True:
        while pgconn.is_busy():
            readable, _, _ = select.select([pgconn.socket], [], [], timeout or _POLL_SECONDS)
            if not readable and timeout is not None:
                raise TimeoutError("the server did not answer")
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            return results
        results.append(result)


def _stop(conn: psycopg.Connection) -> None:
    """Cancel the query in flight and read its end; close the connection if that fails."""
    try:
        conn.cancel_safe(timeout=CANCEL_WAIT_SECONDS)
        _collect(conn.pgconn, timeout=CANCEL_WAIT_SECONDS)
    except (psycopg.Error, TimeoutError, OSError):
        conn.close()
        return
    if conn.info.transaction_status != TransactionStatus.IDLE:
        conn.rollback()
