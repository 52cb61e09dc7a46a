"""One simple-protocol query of several statements, with a result for each statement.

A transactional migration goes to the server as one query, ``BEGIN; ...; <ledger row>;
COMMIT``: one round trip instead of one per statement, so the server never waits on the
client between statements. The server answers each statement with its own result and stops
at the first error, so counting the results names the statement that failed. psycopg's
cursor keeps only the error, so this module speaks to libpq (``psycopg.pq``) directly, and
waits on the socket in Python, where Ctrl-C and SIGTERM can interrupt it.

An interrupt does not abandon the query: the server already holds all of it, COMMIT
included, so the query is cancelled and its results read to the end, and only they tell
whether the migration committed before the cancel arrived.
"""

from __future__ import annotations

import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import make_conninfo
from psycopg.pq import ExecStatus

if TYPE_CHECKING:
    from psycopg.pq.abc import PGconn, PGresult

# How long to wait for the server to stop after an interrupt before ending the session
# from another connection.
CANCEL_WAIT_SECONDS = 10.0
_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """What came back: how many statements succeeded, the error that stopped the rest, and
    the interrupt (KeyboardInterrupt) that arrived meanwhile, for the caller to raise once it
    has recorded what the results say."""

    completed: int
    error: psycopg.Error | None
    interrupt: BaseException | None = None
    kept: tuple[str | None, ...] | None = None  # the first row of the result asked for


class OutcomeUnknown(Exception):
    """The query's end could not be read (the session had to be ended from outside, or a
    second interrupt came): whether it committed is not known here."""


def run(
    conn: psycopg.Connection,
    query: str,
    meanwhile: Callable[[], object] = lambda: None,
    keep: int = -1,
) -> Outcome:
    """Send ``query`` (statements separated by semicolons) and wait for every result, calling
    ``meanwhile`` once the query is on its way, while the server works on it. The first row of
    result number ``keep`` (counted from 0) comes back as text in ``Outcome.kept``.

    The connection must be idle and outside a transaction. On an interrupt the server is
    asked to cancel and the results are read to the end; the Outcome carries the interrupt.
    A lost connection raises ``psycopg.OperationalError``; an interrupt whose outcome cannot
    be read raises OutcomeUnknown from it.
    """
    pgconn = conn.pgconn
    pgconn.send_query(query.encode("utf-8"))
    interrupt: BaseException | None = None
    try:
        _flush(pgconn)
        meanwhile()
        results = _collect(pgconn, timeout=None)
    except KeyboardInterrupt as exc:
        interrupt = exc
        results = _stop(conn)
    except BaseException:
        _stop(conn)
        raise
    completed = 0
    kept = None
    for result in results:
        if result.status == ExecStatus.FATAL_ERROR:
            error = pg_errors.error_from_result(result, conn.info.encoding)
            return Outcome(completed, error, interrupt, kept)
        if completed == keep and result.ntuples:
            kept = tuple(_text(result.get_value(0, column)) for column in range(result.nfields))
        completed += 1
    return Outcome(completed, None, interrupt, kept)


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8")


def _flush(pgconn: PGconn) -> None:
    # A nonblocking connection may not take a long query in one write; reading what the
    # server has sent meanwhile keeps the two sides from waiting on each other.
    while pgconn.flush():
        readable, _, _ = select.select([pgconn.socket], [pgconn.socket], [], _POLL_SECONDS)
        if readable:
            pgconn.consume_input()


def _collect(pgconn: PGconn, *, timeout: float | None) -> list[PGresult]:
    """Every statement's result of the query in flight, until libpq says it is complete.

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
        if result.status == ExecStatus.COPY_IN:
            # The loader refuses COPY FROM STDIN; should one get through, it fails here
            # (and with it the transaction) instead of waiting for data that never comes.
            pgconn.put_copy_end(b"schemactl sends no COPY data")
            continue
        if result.status == ExecStatus.COPY_OUT:
            # Its rows are read and dropped, as a SELECT's are; its own result follows.
            while pgconn.get_copy_data(0)[0] >= 0:
                pass
            continue
        results.append(result)


def _stop(conn: psycopg.Connection) -> list[PGresult]:
    """Cancel the query in flight and read its results to the end.

    When the cancel cannot be delivered or is not obeyed in time, or a second interrupt
    comes, the session is ended from another connection (closing ours would not do: the
    server already holds the whole query, COMMIT included) and OutcomeUnknown is raised.
    """
    try:
        conn.cancel_safe(timeout=CANCEL_WAIT_SECONDS)
        return _collect(conn.pgconn, timeout=CANCEL_WAIT_SECONDS)
    except (psycopg.Error, TimeoutError, OSError, KeyboardInterrupt) as exc:
        _terminate(conn)
        raise OutcomeUnknown(str(exc) or type(exc).__name__) from exc


def _terminate(conn: psycopg.Connection) -> None:
    """End ``conn``'s server session from a second connection, then close ``conn``."""
    pid = conn.info.backend_pid
    params = {o.keyword.decode(): o.val.decode() for o in conn.pgconn.info if o.val is not None}
    params.update(application_name="schemactl stop", connect_timeout="5")
    try:
        with psycopg.connect(make_conninfo(**params), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
    except psycopg.Error:
        pass  # nothing more can be done from here; the caller says the outcome is unknown
    finally:
        conn.close()
