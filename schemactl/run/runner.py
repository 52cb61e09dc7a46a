"""Executing a plan: one transaction per migration together with its ledger row.

A transactional migration and its ledger row commit together or not at all; the row is a
plain INSERT, so a version another run applied meanwhile fails instead of being applied twice.
A no-transaction migration runs statement by statement in autocommit; its ledger row is
marked dirty first and records each statement as sent before sending it, so a failure or a
crash midway is recorded honestly. Each migration runs as in a new session (``session``).
The runner emits events and never prints.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import ExecStatus

from schemactl.errors import (
    GuardUnreadableError,
    InterruptedRunError,
    LedgerAccessError,
    MigrationFailedError,
    RefusedError,
    RunLockLostError,
    SchemactlError,
)
from schemactl.files.migrations import Directive, Migration, Script
from schemactl.files.redact import recorded_statements, redact_passwords
from schemactl.files.statements import SEPARATOR, Statement, changes_parsing
from schemactl.run import db, guard, invalid_index, ledger, simple_query
from schemactl.run.guard import GuardCleared, GuardWaiting
from schemactl.run.invalid_index import ConcurrentBuild, concurrent_build
from schemactl.run.ledger import Entry, LedgerTable
from schemactl.run.plan import Direction, Plan, Step
from schemactl.run.replicas import NoStandby, ReplicaCaughtUp, ReplicaLag, ReplicaWaiting
from schemactl.run.session import READ_BACK, RESET, WorkSession, changes_new_sessions
from schemactl.run.watch import Observation, Watcher, seconds

LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
_DETACH = " detach partition "


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


@dataclass(frozen=True)
class InvalidIndexDropped:
    """A resume dropped the invalid indexes an interrupted concurrent build had left."""

    step: Step
    names: tuple[str, ...]


@dataclass(frozen=True)
class OutcomeSettled:
    """A resume proved what became of the statement sent before the run stopped."""

    step: Step
    index: int
    decision: str
    reason: str


Event = (
    MigrationStarted
    | StatementDone
    | MigrationFinished
    | RetryScheduled
    | MigrationFailed
    | InvalidIndexDropped
    | OutcomeSettled
    | Observation
    | GuardWaiting
    | GuardCleared
    | ReplicaWaiting
    | ReplicaCaughtUp
    | NoStandby
)


@dataclass(frozen=True)
class StepResult:
    step: Step
    duration_ms: float


def entry_for(migration: Migration) -> Entry:
    """The ledger entry describing ``migration``'s current files."""
    down = migration.down
    return Entry(
        version=migration.version,
        name=migration.name,
        checksum=migration.up.checksum,
        down_checksum=down.checksum if down else None,
        # The ledger keeps no password literal; the checksum still covers the real text.
        statements=recorded_statements(migration.up.statements),
        raw_checksum=migration.up.raw_checksum,
        down_raw_checksum=down.raw_checksum if down else None,
    )


class Runner:
    """Runs plans: migrations on the work session, each as if in a new session; the ledger's
    rows of no-transaction migrations from ``control``, the connection that holds the run lock
    and runs no migration SQL."""

    def __init__(
        self,
        control: psycopg.Connection,
        work: WorkSession,
        table: LedgerTable,
        *,
        retries: int = 0,
        backoff_seconds: float = 0.5,
        ledger_wait_ms: int = 30_000,
        on_event: Callable[[Event], None] = lambda event: None,
        watcher: Watcher | None = None,
        guard_wait: float | None = None,
        replicas: ReplicaLag | None = None,
    ):
        """``watcher``: watches each migration that runs long (its events go to the
        watcher's own ``on_event``, as every other event then does); ``guard_wait``: with
        ``up --guard``, how long to wait for sessions a migration would queue behind."""
        self.control = control
        self.work = work
        self.table = table
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.ledger_wait_ms = max(1, ledger_wait_ms)
        # Held by each migration's transaction: a run whose client died leaves its migration
        # running on the server, and the next run waits for it (db.wait_for_migration).
        self._head = (f"SELECT pg_catalog.pg_advisory_xact_lock({db.migration_key(str(table))})",)
        self.watcher = watcher
        self.emit = watcher.emit if watcher is not None else on_event
        self.guard_wait = guard_wait
        # --max-replica-lag: each migration waits for the standbys to be within the limit.
        self.replicas = replicas
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
        script = step.script
        attempt = 1
        while True:
            db.verify_lock(self.control)
            if self.replicas is not None:
                # Before the guard: the way it finds clear would age while standbys catch up.
                self.replicas.wait(step, self.emit)
            if self.guard_wait is not None and step.direction is Direction.UP:
                self._guard(step, script, self.guard_wait)
            self.emit(MigrationStarted(step, attempt))
            started = time.perf_counter()
            seen: Observation | None = None
            try:
                self._watch(step)
                try:
                    if script.no_transaction:
                        self._run_autocommit(step, script)
                    else:
                        self._run_transaction(step, script)
                finally:
                    seen = self.watcher.end() if self.watcher is not None else None
                duration = (time.perf_counter() - started) * 1000
            except MigrationFailedError as error:
                self._name_the_wait(error, script, seen, time.perf_counter() - started)
                if not self._should_retry(error, script, attempt):
                    self.emit(MigrationFailed(step, error))
                    raise
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                self.emit(RetryScheduled(step, attempt, delay, error.message))
                time.sleep(delay)
                attempt += 1
                continue
            if any(map(changes_new_sessions, script.statements)):
                self.work.renew()
            self.emit(MigrationFinished(step, duration))
            return StepResult(step, duration)

    def _watch(self, step: Step) -> None:
        if self.watcher is not None:
            self.watcher.begin(step, self.work.conn.info.backend_pid)

    def _guard(self, step: Step, script: Script, wait_seconds: float) -> None:
        """Wait for the sessions ``step`` would queue behind (``up --guard``)."""
        # Imported here: it reads statements with the lint's word reader.
        from schemactl.run.locking import targets

        found = targets(script)
        if not found:
            return
        ours = (self.work.conn.info.backend_pid,)
        try:
            guard.wait_until_clear(
                self.control,
                step,
                found,
                wait_seconds=wait_seconds,
                ours=ours,
                emit=self.emit,
            )
        except psycopg.Error as exc:
            db.verify_lock(self.control)  # a session that ended took the run lock with it
            raise GuardUnreadableError(
                f"--guard could not read which sessions hold locks on the target: "
                f"{exc.diag.message_primary}",
                hint="fix what the server says (or run without --guard); the migration was "
                "not started",
            ) from None

    def _name_the_wait(
        self,
        error: MigrationFailedError,
        script: Script,
        seen: Observation | None,
        elapsed: float,
    ) -> None:
        """Add to a lock or statement timeout's error what the watcher last saw: the lock
        waited for and the sessions holding it, or how long the statement had run."""
        if error.sqlstate == LOCK_NOT_AVAILABLE:
            self._name_blockers(error, script, seen)
        elif error.sqlstate == QUERY_CANCELED and "statement timeout" in error.reason:
            what = (
                f"the statement was {seen.describe()} when last seen"
                if seen is not None
                else "it was not seen waiting for a lock"
            )
            lines = [f"cancelled by --statement-timeout after running {seconds(elapsed)}; {what}"]
            if seen is not None and seen.blockers:
                lines += [f"blocked by {b}" for b in seen.blockers]
            error.detail = "\n".join([error.detail or "", *lines]).strip()

    def _name_blockers(
        self, error: MigrationFailedError, script: Script, seen: Observation | None
    ) -> None:
        if seen is not None and seen.blockers:
            lines = [f"when last seen it was {seen.describe()}"]
            lines += [f"blocked by {b}" for b in seen.blockers]
            pids = [b.pid for b in seen.blockers if not b.prepared]
        elif (error.detail or "").startswith("statement "):
            # The wait ended before the watcher looked (a --lock-timeout shorter than its
            # threshold): the sessions holding conflicting locks on the tables the file names
            # are the likely cause. (Not for the ledger's lock: its error names its holders.)
            found, held = self._holders_now(script)
            lines = []
            if held:
                lines = [f"statement {t.statement} takes {t.mode} on {t.relation}" for t in found]
                lines += [f"probably blocked by {holder}" for holder in held]
            pids = [holder.pid for holder in held if holder.pid is not None]
        else:
            return
        if lines:
            error.detail = "\n".join([error.detail or "", *lines]).strip()
        if error.hint is None and pids:
            error.hint = (
                f"end or wait for the session blocking it (SELECT pg_terminate_backend({pids[0]})"
                " ends it); 'schemactl up --guard' waits for such sessions before a migration "
                "takes its lock"
            )

    def _holders_now(self, script: Script) -> tuple[tuple[guard.Target, ...], list[guard.Holder]]:
        """The locks ``script`` takes on existing relations, and the sessions holding locks
        on them that conflict."""
        from schemactl.run.locking import targets

        found = targets(script)
        try:
            return found, guard.holders(self.control, found, grace=0.0) if found else []
        except psycopg.Error:
            return found, []  # the failure is reported as it is; this was only a closer look

    def _should_retry(self, error: MigrationFailedError, script: Script, attempt: int) -> bool:
        return (
            error.sqlstate == LOCK_NOT_AVAILABLE
            and not script.no_transaction
            and not error.dirty
            and attempt <= self.retries
        )

    def _run_transaction(self, step: Step, script: Script) -> None:
        # A migration that changes how the server reads what follows it goes statement by
        # statement, as psql would send it: one query is parsed whole before any of it runs.
        if any(map(changes_parsing, script.statements)):
            self._run_statement_by_statement(step, script)
            return
        conn = self.work.conn
        query = self._one_query(step)
        try:
            outcome = simple_query.run(
                conn, query.text, meanwhile=self._prepare_upcoming, keep=query.read_back_result
            )
        except simple_query.OutcomeUnknown as exc:
            self.work.renew()
            raise _outcome_unknown(step, exc) from exc
        except psycopg.OperationalError as exc:
            self.work.renew()
            raise lost_connection(script, exc) from exc
        except BaseException:
            self.work.reset()
            raise
        total = len(script.statements)
        # BEGIN's result and the head's come first; one per statement follows.
        for index in range(min(max(outcome.completed - 1 - query.head, 0), total)):
            self.emit(StatementDone(step, index, total))
        if outcome.error is None:
            if outcome.completed != query.results:
                self.work.renew()
                raise _miscounted(script, outcome.completed - query.results + total)
            self.work.verify(outcome.kept)
            # Committed before the interrupt took effect: reported as applied, then raised.
            self._interrupt = outcome.interrupt
            return
        self.work.reset()
        if outcome.interrupt is not None:
            raise outcome.interrupt
        raise self._failure(step, script, query, outcome)

    def _failure(
        self, step: Step, script: Script, query: _OneQuery, outcome: simple_query.Outcome
    ) -> MigrationFailedError:
        error = query.failure(script, outcome)
        if isinstance(error, _LedgerFailure):
            return self._ledger_failure(step, script, error.exc)
        return error

    def _ledger_failure(
        self, step: Step, script: Script, exc: psycopg.Error
    ) -> MigrationFailedError:
        """The error for a migration whose statements ran but whose ledger change failed (so
        the migration rolled back with it), saying why in a reader's terms."""
        version = step.migration.version
        if isinstance(exc, pg_errors.UniqueViolation):
            return _rolled_back(
                script,
                exc,
                f"version {version} is already in the ledger: another run applied it while "
                "this one ran it",
                detail="this run's attempt rolled back with its ledger row: nothing was applied "
                "twice",
                hint="run 'schemactl status' to see the ledger",
            )
        if isinstance(exc, pg_errors.DivisionByZero) and step.direction is Direction.DOWN:
            return _rolled_back(
                script,
                exc,
                f"version {version} was no longer in the ledger: another run rolled it back "
                "while this one ran its down file",
                detail="this run's attempt rolled back: nothing was rolled back twice",
                hint="run 'schemactl status' to see the ledger",
            )
        if isinstance(exc, pg_errors.LockNotAvailable):
            locked = ledger.ledger_locked(self.control, self.table, "writing")
            return _rolled_back(script, exc, locked.message, detail=locked.detail, hint=locked.hint)
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return _rolled_back(
                script,
                exc,
                f"permission denied writing the ledger table {self.table}: "
                f"{exc.diag.message_primary}",
                detail="the migration rolled back with its ledger row",
                hint="GRANT SELECT, INSERT, UPDATE, DELETE ON the ledger table TO the role "
                "that runs schemactl",
            )
        if isinstance(exc, pg_errors.UndefinedTable):
            return _rolled_back(
                script,
                exc,
                f"the migration dropped or renamed the ledger table {self.table}",
                detail="it rolled back with its ledger row",
                hint="a migration must leave the ledger table alone",
            )
        return commit_failure(script, exc, during=_LEDGER_ROW)

    def _one_query(self, step: Step) -> _OneQuery:
        if self._prepared is not None and self._prepared[0] is step:
            return self._prepared[1]
        return _joined(self._head, step.script.statements, self._tail(step))

    def _prepare_upcoming(self) -> None:
        step = self._upcoming
        if step is None:
            return
        try:
            script = step.script
            if not script.no_transaction and not any(map(changes_parsing, script.statements)):
                self._prepared = (step, self._one_query(step))
        except (SchemactlError, OSError):
            # Reading the next file failed: that is the next step's failure to report, in
            # its turn, not a reason to cancel the migration running now.
            self._prepared = None

    def _tail(self, step: Step) -> tuple[str, ...]:
        """What follows a migration's statements in its transaction: the session's reset, its
        reading back, the ledger's lock wait, and the ledger row's change."""
        return (*RESET, READ_BACK, self._ledger_wait(), *_INTACT, self._ledger_change(step))

    def _ledger_wait(self) -> str:
        # The migration's own --lock-timeout is not the ledger's: that one waits up to --wait.
        return f"SET LOCAL lock_timeout = {self.ledger_wait_ms}"

    def _ledger_change(self, step: Step) -> str:
        """The ledger row's change as SQL text, to travel in the migration's own query."""
        migration = step.migration
        if step.direction is Direction.UP:
            # The server times the migration: nothing comes back before the row is written.
            return ledger.record_sql(self.work.conn, self.table, entry_for(migration))
        return ledger.forget_sql(self.work.conn, self.table, migration.version)

    def _run_statement_by_statement(self, step: Step, script: Script) -> None:
        """The same in one transaction, each statement read under the settings before it."""
        conn = self.work.conn
        try:
            with conn.transaction():
                _exec(conn, self._head[0])
                for statement in script.statements:
                    self._execute(conn, step, script, statement)
                tail = self._tail(step)
                try:
                    _exec(conn, SEPARATOR.join(tail[:-1]))
                    _exec(conn, tail[-1])
                except psycopg.Error as exc:
                    raise self._ledger_failure(step, script, exc) from exc
        except psycopg.OperationalError as exc:
            self.work.renew()
            raise lost_connection(script, exc) from exc
        except psycopg.Error as exc:
            self.work.reset()
            # COMMIT failing (a deferred constraint): the transaction is rolled back.
            raise commit_failure(script, exc) from exc
        except BaseException:
            self.work.reset()
            raise
        self.work.reset()

    def _run_autocommit(self, step: Step, script: Script) -> None:
        """A no-transaction migration, statement by statement. Before each statement is sent,
        the ledger records that it is being sent (and to which server process); after a crash
        its outcome is unknown, and ``up --resume`` says so instead of running it again."""
        migration, direction = step.migration, step.direction
        started = time.perf_counter()
        conn = self.work.conn
        pid = conn.info.backend_pid
        statements = script.statements
        start = step.start
        if step.resuming:
            self._verify_resume(step)
            start = self._settle_unknown(step, conn)
        try:
            self._first_mark(step, start, pid)
            for statement in statements[start:]:
                if statement.index > start:
                    self._mark(step, done=statement.index, sent=statement.index + 1, pid=pid)
                self._run_concurrent(step, script, statement, conn)
        finally:
            self.work.reset()
        elapsed = (time.perf_counter() - started) * 1000
        with self._run_lock_kept(step):
            if direction is Direction.UP:
                ledger.mark_clean(self.control, self.table, migration.version, elapsed)
            else:
                ledger.forget(self.control, self.table, migration.version)

    @contextmanager
    def _run_lock_kept(self, step: Step) -> Iterator[None]:
        """A ledger write on the run lock's connection; when that session has ended, the run
        lock went with it, and the error says what the ledger holds of this migration."""
        try:
            yield
        except LedgerAccessError as error:
            if not (self.control.closed or self.control.broken):
                raise
            version = step.migration.version
            raise RunLockLostError(
                "the run lock was lost: the session holding it has ended",
                detail=f"{error.detail or error.message}\nmigration {version} is left dirty; "
                "its last statement recorded as sent may or may not have taken effect",
                hint="run 'schemactl status', then 'schemactl up --resume': it says what it "
                "can prove and otherwise asks for --rerun-last or --skip-last",
            ) from None

    def _first_mark(self, step: Step, start: int, pid: int) -> None:
        total = len(step.script.statements)
        sent = start + 1 if start < total else None
        if step.resuming or step.direction is Direction.DOWN:
            if step.resuming:
                # The statements still to run may have been fixed since: the row records the
                # file as it is now (those that ran were checked unchanged).
                ledger.accept_checksum(self.control, self.table, entry_for(step.migration))
            self._mark(step, done=start, sent=sent, pid=pid)
            return
        try:
            with ledger.access(self.control, self.table, "writing"):
                ledger.record(
                    self.control,
                    self.table,
                    entry_for(step.migration),
                    dirty_direction=Direction.UP.value,
                    statements_done=0,
                    statement_sent=sent,
                    sent_by_pid=pid,
                )
        except pg_errors.UniqueViolation:
            raise RefusedError(
                f"version {step.migration.version} is already in the ledger: another run "
                "recorded it after this one read the ledger",
                hint="nothing of it ran here; run 'schemactl status'",
            ) from None

    def _mark(self, step: Step, *, done: int, sent: int | None, pid: int | None) -> None:
        with self._run_lock_kept(step):
            ledger.mark_sent(
                self.control,
                self.table,
                step.migration.version,
                done=done,
                sent=sent,
                pid=pid,
                direction=step.direction.value,
            )

    def _run_concurrent(
        self, step: Step, script: Script, statement: Statement, conn: psycopg.Connection
    ) -> None:
        """Run one statement of a no-transaction file, recording how far the file got when
        it fails."""
        build = concurrent_build(statement)
        if build is not None and step.resuming and statement.index == step.start:
            self._drop_left_behind(step, statement, build, conn)
        # Another session's build in progress, or an older failure, is not this one's.
        before = set(invalid_index.left_behind(conn, build)) if build else set()
        detaching = _DETACH in statement.normalized
        pending = invalid_index.pending_detaches(conn) if detaching else set()
        try:
            self._execute(conn, step, script, statement)
        except MigrationFailedError as error:
            if conn.closed or conn.broken:
                # The server may have finished the statement: its outcome is unknown, and the
                # ledger still says it was sent.
                _explain_unknown(error, step, statement.index, len(script.statements))
                raise
            now = invalid_index.left_behind(conn, build) if build else []
            left = [name for name in now if name not in before]
            # A statement that commits in stages (CONCURRENTLY) can fail having done some:
            # an invalid index, a partition left pending detach.
            if detaching:
                left += sorted(invalid_index.pending_detaches(conn) - pending)
            if statement.index == 0 and not step.resuming and not left:
                # Nothing ran: leave no trace rather than a dirty row.
                version = step.migration.version
                if step.direction is Direction.UP:
                    ledger.forget(self.control, self.table, version)
                else:
                    ledger.unmark(self.control, self.table, version)
                error.dirty = False
                raise
            self._mark(step, done=statement.index, sent=None, pid=None)
            _explain_dirty(error, step, statement.index, len(script.statements), left)
            raise

    def _drop_left_behind(
        self, step: Step, statement: Statement, build: ConcurrentBuild, conn: psycopg.Connection
    ) -> None:
        if build.index is None and not build.reindex:
            # The server named the index: which invalid one is this build's cannot be told.
            return
        left = invalid_index.left_behind(conn, build)
        if not left:
            return
        try:
            invalid_index.drop(conn, left)
        except psycopg.Error as exc:
            raise failure(step.script.path, statement, exc, dirty=True) from exc
        self.emit(InvalidIndexDropped(step, tuple(left)))

    def _settle_unknown(self, step: Step, conn: psycopg.Connection) -> int:
        """Where a resume starts when the statement sent before a crash has an unknown
        outcome and no --rerun-last or --skip-last was given: proven not to have taken
        effect, run it again; proven to have, skip it; otherwise refuse."""
        script = step.script
        row = step.row
        if row is not None and row.statement_sent is not None and row.sent_by_pid is not None:
            # Whatever was decided about it (--rerun-last, --skip-last), a statement the server
            # still runs would run twice, or be counted done before it is.
            running = _still_running(self.control, row.sent_by_pid)
            if running:
                sent = script.statements[row.statement_sent - 1]
                raise RefusedError(
                    f"statement {row.statement_sent} of {script.path} is still running on the "
                    f"server, in process {row.sent_by_pid} ({running})",
                    detail=redact_passwords(sent.excerpt()),
                    hint=f"wait for it to end (or cancel it: SELECT pg_cancel_backend("
                    f"{row.sent_by_pid})), then run 'schemactl up --resume' again",
                )
        if not step.sent_unknown:
            return step.start
        statement = script.statements[step.start]
        decision = _proof(conn, script, statement)
        if decision is None:
            raise RefusedError(
                f"statement {step.start + 1} of {script.path}:{statement.line} was sent to the "
                "server before the run stopped, and whether it took effect is unknown",
                detail=redact_passwords(statement.excerpt()),
                hint="look at the database, then run 'schemactl up --resume --rerun-last' to "
                "send it again, or 'schemactl up --resume --skip-last' if it took effect",
            )
        skip, reason = decision
        self.emit(OutcomeSettled(step, step.start, "skipped" if skip else "run again", reason))
        return step.start + 1 if skip else step.start

    def _verify_resume(self, step: Step) -> None:
        recorded = ledger.applied_statements(self.control, self.table, step.migration.version)
        current = recorded_statements(step.migration.up.statements)
        # The statement sent before the run stopped is held to the recorded one as well:
        # proving or deciding what it did says nothing about an edited one.
        sent = step.row.statement_sent if step.row is not None else None
        ran = max(step.start, sent or 0)
        with_sent = " (with the one sent before the run stopped)" if ran > step.start else ""
        if recorded[:ran] != current[:ran]:
            raise RefusedError(
                f"cannot resume migration {step.migration.label}: statements that already "
                "ran have changed since",
                detail=f"the first {ran} statements of {step.migration.up.path}{with_sent} "
                "differ from those recorded when they ran",
                hint="restore the file, or finish by hand and run 'schemactl repair'",
            )

    def _execute(
        self, conn: psycopg.Connection, step: Step, script: Script, statement: Statement
    ) -> None:
        try:
            conn.execute(statement.text.encode("utf-8"))
        except psycopg.Error as exc:
            raise failure(script.path, statement, exc, dirty=script.no_transaction) from exc
        self.emit(StatementDone(step, statement.index, len(script.statements)))


class _LedgerFailure(MigrationFailedError):
    """The migration's ledger change failed (the runner says why in a reader's terms)."""

    def __init__(self, script: Script, exc: psycopg.Error):
        super().__init__(str(exc), path=script.path, line=1)
        self.exc = exc


def _rolled_back(
    script: Script, exc: psycopg.Error, message: str, *, detail: str | None, hint: str | None
) -> MigrationFailedError:
    sqlstate = exc.diag.sqlstate or getattr(exc, "sqlstate", None)
    return MigrationFailedError(
        f"{script.path}: {message}",
        reason=message,
        path=script.path,
        line=script.statements[-1].line if script.statements else 1,
        detail=detail,
        hint=hint,
        sqlstate=sqlstate,
    )


def _exec(conn: psycopg.Connection, text: str) -> None:
    """Run ``text`` (statements separated by semicolons) as one simple query, inside whatever
    transaction ``conn`` has open; raise the first error."""
    # PQexec returns the last result, or the error that stopped the rest.
    result = conn.pgconn.exec_(text.encode("utf-8"))
    if result.status == ExecStatus.FATAL_ERROR:
        raise pg_errors.error_from_result(result, conn.info.encoding)


_STILL_RUNNING = """
SELECT format('%%s since %%s', state, to_char(query_start, 'YYYY-MM-DD HH24:MI:SS TZ'))
  FROM pg_stat_activity
 WHERE pid = %s AND state <> 'idle' AND application_name LIKE 'schemactl%%'
"""


def _still_running(conn: psycopg.Connection, pid: int) -> str | None:
    row = conn.execute(_STILL_RUNNING, (pid,)).fetchone()
    return str(row[0]) if row else None


def _proof(
    conn: psycopg.Connection, script: Script, statement: Statement
) -> tuple[bool, str] | None:
    """Whether a statement whose outcome is unknown took effect, where that can be shown:
    ``(skip, reason)``, or None."""
    build = concurrent_build(statement)
    if build is not None and build.reindex:
        return False, "a rebuild can run again; invalid copies it left are dropped first"
    if build is not None and build.index is not None and build.table is not None:
        valid = invalid_index.is_valid(conn, build)
        if valid is None:
            return False, f"index {build.index} does not exist: it was not built"
        if valid:
            return True, f"index {build.index} exists and is valid: it was built"
        return False, f"index {build.index} is invalid: it is dropped and built again"
    if Directive.IDEMPOTENT in script.directives:
        return False, "the file declares itself idempotent"
    return None


@dataclass(frozen=True)
class _OneQuery:
    """A migration's statements between BEGIN and what follows them (the session's reset, its
    reading back, the ledger row) and COMMIT, as one text."""

    text: str
    offsets: tuple[int, ...]  # where each statement starts in ``text``
    closing: int  # where what follows the statements starts
    statements: int
    tail: int  # how many statements follow the migration's own
    head: int  # how many precede them, after BEGIN

    @property
    def results(self) -> int:
        """How many results the server sends when every statement succeeds."""
        return 1 + self.head + self.statements + self.tail + 1

    @property
    def read_back_result(self) -> int:
        return 1 + self.head + self.statements + len(RESET)

    def failure(self, script: Script, outcome: simple_query.Outcome) -> MigrationFailedError:
        """The error for ``outcome``, naming the statement that failed.

        Errors come after the results of the statements that succeeded, BEGIN's first; a
        syntax error comes before any, since the server parses the whole text first, and
        only its position tells the statement. Positions count characters in the server's
        encoding, so they place the error inside a statement already known, where they fit.
        """
        assert outcome.error is not None
        exc = outcome.error
        if exc.diag.sqlstate == _NO_TRANSACTION:
            # Only _INTACT's SAVEPOINT fails so, when the migration's transaction had ended.
            return _transaction_ended(script, exc)
        statements = script.statements
        position = int(exc.diag.statement_position or 0)
        index = outcome.completed - 1 - self.head
        if outcome.completed == 0 and position:
            index = bisect.bisect_right(self.offsets, position - 1) - 1
            if position - 1 >= self.closing:
                index = len(statements) + self.tail
        after = index - len(statements)
        if after == self.tail - 1:
            return _LedgerFailure(script, exc)
        if after == self.tail:
            return commit_failure(script, exc)
        if index < 0:
            return commit_failure(script, exc, during=_HEAD_FAILED)
        if after >= 0:
            return commit_failure(script, exc, during=_RESET_FAILED)
        start = self.offsets[index]
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else self.closing
        # A position outside the statement (another encoding's count) is not used.
        offset = start if start < position <= end else position
        return failure(script.path, statements[index], exc, dirty=False, position_offset=offset)


def _joined(
    head: tuple[str, ...], statements: tuple[Statement, ...], tail: tuple[str, ...]
) -> _OneQuery:
    parts = ["BEGIN", SEPARATOR]
    for text in head:
        parts += (text, SEPARATOR)
    offsets = []
    length = sum(map(len, parts))
    for statement in statements:
        offsets.append(length)
        parts += (statement.text, SEPARATOR)
        length += len(statement.text) + len(SEPARATOR)
    for text in tail:
        parts += (text, SEPARATOR)
    parts.append("COMMIT")
    return _OneQuery("".join(parts), tuple(offsets), length, len(statements), len(tail), len(head))


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
    detail_lines = [f"statement {statement.index + 1}: {redact_passwords(statement.excerpt())}"]
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


# Sent just before the ledger row: SAVEPOINT fails outside a transaction block, so a COMMIT or
# ROLLBACK hidden from the splitter inside a statement can never leave the row behind. Released
# at once: the row is written by the migration's own transaction, not a subtransaction.
_INTACT = ("SAVEPOINT schemactl_ledger_row", "RELEASE SAVEPOINT schemactl_ledger_row")
_NO_TRANSACTION = "25P01"

_AT_COMMIT = "at COMMIT, after every statement ran (a deferred constraint or trigger)"
_LEDGER_ROW = "writing the ledger row, after every statement ran"
_RESET_FAILED = "resetting the session after every statement ran"
_HEAD_FAILED = "before the first statement, waiting for a migration an earlier run sent to end"


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
    error = MigrationFailedError(
        f"{script.path}: {reason}",
        reason=reason,
        path=script.path,
        line=1,
        detail="a statement hides another from schemactl's splitter; the migration's "
        "transaction was still open when its ledger row was written, so the migration "
        "committed whole with its row",
        hint="check the schema ('schemactl diff'), and report the file's statement "
        "boundaries as a schemactl bug",
    )
    error.outcome = "committed"
    return error


def _transaction_ended(script: Script, exc: psycopg.Error) -> MigrationFailedError:
    reason = "the migration's transaction ended before its last statement"
    error = MigrationFailedError(
        f"{script.path}: {reason}",
        reason=reason,
        path=script.path,
        line=1,
        detail="a statement hides a COMMIT or ROLLBACK from schemactl's splitter: what ran "
        "before it may have committed, and no ledger row was written",
        hint="check the schema against the file ('schemactl diff'), fix the file, and "
        "report its statement boundaries as a schemactl bug",
        sqlstate=exc.diag.sqlstate,
    )
    error.outcome = "ended early, not recorded"
    return error


def _explain_dirty(
    error: MigrationFailedError, step: Step, done: int, total: int, left: list[str]
) -> None:
    lines = [
        error.detail or "",
        f"{done} of {total} statements completed before this one; "
        f"migration {step.migration.version} is now marked dirty",
    ]
    if left:
        items = [n if n.startswith("partition ") else f"the invalid index {n}" for n in left]
        lines.append(f"PostgreSQL left {', '.join(items)} behind: the migration is not rolled back")
    error.detail = "\n".join(line for line in lines if line)
    error.dirty = True
    version = step.migration.version
    if step.direction is Direction.UP:
        dropped = " (it drops the invalid index first)" if left else ""
        error.hint = (
            "fix the cause, then run 'schemactl up --resume' to continue from this statement"
            f"{dropped}, or 'schemactl repair {version} --applied' or '--forget'"
        )
    else:
        error.hint = f"finish the rollback by hand, then run 'schemactl repair {version} --forget'"


def _explain_unknown(error: MigrationFailedError, step: Step, index: int, total: int) -> None:
    error.detail = (
        f"{error.detail}\nthe connection ended while statement {index + 1} of {total} ran: the "
        "server may have finished it, so whether it took effect is unknown; migration "
        f"{step.migration.version} is marked dirty with that statement recorded as sent"
    )
    error.dirty = True
    error.hint = (
        "run 'schemactl up --resume': it says what it can prove about that statement, and "
        "otherwise asks for --rerun-last or --skip-last"
    )
