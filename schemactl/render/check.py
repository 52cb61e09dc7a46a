"""Rendering a check report: for people, as JSON, and as GitHub annotations.

Computes nothing: the report comes from ``check.check_directory``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from schemactl.check.report import CheckReport
from schemactl.lint import Finding, Severity
from schemactl.render.terminal import Terminal

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def human(terminal: Terminal, report: CheckReport) -> None:
    """Findings grouped by migration, each with why and what to do instead; then a verdict."""
    by_version: dict[int | None, list[Finding]] = {}
    for finding in report.findings:
        by_version.setdefault(finding.version, []).append(finding)
    for finding in by_version.pop(None, []):
        _finding(terminal, finding)
    for version, name in report.migrations:
        findings = by_version.pop(version, [])
        rerun = report.reruns.get(version)
        line = Text(f"{version} {name}", style="bold")
        if rerun is not None:
            line.append(f"  (re-run: {rerun.value})", style="dim")
        elif _unchecked(report, version):
            line.append("  (not round-tripped: an earlier migration failed)", style="yellow")
        if findings or not terminal.quiet:
            terminal.data(line)
        for finding in findings:
            _finding(terminal, finding)
    for findings in by_version.values():  # findings for versions not in the directory
        for finding in findings:
            _finding(terminal, finding)
    terminal.data(verdict(report), style="bold green" if report.passed else "bold red")


def _finding(terminal: Terminal, f: Finding) -> None:
    where = f"{f.path}:{f.line}" if f.line else str(f.path)
    text = Text("  ")
    text.append(f"{f.severity.value}", style=_STYLE[f.severity])
    text.append(f" [{f.rule}] {where}: {f.message}")
    terminal.data(text)
    for label, value in (("why", f.why), ("instead", f.instead)):
        if value:
            terminal.data(f"      {label}: {value}", style="dim")
    if f.detail:
        for detail_line in f.detail.splitlines():
            terminal.data(f"      {detail_line}")


def verdict(report: CheckReport) -> str:
    """One line: passed or failed, what was checked, and the counts."""
    counts = ", ".join(_counted(report.count(s), s) for s in Severity)
    if not report.loaded:
        checked = "the directory did not load"
    elif report.stopped_at is not None:
        checked = (
            f"{len(report.migrations)} migration(s), round trips stopped at {report.stopped_at}"
        )
    else:
        checked = f"{len(report.migrations)} migration(s)"
        checked += ", round trips run" if report.round_trip_done else ", lint only"
    word = "passed" if report.passed else "failed"
    return f"check {word}: {report.directory}: {checked}; {counts}"


def _unchecked(report: CheckReport, version: int) -> bool:
    return report.stopped_at is not None and version > report.stopped_at


def _counted(count: int, severity: Severity) -> str:
    plural = "s" if count != 1 and severity is not Severity.INFO else ""
    return f"{count} {severity.value}{plural}"


def to_json(report: CheckReport) -> dict[str, Any]:
    """``check --json``: stable keys, findings sorted as in the human report."""
    return {
        "directory": str(report.directory),
        "passed": report.passed,
        "strict": report.options.strict,
        "round_trip": report.round_trip_done,
        "stopped_at": report.stopped_at,
        "migrations": [
            {
                "version": version,
                "name": name,
                "rerun": report.reruns[version].value if version in report.reruns else None,
            }
            for version, name in report.migrations
        ],
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "file": str(f.path),
                "line": f.line,
                "version": f.version,
                "message": f.message,
                "why": f.why,
                "instead": f.instead,
                "detail": f.detail,
            }
            for f in report.findings
        ],
        "summary": {s.value: report.count(s) for s in Severity},
    }


_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github_annotations(report: CheckReport) -> list[str]:
    """One ``::error``/``::warning``/``::notice`` workflow command per finding."""
    lines = []
    for f in report.findings:
        props = f"file={_property(str(f.path))}"
        if f.line:
            props += f",line={f.line}"
        props += f",title={_property(f.rule)}"
        body = f.message + (f"\n{f.detail}" if f.detail else "")
        lines.append(f"::{_COMMANDS[f.severity]} {props}::{_data(body)}")
    return lines


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
