"""Machine-readable output. Keys are snake_case and documented in README; never renamed."""

from __future__ import annotations

import json
from typing import Any

from schemactl.operations import RunResult, StatusReport
from schemactl.run.plan import VersionStatus


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, default=str)


def _version(s: VersionStatus) -> dict[str, Any]:
    row = s.row
    return {
        "version": s.version,
        "name": s.name,
        "state": s.state.value,
        "applied_at": row.applied_at.isoformat() if row else None,
        "applied_by": row.applied_by if row else None,
        "execution_ms": round(row.execution_ms, 3) if row else None,
        "checksum": row.checksum if row else None,
        "file_checksum": s.file_checksum,
        "statements_done": row.statements_done if row and row.dirty else None,
    }


def status(report: StatusReport) -> dict[str, Any]:
    """``status --json``: every version, statement changes of modified ones, and counts."""
    versions = []
    for s in report.statuses:
        item = _version(s)
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
