"""Human-readable output: progress from runner events, plans, run summaries, status tables."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from schemactl.dsn import mask
from schemactl.operations import RepairResult, RunResult, StatusReport
from schemactl.render.adopt import baselined_lines
from schemactl.render.terminal import Terminal
from schemactl.run.db import LockHolder
from schemactl.run.plan import (
    Direction,
    DownChange,
    Plan,
    State,
    Step,
    VersionStatus,
    down_change,
)

if TYPE_CHECKING:
    from rich.table import Table

    from schemactl.files.migrations import Script
    from schemactl.run.runner import Event

STATE_STYLES = {
    State.APPLIED: "green",
    State.PENDING: "yellow",
    State.MODIFIED: "bold red",
    State.DOWN_MODIFIED: "bold red",
    State.MISSING: "bold red",
    State.DIRTY: "bold red",
    State.OUT_OF_ORDER: "magenta",
}


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


class RunProgress:
    """Turns runner events into one line per migration on stderr."""

    def __init__(self, terminal: Terminal):
        self.terminal = terminal
        # Without colour (a pipe, a CI log) a line is only its text: writing it straight to
        # the stream costs a microsecond where rich's rendering costs some 200, which adds up
        # over a thousand migrations.
        self.plain = terminal.plain_err

    def __call__(self, event: Event) -> None:
        # Events exist only once something runs; a no-op run never imports the runner.
        from schemactl.run.runner import (
            InvalidIndexDropped,
            MigrationFailed,
            MigrationFinished,
            MigrationStarted,
            OutcomeSettled,
            RetryScheduled,
        )

        if isinstance(event, MigrationFinished):
            verb = "applied" if event.step.direction is Direction.UP else "rolled back"
            label = event.step.migration.label
            duration = _ms(event.duration_ms)
            alone = _runs_alone(event.step)
            if alone is not None:
                duration += f"  (no transaction: {alone} cannot run in one)"
            if self.plain:
                self._write(f"{verb} {label}  {duration}")
                return
            from rich.text import Text

            self.terminal.progress(
                Text.assemble((f"{verb} ", "green"), label, (f"  {duration}", "dim"))
            )
        elif isinstance(event, RetryScheduled):
            self.terminal.progress(
                f"lock not available for {event.step.migration.label} (attempt {event.attempt}): "
                f"{event.reason}; retrying in {event.delay_seconds:g}s",
                style="yellow",
            )
        elif isinstance(event, MigrationStarted) and event.step.resuming:
            self.terminal.progress(
                f"resuming {event.step.migration.label} at statement {event.step.start + 1}"
            )
        elif isinstance(event, OutcomeSettled):
            self.terminal.progress(
                f"statement {event.index + 1} of {event.step.migration.label}, sent before the "
                f"run stopped: {event.reason}; {event.decision}"
            )
        elif isinstance(event, InvalidIndexDropped):
            self.terminal.progress(
                f"dropped the invalid index {', '.join(event.names)} left by the interrupted "
                f"build in {event.step.migration.label}",
                style="yellow",
            )
        elif isinstance(event, MigrationFailed):
            verb = "up" if event.step.direction is Direction.UP else "down"
            error = event.error
            state = "left dirty" if error.dirty else error.outcome or "rolled back"
            self.terminal.progress(
                f"failed {event.step.migration.label} ({verb}, {state})", style="red"
            )

    def _write(self, line: str) -> None:
        if not self.terminal.quiet:
            self.terminal.stderr.write(mask(line) + "\n")


def _runs_alone(step: Step) -> str | None:
    return step.script.runs_alone


def lock_wait(terminal: Terminal, holder: LockHolder | None) -> None:
    """Say who holds the run lock while we wait for it."""
    who = str(holder) if holder else "another session (it has just released it)"
    terminal.progress(f"waiting for the run lock, held by {who}", style="yellow")


def migration_wait(terminal: Terminal, holder: LockHolder | None) -> None:
    """Say that a migration an earlier run sent is still running, and where."""
    where = f" in {holder}" if holder else ""
    terminal.progress(
        f"waiting for a migration an earlier run sent, still running on the server{where}",
        style="yellow",
    )


def plan_sql(terminal: Terminal, plan: Plan) -> None:
    """Print a dry run's plan and its SQL on stdout; touches nothing."""
    if not plan.steps:
        terminal.data("-- nothing to do")
        return
    for step in plan.steps:
        script = step.script
        terminal.data(
            f"-- {step.direction.value} {step.migration.label} ({script.path.name}, "
            f"{transaction_mode(script)})"
        )
        locks = _static_locks(script)
        for statement in script.statements[step.start :]:
            for line in locks.get(statement.index + 1, ()):
                terminal.data(line)
            terminal.data(statement.text + ";")
        terminal.data()


def _static_locks(script: Script) -> dict[int, list[str]]:
    """The locks each statement takes on existing relations, read from its text (``plan``
    observes them on a scratch copy of the schema), by statement number (1-based)."""
    from schemactl.run.locking import targets

    found: dict[int, list[str]] = {}
    for target in targets(script):
        found.setdefault(target.statement, []).append(
            f"-- locks {target.relation}: {_mode_name(target.mode)} "
            "(read from the statement; 'schemactl plan' observes it)"
        )
    return found


def _mode_name(mode: str) -> str:
    """``AccessExclusiveLock`` (pg_locks' spelling) as the documentation writes it."""
    words = "".join(f" {c}" if c.isupper() else c for c in mode.removesuffix("Lock"))
    return words.strip().upper()


def transaction_mode(script: Script) -> str:
    """How a file runs, as a dry run's header says it."""
    if script.runs_alone is not None:
        return f"no transaction: its only statement, {script.runs_alone}, cannot run in one"
    if script.no_transaction:
        return "no transaction"
    wrapper = script.wrapper
    if wrapper is not None:
        return (
            f"one transaction, in place of its own BEGIN (line {wrapper.begin.line}) and "
            f"COMMIT (line {wrapper.end.line})"
        )
    return "one transaction"


def run_summary(terminal: Terminal, result: RunResult) -> None:
    """The closing line of ``up``/``down``."""
    if result.dry_run:
        terminal.progress(f"dry run: {len(result.plan.steps)} migration(s) planned, nothing run")
        return
    if not result.results:
        terminal.progress(
            "nothing to do: the database is up to date"
            if result.plan.direction is Direction.UP
            else "nothing to roll back"
        )
        return
    total = sum(r.duration_ms for r in result.results)
    verb = "applied" if result.plan.direction is Direction.UP else "rolled back"
    terminal.progress(f"{verb} {len(result.results)} migration(s) in {_ms(total)}", style="bold")


_STATUS_COLUMNS = ("version", "name", "state", "applied at", "duration")
_RIGHT_ALIGNED = frozenset({0, 4})


def status_table(terminal: Terminal, report: StatusReport) -> None:
    """Every version with its state, then the statement diff of modified ones, then counts."""
    for note in report.notes:
        terminal.warning(note)
    rows = [_status_cells(s) for s in report.statuses]
    if not rows:
        terminal.data(f"no migrations in {report.directory} and none applied")
    elif terminal.plain_out:
        # Nothing to colour (a pipe, a CI log): the same layout as rich's table, written
        # directly; rich takes a second to lay out a thousand rows.
        terminal.data(_plain_table(list(_STATUS_COLUMNS), rows))
    else:
        terminal.table(_rich_table(report, rows))
    for version, changes in report.changes.items():
        terminal.data(f"\nmigration {version} changed since it was applied:", style="bold")
        for change in changes:
            index = (
                change.current_index if change.current_index is not None else change.applied_index
            )
            assert index is not None
            terminal.data(f"  statement {index + 1} {change.kind}:")
            if change.applied is not None:
                terminal.data("  - " + change.applied, style="red")
            if change.current is not None:
                terminal.data("  + " + change.current, style="green")
    down_changes = [s for s in report.statuses if s.state is State.DOWN_MODIFIED]
    if down_changes:
        terminal.data()
    for s in down_changes:
        terminal.data(_down_change_line(s), style="bold")
    adopted = baselined_lines(report.statuses)
    if adopted and not down_changes:
        terminal.data()
    for line in adopted:
        terminal.data(line)
    counts = ", ".join(
        f"{report.count(state)} {state.value.replace('_', ' ')}"
        for state in State
        if report.count(state)
    )
    terminal.progress(counts or "nothing to report")


def _down_change_line(s: VersionStatus) -> str:
    """What became of a down-modified migration's down file, naming it: the ledger keeps
    only its checksum, so there are no statements to show."""
    change = down_change(s)
    down = s.migration.down if s.migration is not None else None
    if change is DownChange.REMOVED or down is None:
        return f"migration {s.version}'s down file was removed after it was applied"
    if change is DownChange.ADDED:
        return f"migration {s.version}'s down file was added after it was applied: {down.path}"
    return f"migration {s.version}'s down file changed since it was applied: {down.path}"


def _status_cells(s: VersionStatus) -> list[str]:
    row = s.row
    applied = _timestamp(row.applied_at) if row and row.applied_at else ""
    duration = _ms(row.execution_ms) if row and row.execution_ms is not None else ""
    return [str(s.version), s.name, s.state.value.replace("_", " "), applied, duration]


def _timestamp(at: datetime) -> str:
    """``%Y-%m-%d %H:%M:%S``, in half strftime's time (a millisecond over a thousand rows);
    strftime does not pad a year before 1000 to four digits, so such a year keeps it."""
    return at.isoformat(" ", "seconds")[:19] if at.year >= 1000 else f"{at:%Y-%m-%d %H:%M:%S}"


def _plain_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    # One format for every line pads as rjust/ljust would, for a third of their time.
    layout = "  ".join(
        f"{{:{'>' if i in _RIGHT_ALIGNED else '<'}{w}}}" for i, w in enumerate(widths)
    )
    return "\n".join(layout.format(*r).rstrip() for r in [header, *rows])


def _rich_table(report: StatusReport, rows: list[list[str]]) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for i, column in enumerate(_STATUS_COLUMNS):
        table.add_column(column, justify="right" if i in _RIGHT_ALIGNED else "left")
    for s, cells in zip(report.statuses, rows, strict=True):
        state = Text(cells[2], style=STATE_STYLES[s.state])
        table.add_row(cells[0], cells[1], state, cells[3], cells[4])
    return table


def repair_done(terminal: Terminal, result: RepairResult) -> None:
    what = {
        "applied": "marked applied",
        "forget": "removed from the ledger",
        "accept": "accepted its current file",
    }[result.action]
    terminal.progress(f"version {result.version} {result.name} (was {result.before.value}): {what}")
