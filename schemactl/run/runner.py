"""Executing a plan: one transaction per migration together with its ledger row.

A transactional migration and its ledger row commit together or not at all. A no-transaction
migration runs statement by statement in autocommit; its ledger row is marked dirty first and
counts the statements that completed, so a failure midway is recorded honestly. The runner
emits events and never prints.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from schemactl.errors import (
    InterruptedRunError,
    MigrationFailedError,
    RefusedError,
    SchemactlError,
)
from schemactl.files.migrations import Migration, Script
from schemactl.files.statements import SEPARATOR, Statement, changes_parsing
from schemactl.run import ledger, simple_query
from schemactl.run.ledger import Entry, LedgerTable
from schemactl.run.plan import Direction, Plan, Step

LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class MigrationStarted:
    step: Step
    attempt: int


@dataclass(frozen=True)
class StatementDone:
    step: Step
    index: int
    total: int


@dataclass(frozen=True)
class MigrationFinished:
    step: Step
    duration_ms: float


@dataclass(frozen=True)
class RetryScheduled:
    step: Step
    attempt: int
    delay_seconds: float
    reason: str


@dataclass(frozen=True)
class MigrationFailed:
    step: Step
    error: MigrationFailedError


Event = MigrationStarted | StatementDone | MigrationFinished | RetryScheduled | MigrationFailed


@dataclass(frozen=True)
class StepResult:
    step: Step
    duration_ms: float


def entry_for(migration: Migration) -> Entry:
    """The ledger entry describing ``migration``'s current files."""
    return Entry(
        version=migration.version,
        name=migration.name,
        checksum=migration.up.checksum,
        down_checksum=migration.down.checksum if migration.down else None,
        statements=[s.normalized for s in migration.up.statements],
        raw_checksum=migration.up.raw_checksum,
    )


class Runner:
    """Runs plans on one connection that already holds the run lock."""

    def __init__(
        self,
        conn: psycopg.Connection,
        table: LedgerTable,
        *,
        retries: int = 0,
        backoff_seconds: float = 0.5,
        on_event: Callable[[Event], None] = lambda event: None,
    ):
        self.conn = conn
        # One cursor for every statement run one by one: a cursor per statement costs more
        # than the statement for small DDL.
        self.cursor = conn.cursor()
        self.table = table
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.emit = on_event
        # The next step's query is built while the server runs the current one.
        self._upcoming: Step | None = None
        self._prepared: tuple[Step, _OneQuery] | None = None
        self._interrupt: BaseException | None = None

    def run(self, plan: Plan) -> list[StepResult]:
        """Run every step in order; stops at the first failure by raising it."""
        results = []
        for index, step in enumerate(plan.steps):
            self._upcoming = plan.steps[index + 1] if index + 1 < len(plan.steps) else None
            results.append(self.run_step(step))
            if self._interrupt is not None:
                interrupt, self._interrupt = self._interrupt, None
                raise interrupt
        return results

    def run_step(self, step: Step) -> StepResult:
        """Run one step, retrying lock-timeout failures of transactional steps."""
        script = _script(step)
        attempt = 1
        while True:
            self.emit(MigrationStarted(step, attempt))
            try:
                started = time.perf_counter()
                if script.no_transaction:
                    self._run_autocommit(step, script)
                else:
                    self._run_transaction(step, script, started)
                duration = (time.perf_counter() - started) * 1000
            except MigrationFailedError as error:
                if not self._should_retry(error, script, attempt):
                    self.emit(MigrationFailed(step, error))
                    raise
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                self.emit(RetryScheduled(step, attempt, delay, error.message))
                time.sleep(delay)
                attempt += 1
                continue
            self.emit(MigrationFinished(step, duration))
            return StepResult(step, duration)

    def _should_retry(self, error: MigrationFailedError, script: Script, attempt: int) -> bool:
        return (
            error.sqlstate == LOCK_NOT_AVAILABLE
            and not script.no_transaction
            and attempt <= self.retries
        )

    def _run_transaction(self, step: Step, script: Script, started: float) -> None:
        idle = self.conn.info.transaction_status == TransactionStatus.IDLE
        # A migration that changes how the server reads what follows it goes statement by
        # statement, as psql would send it: one query is parsed whole before any of it runs.
        if not (self.conn.autocommit and idle) or any(map(changes_parsing, script.statements)):
            self._run_nested_transaction(step, script, started)
            return
        query = self._one_query(step)
        try:
            outcome = simple_query.run(self.conn, query.text, meanwhile=self._prepare_upcoming)
        except simple_query.OutcomeUnknown as exc:
            raise _outcome_unknown(step, exc) from exc
        except psycopg.OperationalError as exc:
            self._roll_back()
            raise lost_connection(script, exc) from exc
        except BaseException:
            self._roll_back()
            raise
        total = len(script.statements)
        # The first result is BEGIN's; one per statement follows.
        for index in range(min(max(outcome.completed - 1, 0), total)):
            self.emit(StatementDone(step, index, total))
        if outcome.error is None:
            if outcome.completed != total + 3:
                raise _miscounted(script, outcome.completed - 3)
            # Committed before the interrupt took effect: reported as applied, then raised.
            self._interrupt = outcome.interrupt
            return
        self._roll_back()
        if outcome.interrupt is not None:
            raise outcome.interrupt
        raise query.failure(script, outcome)

    def _one_query(self, step: Step) -> _OneQuery:
        if self._prepared is not None and self._prepared[0] is step:
            return self._prepared[1]
        return _joined(_script(step).statements, self._ledger_change(step))

    def _prepare_upcoming(self) -> None:
        step = self._upcoming
        if step is None:
            return
        try:
            if not _script(step).no_transaction:
                self._prepared = (step, self._one_query(step))
        except (SchemactlError, OSError):
            # Reading the next file failed: that is the next step's failure to report, in
            # its turn, not a reason to cancel the migration running now.
            self._prepared = None

    def _ledger_change(self, step: Step) -> str:
        """The ledger row's change as SQL text, to travel in the migration's own query."""
        migration = step.migration
        if step.direction is Direction.UP:
            # The server times the migration: nothing comes back before the row is written.
            return ledger.record_sql(self.conn, self.table, entry_for(migration))
        return ledger.forget_sql(self.conn, self.table, migration.version)

    def _roll_back(self) -> None:
        if not self.conn.closed and self.conn.info.transaction_status != TransactionStatus.IDLE:
            self.conn.rollback()

    def _run_nested_transaction(self, step: Step, script: Script, started: float) -> None:
        """The same inside a transaction the caller opened (it becomes a savepoint)."""
        migration = step.migration
        try:
            with self.conn.transaction():
                for statement in script.statements:
                    self._execute(step, script, statement)
                if step.direction is Direction.UP:
                    elapsed = (time.perf_counter() - started) * 1000
                    ledger.record(self.conn, self.table, entry_for(migration), execution_ms=elapsed)
                else:
                    ledger.forget(self.conn, self.table, migration.version)
        except psycopg.Error as exc:
            # As above: COMMIT (or the ledger row) failing; the transaction is rolled back.
            raise commit_failure(script, exc) from exc

    def _run_autocommit(self, step: Step, script: Script) -> None:
        migration, direction = step.migration, step.direction
        started = time.perf_counter()
        if step.start:
            self._verify_resume(step)
        ledger.record(
            self.conn,
            self.table,
            entry_for(migration),
            dirty_direction=direction.value,
            statements_done=step.start,
        )
        for statement in script.statements[step.start :]:
            try:
                self._execute(step, script, statement)
            except MigrationFailedError as error:
                if statement.index == 0 and direction is Direction.UP:
                    # Nothing ran: leave no trace rather than a dirty row.
                    ledger.forget(self.conn, self.table, migration.version)
                    error.dirty = False
                    raise
                _explain_dirty(error, step, statement.index, len(script.statements))
                raise
            ledger.mark_progress(self.conn, self.table, migration.version, statement.index + 1)
        elapsed = (time.perf_counter() - started) * 1000
        if direction is Direction.UP:
            ledger.mark_clean(self.conn, self.table, migration.version, elapsed)
        else:
            ledger.forget(self.conn, self.table, migration.version)

    def _verify_resume(self, step: Step) -> None:
        recorded = ledger.applied_statements(self.conn, self.table, step.migration.version)
        current = [s.normalized for s in step.migration.up.statements]
        if recorded[: step.start] != current[: step.start]:
            raise RefusedError(
                f"cannot resume migration {step.migration.label}: statements that already "
                "ran have changed since",
                detail=f"the first {step.start} statements of {step.migration.up.path} differ "
                "from those recorded when they ran",
                hint="restore the file, or finish by hand and run 'schemactl repair'",
            )

    def _execute(self, step: Step, script: Script, statement: Statement) -> None:
        try:
            self.cursor.execute(statement.text.encode("utf-8"))
        except psycopg.Error as exc:
            raise failure(script.path, statement, exc, dirty=script.no_transaction) from exc
        self.emit(StatementDone(step, statement.index, len(script.statements)))


@dataclass(frozen=True)
class _OneQuery:
    """A migration's statements between BEGIN and its ledger row and COMMIT, as one text."""

    text: str
    offsets: tuple[int, ...]  # where each statement starts in ``text``
    closing: int  # where the ledger row starts

    def failure(self, script: Script, outcome: simple_query.Outcome) -> MigrationFailedError:
        """The error for ``outcome``, naming the statement that failed.

        Errors come after the results of the statements that succeeded, BEGIN's first; a
        syntax error comes before any, since the server parses the whole text first, and
        only its position tells the statement. Positions count characters in the server's
        encoding, so they place the error inside a statement already known, where they fit.
        """
        assert outcome.error is not None
        exc = outcome.error
        statements = script.statements
        position = int(exc.diag.statement_position or 0)
        index = outcome.completed - 1
        if outcome.completed == 0 and position:
            index = bisect.bisect_right(self.offsets, position - 1) - 1
            if position - 1 >= self.closing:
                index = len(statements)
        if index == len(statements):
            return commit_failure(script, exc, during=_LEDGER_ROW)
        if not 0 <= index < len(statements):
            return commit_failure(script, exc)
        start = self.offsets[index]
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else self.closing
        # A position outside the statement (another encoding's count) is not used.
        offset = start if start < position <= end else position
        return failure(script.path, statements[index], exc, dirty=False, position_offset=offset)


def _joined(statements: tuple[Statement, ...], closing: str) -> _OneQuery:
    parts = ["BEGIN", SEPARATOR]
    offsets = []
    length = len("BEGIN") + len(SEPARATOR)
    for statement in statements:
        offsets.append(length)
        parts += (statement.text, SEPARATOR)
        length += len(statement.text) + len(SEPARATOR)
    parts += (closing, SEPARATOR, "COMMIT")
    return _OneQuery("".join(parts), tuple(offsets), length)


def _script(step: Step) -> Script:
    if step.direction is Direction.UP:
        return step.migration.up
    assert step.migration.down is not None
    return step.migration.down


def failure(
    path: Path, statement: Statement, exc: psycopg.Error, *, dirty: bool, position_offset: int = 0
) -> MigrationFailedError:
    """A MigrationFailedError carrying the file, line, excerpt and the server's diagnostics.

    ``position_offset`` is the length of any text sent before the statement in the same query.
    """
    diag = exc.diag
    position = int(diag.statement_position) - position_offset if diag.statement_position else 0
    line = statement.line_of(position) if position > 0 else statement.line
    sqlstate = diag.sqlstate or getattr(exc, "sqlstate", None)
    primary = diag.message_primary or str(exc).strip()
    detail_lines = [f"statement {statement.index + 1}: {statement.excerpt()}"]
    if diag.message_detail:
        detail_lines.append(f"DETAIL: {diag.message_detail}")
    if isinstance(exc, pg_errors.LockNotAvailable):
        detail_lines.append("the lock was not granted within --lock-timeout")
    reason = primary + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
    return MigrationFailedError(
        f"{path}:{line}: {reason}",
        reason=reason,
        path=path,
        line=line,
        detail="\n".join(detail_lines),
        hint=diag.message_hint,
        sqlstate=sqlstate,
        dirty=dirty,
    )


_AT_COMMIT = "at COMMIT, after every statement ran (a deferred constraint or trigger)"
_LEDGER_ROW = "writing the ledger row, after every statement ran"


def commit_failure(
    script: Script, exc: psycopg.Error, *, during: str = _AT_COMMIT
) -> MigrationFailedError:
    """A MigrationFailedError for a migration whose statements ran but whose COMMIT (or
    ledger row) failed."""
    diag = exc.diag
    line = script.statements[-1].line if script.statements else 1
    sqlstate = diag.sqlstate or getattr(exc, "sqlstate", None)
    primary = diag.message_primary or str(exc).strip()
    detail_lines = [during]
    if diag.message_detail:
        detail_lines.append(f"DETAIL: {diag.message_detail}")
    reason = primary + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
    return MigrationFailedError(
        f"{script.path}: {reason}",
        reason=reason,
        path=script.path,
        line=line,
        detail="\n".join(detail_lines),
        hint=diag.message_hint,
        sqlstate=sqlstate,
    )


def lost_connection(script: Script, exc: psycopg.Error) -> MigrationFailedError:
    """A MigrationFailedError for a connection lost while the migration ran."""
    reason = str(exc).strip() or "the connection to the server was lost"
    return MigrationFailedError(
        f"{script.path}: {reason}",
        reason=reason,
        path=script.path,
        line=script.statements[0].line if script.statements else 1,
        detail="the connection was lost while the migration ran: the server rolled it back "
        "unless it had already committed it",
        hint="run 'schemactl status' to see whether it was applied",
        sqlstate=getattr(exc, "sqlstate", None),
    )


def _outcome_unknown(step: Step, exc: simple_query.OutcomeUnknown) -> InterruptedRunError:
    return InterruptedRunError(
        f"interrupted while migration {step.migration.label} ran, and its end could not be read",
        detail=f"its server session was ended from another connection ({exc}): the "
        "migration committed whole with its ledger row, or not at all",
        hint="run 'schemactl status' to see whether it was applied",
    )


def _miscounted(script: Script, ran: int) -> MigrationFailedError:
    count = len(script.statements)
    reason = f"PostgreSQL ran {ran} statements where schemactl split the file into {count}"
    return MigrationFailedError(
        f"{script.path}: {reason}",
        reason=reason,
        path=script.path,
        line=1,
        detail="a statement hides another from schemactl's splitter, which may have ended "
        "the transaction early: the migration and its ledger row may not have committed "
        "together",
        hint="compare the schema with the file ('schemactl diff'), and report the file's "
        "statement boundaries as a schemactl bug",
    )


def _explain_dirty(error: MigrationFailedError, step: Step, done: int, total: int) -> None:
    error.detail = (
        f"{error.detail}\n{done} of {total} statements completed before this one; "
        f"migration {step.migration.version} is now marked dirty"
    )
    if step.direction is Direction.UP:
        error.hint = (
            "fix the cause, then run 'schemactl up --resume' to continue from this statement, "
            f"or 'schemactl repair {step.migration.version} --applied' or '--forget'"
        )
    else:
        error.hint = (
            "finish the rollback by hand, then run "
            f"'schemactl repair {step.migration.version} --forget'"
        )
