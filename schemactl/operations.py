"""The library behind each command: read files, connect, lock, read the ledger, plan, run.

Each function returns a result object for ``render/`` and raises a SchemactlError when the
run cannot go ahead. Files are read and validated before any migration runs: names, pairs and
encodings before any connection is opened, statements once the ledger has said which files
still have the bytes they had when they were applied (those need no second reading).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from schemactl.config import Settings
from schemactl.errors import RefusedError, UsageError
from schemactl.files.migrations import MigrationSet, load_directory, next_file_names
from schemactl.run import control, db, ledger
from schemactl.run.control import LockWaitCallback
from schemactl.run.ledger import LedgerTable
from schemactl.run.plan import (
    LastSent,
    LedgerRow,
    Overrides,
    Plan,
    State,
    StatementChange,
    VersionStatus,
    compute_status,
    plan_down,
    plan_up,
    statement_changes,
    unchanged_versions,
)

if TYPE_CHECKING:
    # The runner is imported when there is something to run: a no-op run never needs it.
    from schemactl.run.runner import Event, StepResult
    from schemactl.run.watch import Watcher


@dataclass(frozen=True)
class RunResult:
    """What ``up``/``down`` planned and what they ran (nothing for a dry run)."""

    plan: Plan
    results: tuple[StepResult, ...]
    dry_run: bool


@dataclass(frozen=True)
class Hooks:
    """Callbacks through which a run reports progress; rendering stays out of the library."""

    on_event: Callable[[Event], None] = lambda event: None
    # The plan about to run (not for a dry run or one with nothing to do).
    on_plan: Callable[[Plan], None] = lambda plan: None
    on_lock_wait: LockWaitCallback = lambda holder: None
    # A migration an earlier run sent is still running (its client was killed).
    on_migration_wait: LockWaitCallback = lambda holder: None


def up(
    settings: Settings,
    *,
    to: int | None = None,
    dry_run: bool = False,
    resume: bool = False,
    last: LastSent | None = None,
    overrides: Overrides = Overrides(),
    new_ledger: bool = False,
    guard: bool = False,
    hooks: Hooks = Hooks(),
) -> RunResult:
    """Apply pending migrations in order (see ``plan_up`` for what refuses). ``guard``: before
    a migration that takes a blocking lock on an existing table, wait up to ``settings.wait``
    for the sessions it would queue behind (``run/guard.py``)."""
    migrations = load_directory(settings.dir, defer=True)

    def make_plan(statuses: list[VersionStatus]) -> Plan:
        return plan_up(statuses, to=to, overrides=overrides, resume=resume, last=last)

    return _run(settings, migrations, make_plan, "up", dry_run, hooks, new_ledger, guard)


def down(
    settings: Settings,
    *,
    count: int = 1,
    to: int | None = None,
    everything: bool = False,
    dry_run: bool = False,
    overrides: Overrides = Overrides(),
    hooks: Hooks = Hooks(),
) -> RunResult:
    """Roll back applied migrations, newest first (see ``plan_down``)."""
    if count < 1:
        raise UsageError("the number of migrations to roll back must be at least 1")
    migrations = load_directory(settings.dir)

    def make_plan(statuses: list[VersionStatus]) -> Plan:
        return plan_down(statuses, count=count, to=to, everything=everything, overrides=overrides)

    return _run(settings, migrations, make_plan, "down", dry_run, hooks, new_ledger=False)


def _run(
    settings: Settings,
    migrations: MigrationSet,
    make_plan: Callable[[list[VersionStatus]], Plan],
    purpose: str,
    dry_run: bool,
    hooks: Hooks,
    new_ledger: bool,
    guard: bool = False,
) -> RunResult:
    if dry_run:
        table = LedgerTable.parse(settings.ledger_table)
        with control.connect(settings, purpose) as conn:
            plan = make_plan(_statuses(migrations, ledger.read(conn, table)))
        return RunResult(plan, (), dry_run=True)
    with control.run_lock(settings, purpose, hooks.on_lock_wait, hooks.on_migration_wait) as (
        conn,
        table,
    ):
        db.refuse_escaped_strings(conn)
        present = ledger.columns(conn, table)
        statuses = _statuses(migrations, ledger.read(conn, table, present))
        ledger.ensure(conn, table, present, beside_others=new_ledger)
        _remember_bytes(conn, table, statuses)
        plan = make_plan(statuses)
        results = []
        if plan.steps:
            from schemactl.run.replicas import for_run
            from schemactl.run.runner import Runner

            hooks.on_plan(plan)

            session = _migration_settings(conn, settings)
            from schemactl.run.session import WorkSession

            work = WorkSession(settings.database_url, session, purpose)
            watcher = _watcher(settings, purpose, hooks)
            try:
                runner = Runner(
                    conn,
                    work,
                    table,
                    retries=settings.retries,
                    ledger_wait_ms=control.ledger_wait_ms(settings),
                    on_event=hooks.on_event,
                    watcher=watcher,
                    guard_wait=settings.wait if guard else None,
                    replicas=for_run(conn, settings.max_replica_lag, settings.wait),
                )
                results = runner.run(plan)
            finally:
                if watcher is not None:
                    watcher.close()
                work.close()
    return RunResult(plan, tuple(results), dry_run=False)


# Set only by the benchmark that measures what watching costs (bench/watcher.py).
NO_WATCH_ENV = "SCHEMACTL_BENCH_NO_WATCH"


def _watcher(settings: Settings, purpose: str, hooks: Hooks) -> Watcher | None:
    """The watcher of the run's long migrations (``run/watch.py``)."""
    if os.environ.get(NO_WATCH_ENV):
        return None
    from schemactl.run.watch import Watcher, threshold_seconds

    threshold = threshold_seconds(settings.lock_timeout, settings.statement_timeout)
    return Watcher(settings.database_url, purpose, threshold=threshold, on_event=hooks.on_event)


def _migration_settings(conn: psycopg.Connection, settings: Settings) -> dict[str, str]:
    """--lock-timeout and --statement-timeout as the migrations' session starts with them
    (so a reset between migrations keeps them), each checked by the server first."""
    values = {
        "lock_timeout": settings.lock_timeout,
        "statement_timeout": settings.statement_timeout,
    }
    chosen = {name: value for name, value in values.items() if value is not None}
    for name, value in chosen.items():
        db.check_setting(conn, name, value)
    return chosen


@dataclass(frozen=True)
class StatusReport:
    """Every known version with its state, and statement diffs for modified ones."""

    directory: Path
    ledger_table: str
    statuses: tuple[VersionStatus, ...]
    changes: dict[int, list[StatementChange]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def count(self, state: State) -> int:
        return sum(1 for s in self.statuses if s.state is state)

    @property
    def needs_attention(self) -> bool:
        """True when anything is pending, modified, missing, dirty or out of order."""
        return any(s.state is not State.APPLIED for s in self.statuses)


def _statuses(
    migrations: MigrationSet, rows: list[LedgerRow], *, downs: bool = False
) -> list[VersionStatus]:
    """Validate what the ledger does not vouch for (see ``unchanged_versions``), then state
    each version (``downs``: comparing down files too, see ``compute_status``)."""
    migrations.validate(skip=unchanged_versions(migrations, rows))
    return compute_status(migrations, rows, downs=downs)


def _remember_bytes(
    conn: psycopg.Connection, table: LedgerTable, statuses: list[VersionStatus]
) -> None:
    """Record the bytes' checksum of applied files found equal by their statements, so the
    next run need not split them (rows written before the ledger had the columns)."""
    applied = [
        (s.row, s.migration)
        for s in statuses
        if s.state in (State.APPLIED, State.DOWN_MODIFIED)
        and s.row is not None
        and s.migration is not None
    ]
    found = [
        (row.version, row.checksum, migration.up.raw_checksum)
        for row, migration in applied
        if row.raw_checksum is None
    ]
    if found:
        ledger.remember_raw_checksums(conn, table, found)
    # Only rows that lack it: reading every down file would cost a no-op run what it
    # otherwise never reads, and a down file found changed is not vouched for.
    downs = []
    for row, migration in applied:
        if row.down_raw_checksum is not None or row.down_checksum is None:
            continue
        if migration.down_file is None:
            continue
        try:
            down = migration.down
        except OSError:
            continue  # unreadable: only a run that executes it needs it, and says so
        if down is not None and not down.problems and down.checksum == row.down_checksum:
            downs.append((row.version, row.down_checksum, down.raw_checksum))
    if downs:
        ledger.remember_raw_checksums(conn, table, downs, down=True)


def status(settings: Settings) -> StatusReport:
    """Read files and ledger (one ledger query; more only for modified versions)."""
    migrations = load_directory(settings.dir, defer=True)
    table = LedgerTable.parse(settings.ledger_table)
    notes: list[str] = []
    with control.connect(settings, "status") as conn:
        present = ledger.columns(conn, table)
        # Down files compared too: status alone shows their state.
        statuses = _statuses(migrations, ledger.read(conn, table, present), downs=True)
        if not present:
            others = ledger.other_ledgers(conn, table)
            if others:
                notes.append(
                    f"the ledger table {table} does not exist, but this database has another "
                    f"schemactl ledger: {', '.join(others)} (is --ledger-table right?)"
                )
        changes = {
            s.version: _changed_statements(conn, table, s)
            for s in statuses
            if s.state is State.MODIFIED and s.migration is not None
        }
    return StatusReport(settings.dir, str(table), tuple(statuses), changes, tuple(notes))


def _changed_statements(
    conn: psycopg.Connection, table: LedgerTable, status: VersionStatus
) -> list[StatementChange]:
    """A modified migration's statement diff, passwords redacted on both sides as the ledger
    keeps them."""
    # Imported here: only a modified migration needs the lexer behind it.
    from schemactl.files.redact import recorded_statements

    assert status.migration is not None
    applied = ledger.applied_statements(conn, table, status.version)
    return statement_changes(applied, recorded_statements(status.migration.up.statements))


def new(settings: Settings, name: str) -> tuple[Path, Path]:
    """Create the next numbered pair in the directory (created if missing)."""
    directory = settings.dir
    # Named first: a refused name leaves no new directory behind.
    existing = load_directory(directory) if directory.exists() else MigrationSet(directory, ())
    up_name, down_name = next_file_names(existing, name)
    directory.mkdir(parents=True, exist_ok=True)
    up_path, down_path = directory / up_name, directory / down_name
    up_path.write_text(f"-- {name.replace('_', ' ')}: the change, in plain SQL.\n")
    down_path.write_text("-- Undo exactly what the up file does, in reverse order.\n")
    return up_path, down_path


@dataclass(frozen=True)
class RepairResult:
    version: int
    name: str
    before: State
    action: str


def repair(settings: Settings, version: int, action: str, hooks: Hooks = Hooks()) -> RepairResult:
    """Resolve one version's dirty, modified or missing state explicitly.

    ``action`` is ``applied`` (a dirty migration was finished by hand), ``forget`` (remove
    its ledger row: it was undone by hand, or its files are gone for good) or ``accept``
    (record the current files' checksums for a modified or down-modified migration).
    """
    from schemactl.run.runner import entry_for

    migrations = load_directory(settings.dir)
    with control.run_lock(settings, "repair", hooks.on_lock_wait, hooks.on_migration_wait) as (
        conn,
        table,
    ):
        present = ledger.columns(conn, table)
        if present:
            ledger.ensure(conn, table, present)
        rows = ledger.read(conn, table, present)
        statuses = {s.version: s for s in compute_status(migrations, rows, downs=True)}
        target = statuses.get(version)
        if target is None or target.row is None:
            raise UsageError(
                f"version {version} is not in the ledger", hint="'schemactl status' lists versions"
            )
        _check_repair(target, action)
        if action == "forget":
            ledger.forget(conn, table, version)
        elif action == "applied":
            ledger.mark_clean(conn, table, version, target.row.execution_ms or 0.0)
            if target.migration is not None:
                ledger.accept_checksum(conn, table, entry_for(target.migration))
        else:
            assert target.migration is not None
            ledger.accept_checksum(conn, table, entry_for(target.migration))
    return RepairResult(version, target.name, target.state, action)


_REPAIRS = {
    "applied": {State.DIRTY},
    "forget": {State.DIRTY, State.MODIFIED, State.MISSING},
    "accept": {State.MODIFIED, State.DOWN_MODIFIED},
}


def _check_repair(target: VersionStatus, action: str) -> None:
    allowed = _REPAIRS[action]
    if target.state in allowed:
        return
    raise RefusedError(
        f"version {target.version} is {target.state.value}; --{action} applies only to "
        + " or ".join(sorted(s.value for s in allowed))
        + " versions",
        hint="'schemactl status' shows each version's state",
    )
