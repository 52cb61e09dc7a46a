"""Machine-readable output. Keys are snake_case and documented in README; never renamed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from schemactl.dsn import mask
from schemactl.errors import FileProblem, MigrationFailedError, MigrationFileError, SchemactlError

if TYPE_CHECKING:
    # Only named in annotations: a failing command that prints its error as JSON may never
    # have loaded them (a bad option value stops before the command runs).
    from schemactl.operations import RunResult, StatusReport
    from schemactl.run.guard import GuardCleared, GuardWaiting
    from schemactl.run.plan import VersionStatus
    from schemactl.run.watch import Observation


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, default=str)


def _version(s: VersionStatus) -> dict[str, Any]:
    row = s.row
    return {
        "version": s.version,
        "name": s.name,
        "state": s.state.value,
        "applied_at": row.applied_at.isoformat() if row and row.applied_at else None,
        "applied_by": row.applied_by if row else None,
        "execution_ms": round(row.execution_ms, 3)
        if row and row.execution_ms is not None
        else None,
        "checksum": row.checksum if row else None,
        "file_checksum": s.file_checksum,
        "down_checksum": row.down_checksum if row else None,
        "down_file_checksum": s.down_file_checksum,
        "statements_done": row.statements_done if row and row.dirty else None,
        "statement_sent": row.statement_sent if row and row.dirty else None,
        **_transaction(s),
    }


def _transaction(s: VersionStatus) -> dict[str, Any]:
    """How the up file runs: in one transaction or none; whether schemactl's transaction
    replaces its own BEGIN ... COMMIT; the statement that makes it run outside one alone."""
    up = s.migration.up if s.migration is not None else None
    if up is None:
        return {"transaction": None, "wrapped": None, "runs_alone": None}
    return {
        "transaction": "none" if up.no_transaction else "one",
        "wrapped": up.wrapper is not None,
        "runs_alone": up.runs_alone,
    }


def status(report: StatusReport) -> dict[str, Any]:
    """``status --json``: every version, statement changes of modified ones, and counts."""
    from schemactl.run.ledger import baselined_from

    versions = []
    for s in report.statuses:
        item = _version(s)
        # null for a version schemactl ran; 'baseline' or the adopted tool's name otherwise
        item["baselined_from"] = baselined_from(s.row)
        if s.version in report.changes:
            item["changed_statements"] = [
                {
                    "kind": c.kind,
                    "applied_index": c.applied_index,
                    "current_index": c.current_index,
                    "applied": c.applied,
                    "current": c.current,
                }
                for c in report.changes[s.version]
            ]
        versions.append(item)
    summary: dict[str, int] = {}
    for s in report.statuses:
        summary[s.state.value] = summary.get(s.state.value, 0) + 1
    return {
        "directory": str(report.directory),
        "ledger_table": report.ledger_table,
        "migrations": versions,
        "summary": summary,
    }


def run(result: RunResult) -> dict[str, Any]:
    """``up --json`` / ``down --json``: the plan and what ran."""
    return {
        "direction": result.plan.direction.value,
        "dry_run": result.dry_run,
        "planned": [
            {"version": s.migration.version, "name": s.migration.name} for s in result.plan.steps
        ],
        "ran": [
            {
                "version": r.step.migration.version,
                "name": r.step.migration.name,
                "duration_ms": round(r.duration_ms, 3),
            }
            for r in result.results
        ],
    }


def dumps_line(value: Any) -> str:
    """One JSON document on one line (a line of an event stream)."""
    return json.dumps(value, separators=(", ", ": "), default=str)


def observation(seen: Observation) -> dict[str, Any]:
    """A ``--json`` run's event on stderr: what a slow migration's session is doing."""
    return {
        "event": "waiting" if seen.waiting else "running",
        "version": seen.step.migration.version,
        "name": seen.step.migration.name,
        "pid": seen.pid,
        "elapsed_seconds": round(seen.elapsed_seconds, 3),
        "waiting_for": seen.waiting_for,
        "wait_event": seen.wait_event,
        "blockers": [
            {
                "pid": b.pid,
                "application_name": b.application_name,
                "user": b.user,
                "client": b.client,
                "state": b.state,
                "state_seconds": _rounded(b.state_seconds),
                "transaction_start": b.transaction_start.isoformat()
                if b.transaction_start
                else None,
                "transaction_seconds": _rounded(b.transaction_seconds),
                "query": b.query,
            }
            for b in seen.blockers
        ],
    }


def guard_event(event: GuardWaiting | GuardCleared) -> dict[str, Any]:
    """A ``--json`` run's event on stderr: ``up --guard`` waits for sessions, or stops."""
    from schemactl.run.guard import GuardWaiting

    step = {"version": event.step.migration.version, "name": event.step.migration.name}
    if not isinstance(event, GuardWaiting):
        return {"event": "guard_cleared", **step, "waited_seconds": round(event.waited_seconds, 3)}
    holders = [
        {
            "pid": h.pid,
            "application_name": h.application_name,
            "user": h.user,
            "client": h.client,
            "state": h.state,
            "transaction_start": h.transaction_start.isoformat() if h.transaction_start else None,
            "transaction_seconds": _rounded(h.transaction_seconds),
            "relation": h.relation,
            "mode": h.mode,
            "query": h.query,
        }
        for h in event.holders
    ]
    return {"event": "guard_waiting", **step, "holders": holders}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def error(
    message: str,
    exit_code: int,
    *,
    detail: str | None = None,
    hint: str | None = None,
    file: Path | None = None,
    line: int | None = None,
    sqlstate: str | None = None,
    dirty: bool | None = None,
    problems: Sequence[FileProblem] = (),
) -> dict[str, Any]:
    """What a ``--json`` command prints instead of its result when it fails.

    Every key is always there, null when unknown or not applying. Every string is masked as
    the message on stderr is, DSN patterns included: an error can quote what was typed, such
    as a connection string.
    """
    return {
        "error": {
            "message": mask(message),
            "detail": _masked(detail),
            "hint": _masked(hint),
            "exit_code": int(exit_code),
            "file": _masked(str(file) if file is not None else None),
            "line": line,
            "sqlstate": sqlstate,
            "dirty": dirty,
            "problems": [
                {"file": mask(str(p.path)), "line": p.line, "message": mask(p.message)}
                for p in problems
            ],
        }
    }


def schemactl_error(exc: SchemactlError) -> dict[str, Any]:
    """``error`` for a SchemactlError, with what its class knows beyond the three parts."""
    file, line = exc.location()
    return error(
        exc.message,
        int(exc.exit_code),
        detail=exc.detail,
        hint=exc.hint,
        file=file,
        line=line,
        sqlstate=exc.sqlstate,
        dirty=exc.dirty if isinstance(exc, MigrationFailedError) else None,
        problems=exc.problems if isinstance(exc, MigrationFileError) else (),
    )


def _masked(text: str | None) -> str | None:
    return None if text is None else mask(text)
