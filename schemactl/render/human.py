"""Human-readable output: progress from runner events, plans, run summaries, status tables."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from schemactl.db import LockHolder
from schemactl.operations import RepairResult, RunResult, StatusReport
from schemactl.plan import Direction, Plan, State
from schemactl.render.terminal import Terminal
from schemactl.runner import (
    Event,
    MigrationFailed,
    MigrationFinished,
    MigrationStarted,
    RetryScheduled,
)

STATE_STYLES = {
    State.APPLIED: "green",
    State.PENDING: "yellow",
    State.MODIFIED: "bold red",
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

    def __call__(self, event: Event) -> None:
        if isinstance(event, MigrationFinished):
            verb = "applied" if event.step.direction is Direction.UP else "rolled back"
            label = event.step.migration.label
            self.terminal.progress(
                Text.assemble((f"{verb} ", "green"), label, (f"  {_ms(event.duration_ms)}", "dim"))
            )
        elif isinstance(event, RetryScheduled):
            self.terminal.progress(
                f"lock not available for {event.step.migration.label} (attempt {event.attempt}): "
                f"{event.reason}; retrying in {event.delay_seconds:g}s",
                style="yellow",
            )
        elif isinstance(event, MigrationStarted) and event.step.start:
            self.terminal.progress(
                f"resuming {event.step.migration.label} at statement {event.step.start + 1}"
            )
        elif isinstance(event, MigrationFailed):
            verb = "up" if event.step.direction is Direction.UP else "down"
            state = "left dirty" if event.error.dirty else "rolled back"
            self.terminal.progress(
                f"failed {event.step.migration.label} ({verb}, {state})", style="red"
            )


def lock_wait(terminal: Terminal, holder: LockHolder | None) -> None:
    """Say who holds the run lock while we wait for it."""
    who = str(holder) if holder else "another session (it has just released it)"
    terminal.progress(f"waiting for the run lock, held by {who}", style="yellow")


def plan_sql(terminal: Terminal, plan: Plan) -> None:
    """Print a dry run's plan and its SQL on stdout; touches nothing."""
    if not plan.steps:
        terminal.data("-- nothing to do")
        return
    for step in plan.steps:
        script = step.migration.up if step.direction is Direction.UP else step.migration.down
        assert script is not None
        mode = "no transaction" if script.no_transaction else "one transaction"
        terminal.data(
            f"-- {step.direction.value} {step.migration.label} ({script.path.name}, {mode})"
        )
        for statement in script.statements[step.start :]:
            terminal.data(statement.text + ";")
        terminal.data()


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


def status_table(terminal: Terminal, report: StatusReport) -> None:
    """Every version with its state, then the statement diff of modified ones, then counts."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("version", "name", "state", "applied at", "duration"):
        table.add_column(column, justify="right" if column in ("version", "duration") else "left")
    for s in report.statuses:
        row = s.row
        applied = f"{row.applied_at:%Y-%m-%d %H:%M:%S}" if row else ""
        duration = _ms(row.execution_ms) if row else ""
        state = Text(s.state.value.replace("_", " "), style=STATE_STYLES[s.state])
        table.add_row(str(s.version), s.name, state, applied, duration)
    if report.statuses:
        terminal.table(table)
    else:
        terminal.data(f"no migrations in {report.directory} and none applied")
    for version, changes in report.changes.items():
        terminal.data(f"\nmigration {version} changed since it was applied:", style="bold")
        for change in changes:
            index = (
                change.current_index if change.current_index is not None else change.applied_index
            )
            assert index is not None
            terminal.data(f"  statement {index + 1} {change.kind}:")
            if change.applied is not None:
                terminal.data(Text("  - " + change.applied, style="red"))
            if change.current is not None:
                terminal.data(Text("  + " + change.current, style="green"))
    counts = ", ".join(
        f"{report.count(state)} {state.value.replace('_', ' ')}"
        for state in State
        if report.count(state)
    )
    terminal.progress(counts or "nothing to report")


def repair_done(terminal: Terminal, result: RepairResult) -> None:
    what = {
        "applied": "marked applied",
        "forget": "removed from the ledger",
        "accept": "accepted its current file",
    }[result.action]
    terminal.progress(f"version {result.version} {result.name} (was {result.before.value}): {what}")
