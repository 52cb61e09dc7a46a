"""A fleet's output: a line per target as it ends (stderr), one table (stdout), ``--json``.

Targets end in worker threads; each line is written whole under one lock, so lines from two
targets never interleave. No URL is ever shown, only where it points (``Target.label``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from schemactl.errors import MigrationFailedError, SchemactlError
from schemactl.fleet.summary import Done, FleetResult, Outcome, Stop, TargetResult
from schemactl.render.terminal import Terminal
from schemactl.run.plan import State

if TYPE_CHECKING:
    from schemactl.fleet.compare import TargetDiff
    from schemactl.fleet.drift import Drift
    from schemactl.fleet.targets import Target
    from schemactl.operations import RunResult, StatusReport
    from schemactl.review.report import PlanReport
    from schemactl.run.db import LockHolder

_MARKS = {
    Outcome.SUCCEEDED: ("ok", "green"),
    Outcome.FAILED: ("FAILED", "bold red"),
    Outcome.INTERRUPTED: ("interrupted", "yellow"),
    Outcome.NOT_STARTED: ("not started", "dim"),
}
_PROBLEMS = (
    State.PENDING,
    State.MODIFIED,
    State.DOWN_MODIFIED,
    State.MISSING,
    State.DIRTY,
    State.OUT_OF_ORDER,
)
_STOPS = {
    Stop.CANARY: "the canary failed: no other target was started",
    Stop.FAILURE: "a target failed (--on-failure stop): no new target was started",
    Stop.INTERRUPT: "interrupted: no new target was started",
}


class FleetProgress:
    """``on_end`` for a rollout: one line per target as it ends, on stderr."""

    def __init__(self, terminal: Terminal, describe: Callable[[TargetResult[Any]], str]):
        self.terminal = terminal
        self.describe = describe
        self.lock = threading.Lock()

    def __call__(self, result: TargetResult[Any]) -> None:
        mark, style = _MARKS[result.outcome]
        line = f"{mark:<6} {result.target.name}  {self.describe(result)}  {_seconds(result)}"
        with self.lock:
            self.terminal.progress(line.rstrip(), style=style)

    def lock_wait(self, target: Target, holder: LockHolder | None) -> None:
        who = str(holder) if holder else "another session (it has just released it)"
        with self.lock:
            self.terminal.progress(
                f"{target.name}: waiting for the run lock, held by {who}", style="yellow"
            )


def _seconds(result: TargetResult[Any]) -> str:
    if result.outcome is Outcome.NOT_STARTED:
        return ""
    return f"{result.seconds * 1000:.0f} ms" if result.seconds < 10 else f"{result.seconds:.1f} s"


def versions_text(versions: Sequence[int]) -> str:
    """``1..5, 7``: runs of consecutive versions joined."""
    parts: list[str] = []
    run: list[int] = []
    for version in versions:
        if run and version != run[-1] + 1:
            parts.append(_run_text(run))
            run = []
        run.append(version)
    if run:
        parts.append(_run_text(run))
    return ", ".join(parts)


def _run_text(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}..{run[-1]}"


def failure_text(error: SchemactlError | None) -> str:
    """A failure in one line: file:line, SQLSTATE and the server's words for a migration."""
    if error is None:
        return ""
    if isinstance(error, MigrationFailedError):
        shown = error.sqlstate and error.sqlstate not in error.reason
        state = f" [{error.sqlstate}]" if shown else ""
        return f"{error.path}:{error.line}{state} {error.reason}"
    return error.message


def run_line(verb: str) -> Callable[[TargetResult[RunResult]], str]:
    """What a progress line says of one target of ``up``/``down`` (``verb``: applied...)."""

    def describe(result: TargetResult[RunResult]) -> str:
        done = _done_text(verb, result.done)
        if result.outcome is Outcome.SUCCEEDED and result.value is not None:
            if result.value.dry_run:
                planned = [s.migration.version for s in result.value.plan.steps]
                return f"would run {versions_text(planned)}" if planned else "nothing to do"
            return done or "nothing to do"
        failure = failure_text(result.error)
        flight = result.in_flight
        if flight is not None:
            failure = (
                f"{flight.version} {flight.name} was running: committed or rolled back (see status)"
            )
        return "; ".join(part for part in (done, failure) if part)

    return describe


def _done_text(verb: str, done: Sequence[Done]) -> str:
    if not done:
        return ""
    return f"{verb} {len(done)}: {versions_text([d.version for d in done])}"


def run_table(terminal: Terminal, result: FleetResult[RunResult], verb: str) -> None:
    """Every target of ``up``/``down`` with its outcome, what it ran, its failure, its time."""
    describe = run_line(verb)
    rows = [
        [r.target.name, r.target.group or "", _MARKS[r.outcome][0], describe(r), _seconds(r)]
        for r in result.results
    ]
    _table(terminal, ["target", "group", "outcome", "migrations", "time"], rows, result)
    closing(terminal, result)


def _table(
    terminal: Terminal, header: list[str], rows: list[list[str]], result: FleetResult[Any]
) -> None:
    if terminal.plain_out:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for cells in [header, *rows]:
            terminal.data(
                "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
            )
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in header:
        table.add_column(column)
    for r, cells in zip(result.results, rows, strict=True):
        outcome = Text(cells[2], style=_MARKS[r.outcome][1])
        table.add_row(cells[0], cells[1], outcome, *cells[3:])
    terminal.table(table)


def closing(terminal: Terminal, result: FleetResult[Any]) -> None:
    """The closing line: how many targets ended each way, and why the run stopped early."""
    counts = [
        f"{result.count(outcome)} {outcome.value.replace('_', ' ')}"
        for outcome in Outcome
        if result.count(outcome)
    ]
    terminal.progress(f"{len(result.results)} targets: {', '.join(counts)}", style="bold")
    if result.stopped is not None:
        terminal.warning(_STOPS[result.stopped])


def _target_json(result: TargetResult[Any]) -> dict[str, Any]:
    from schemactl.render import json as render_json

    return {
        "name": result.target.name,
        "group": result.target.group,
        "database": result.target.label,
        "wave": result.wave,
        "outcome": result.outcome.value,
        "duration_ms": round(result.seconds * 1000, 3),
        "error": render_json.schemactl_error(result.error)["error"] if result.error else None,
    }


def _fleet_json(result: FleetResult[Any], targets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "exit_code": result.exit_code,
        "stopped": result.stopped.value if result.stopped else None,
        "summary": {outcome.value: result.count(outcome) for outcome in Outcome},
        "targets": targets,
    }


def run_json(result: FleetResult[RunResult], direction: str, dry_run: bool) -> dict[str, Any]:
    """``up --targets --json`` / ``down``: per target what ran (``done``) and what was
    planned (known when the plan was made: a target that failed before has none)."""
    targets = []
    for r in result.results:
        item = _target_json(r)
        plan = r.value.plan.steps if r.value is not None else ()
        item["planned"] = [{"version": s.migration.version, "name": s.migration.name} for s in plan]
        item["ran"] = [{"version": d.version, "name": d.name} for d in r.done]
        flight = r.in_flight
        item["in_flight"] = {"version": flight.version, "name": flight.name} if flight else None
        targets.append(item)
    return {"direction": direction, "dry_run": dry_run, **_fleet_json(result, targets)}


def status_table(terminal: Terminal, result: FleetResult[StatusReport], drift: Drift) -> None:
    """One row per target: counts by state, the highest version applied and the first one it
    lacks; then, when targets disagree, a matrix of only the versions they disagree on."""
    from schemactl.fleet.drift import first_not_applied, highest_applied

    rows = []
    for r in result.results:
        report = r.value
        if report is None:
            rows.append(
                [
                    r.target.name,
                    r.target.group or "",
                    _MARKS[r.outcome][0],
                    "",
                    "",
                    "",
                    failure_text(r.error),
                ]
            )
            continue
        lacks = first_not_applied(report)
        problems = [
            f"{report.count(state)} {state.value}" for state in _PROBLEMS if report.count(state)
        ]
        applied = report.count(State.APPLIED) + report.count(State.DOWN_MODIFIED)
        rows.append(
            [
                r.target.name,
                r.target.group or "",
                "ok" if not report.needs_attention else "attention",
                f"{applied}/{len(report.statuses)}",
                str(highest_applied(report) or "-"),
                f"{lacks.version} {lacks.name}" if lacks is not None else "-",
                ", ".join(problems),
            ]
        )
    header = ["target", "group", "state", "applied", "highest", "first not applied", "problems"]
    _table(terminal, header, rows, result)
    if drift.differing:
        _drift_matrix(terminal, result, drift)
    closing(terminal, result)


def _drift_matrix(terminal: Terminal, result: FleetResult[StatusReport], drift: Drift) -> None:
    shown = drift.differing[:12]
    terminal.data()
    more = f" (first 12 of {len(drift.differing)})" if len(drift.differing) > 12 else ""
    terminal.data(f"versions the targets disagree on{more}:")
    header = ["target", *map(str, shown)]
    rows = []
    for r in result.results:
        if r.value is None:
            continue
        states = {s.version: s.state.value for s in r.value.statuses}
        rows.append([r.target.name, *(_short(states.get(v)) for v in shown)])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for cells in [header, *rows]:
        terminal.data("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


def _short(state: str | None) -> str:
    return {"applied": "+", "pending": ".", None: " "}.get(state, state or " ")


def status_json(result: FleetResult[StatusReport], drift: Drift) -> dict[str, Any]:
    """``status --targets --json``: each target's ``status --json`` document under
    ``status``, the first version it lacks, and the versions the targets disagree on."""
    from schemactl.fleet.drift import first_not_applied, highest_applied
    from schemactl.render import json as render_json

    targets = []
    for r in result.results:
        item = _target_json(r)
        report = r.value
        lacks = first_not_applied(report) if report is not None else None
        item["highest_applied"] = highest_applied(report) if report is not None else None
        item["first_not_applied"] = lacks.version if lacks is not None else None
        item["needs_attention"] = report.needs_attention if report is not None else None
        item["status"] = render_json.status(report) if report is not None else None
        targets.append(item)
    return {
        **_fleet_json(result, targets),
        "versions": list(drift.versions),
        "differing_versions": list(drift.differing),
    }


def diff_table(terminal: Terminal, result: FleetResult[TargetDiff]) -> None:
    """One row per target: equal, or how many changes; then each differing target's report."""
    from schemactl.render import diff as render_diff

    rows = []
    for r in result.results:
        d = r.value
        if d is None:
            text = failure_text(r.error)
        elif d.identical:
            text = "equal"
        else:
            text = f"{len(d.changes)} difference(s)"
        through = versions_text(d.versions) if d is not None and d.versions else "-"
        rows.append([r.target.name, r.target.group or "", _MARKS[r.outcome][0], through, text])
    _table(terminal, ["target", "group", "outcome", "versions", "schema"], rows, result)
    for r in result.results:
        if r.value is None or r.value.identical:
            continue
        terminal.data()
        terminal.data(f"{r.target.name} ({r.target.label}):", style="bold")
        render_diff.render_changes(
            terminal.out,
            r.value.changes,
            expected_label="migration files",
            actual_label=r.target.name,
        )
    closing(terminal, result)


def diff_json(result: FleetResult[TargetDiff], with_sql: bool) -> dict[str, Any]:
    """``diff --targets --json``: per target whether it is identical, and its changes."""
    from schemactl.render import diff as render_diff

    targets = []
    for r in result.results:
        item = _target_json(r)
        d = r.value
        item["versions"] = list(d.versions) if d is not None else None
        item["identical"] = d.identical if d is not None else None
        item["changes"] = render_diff.changes_to_json(d.changes) if d is not None else None
        item["notes"] = list(d.notes) if d is not None else []
        if with_sql:
            item["suggested_sql"] = d.suggestions if d is not None else None
        targets.append(item)
    return {
        **_fleet_json(result, targets),
        "differing": sum(
            1 for r in result.results if r.value is not None and not r.value.identical
        ),
    }


def plan_json(result: FleetResult[PlanReport]) -> dict[str, Any]:
    """``plan --targets --json``: per target its plan, as ``plan --json`` prints it."""
    from schemactl.render import plan as render_plan

    targets = []
    for r in result.results:
        item = _target_json(r)
        item["plan"] = render_plan.to_json(r.value) if r.value is not None else None
        targets.append(item)
    return _fleet_json(result, targets)


def plan_markdown(result: FleetResult[PlanReport]) -> str:
    """One section per target, each its plan as ``plan --markdown`` writes it."""
    from schemactl.render import plan as render_plan

    parts = []
    for r in result.results:
        parts.append(f"# {r.target.name} ({r.target.label})\n")
        if r.value is not None:
            parts.append(render_plan.markdown(r.value))
        else:
            parts.append(f"Not planned: {failure_text(r.error)}\n")
    return "\n".join(parts)


def plan_text(terminal: Terminal, result: FleetResult[PlanReport]) -> None:
    """Each target's plan under its name, then the closing line."""
    from schemactl.render import plan as render_plan

    for r in result.results:
        terminal.data(f"== {r.target.name} ({r.target.label})", style="bold")
        if r.value is not None:
            render_plan.human(terminal, r.value)
        else:
            terminal.data(f"not planned: {failure_text(r.error)}")
        terminal.data()
    closing(terminal, result)
