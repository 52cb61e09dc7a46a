"""Rendering a plan report: a terminal table, JSON, and Markdown for a pull-request comment.

Computes nothing: the report comes from ``review.plan.review``. Statements are shown as
sqlparse's formatter lays them out for reading; what runs is always the text as written.
"""

from __future__ import annotations

import re
from typing import Any

from schemactl.lint import Finding
from schemactl.render.terminal import Terminal
from schemactl.review.report import (
    Level,
    LockTaken,
    MigrationReview,
    OnTarget,
    PlanReport,
    Relation,
    Session,
    StatementReview,
)
from schemactl.review.verdict import size_text

_STYLE = {
    Level.SAFE: "green",
    Level.BRIEF: "yellow",
    Level.SCAN: "bold yellow",
    Level.REWRITE: "bold red",
    Level.QUEUE: "bold red",
}
_LEVEL_WORD = {
    Level.SAFE: "safe",
    Level.BRIEF: "brief lock",
    Level.SCAN: "scan",
    Level.REWRITE: "rewrite",
    Level.QUEUE: "queue",
}
WORST_SHOWN = 10


def formatted(sql: str) -> str:
    """``sql`` laid out for reading (upper-case keywords, one clause a line)."""
    import sqlparse

    return str(sqlparse.format(sql, reindent=True, keyword_case="upper")).strip()


# --- terminal -----------------------------------------------------------------------------


def human(terminal: Terminal, report: PlanReport) -> None:
    """The worst statements first, then every statement in plan order as a table."""
    from rich.table import Table
    from rich.text import Text

    terminal.progress(_headline(report))
    if not report.migrations:
        terminal.data("nothing pending: no statement to review")
        return
    ranked = [s for s in report.worst_first() if s.verdict.level > Level.SAFE][:WORST_SHOWN]
    if ranked:
        terminal.data(Text("worst first:", style="bold"))
    for statement in ranked:
        line = Text("  ")
        line.append(
            f"{_LEVEL_WORD[statement.verdict.level]:<10}", style=_STYLE[statement.verdict.level]
        )
        line.append(f" {statement.label}: {_verdict_line(statement)}")
        terminal.data(line)
    if ranked:
        terminal.data()
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("statement", "locks", "rewrites", "on target", "verdict"):
        table.add_column(column, overflow="fold")
    for statement in report.statements:
        table.add_row(
            f"{statement.version}:{statement.line} {_excerpt(statement.text)}",
            "\n".join(_lock_text(lock) for lock in statement.observation.locks) or "-",
            "\n".join(r.qualified for r in statement.observation.rewrites) or "-",
            "\n".join(_target_text(t) for t in statement.on_target) or "-",
            Text(_verdict_line(statement), style=_STYLE[statement.verdict.level]),
        )
    terminal.table(table)
    for statement in ranked:
        if statement.verdict.advice:
            terminal.data(f"{statement.label}: {statement.verdict.advice}", style="dim")
    for session in report.long_transactions:
        terminal.data(f"long transaction: {_session_text(session)}", style="yellow")


def _headline(report: PlanReport) -> str:
    count = len(report.migrations)
    where = f"on {report.target}" if report.target else "(no target: every migration)"
    return (
        f"plan: {count} pending migration(s) {where}, observed on {report.scratch} after "
        f"{report.applied} applied migration(s)"
    )


def _verdict_line(statement: StatementReview) -> str:
    verdict = statement.verdict
    if verdict.then:
        return f"{verdict.text}; then {verdict.then}"
    return verdict.text


def _excerpt(sql: str, width: int = 60) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _lock_text(lock: LockTaken) -> str:
    mark = " (documented)" if lock.source == "documented" else ""
    return f"{lock.mode.label} {lock.relation.qualified}{mark}"


def _target_text(found: OnTarget) -> str:
    if not found.exists:
        return f"{found.relation}: not there yet"
    rows = f"{found.rows:,} rows" if found.rows is not None else "rows unknown"
    size = size_text(found.total_bytes) + (" (estimated)" if found.size_estimated else "")
    return f"{found.relation}: {rows}, {size}"


def _session_text(session: Session) -> str:
    pid = f"pid {session.pid}" if session.pid is not None else "a prepared transaction"
    app = f" ({session.application_name})" if session.application_name else ""
    held = ""
    if session.mode is not None:
        verb = "holds" if session.granted else "waits for"
        held = f" {verb} {session.mode.label} on {session.relation},"
    state = f" {session.state}" if session.state else ""
    age = f" for {_duration(session.transaction_seconds)}" if session.transaction_seconds else ""
    started = (
        f", query started {session.query_start:%Y-%m-%d %H:%M:%S}" if session.query_start else ""
    )
    query = f": {_excerpt(session.query, 80)}" if session.query else ""
    return f"{pid}{app}{held}{state}{age}{started}{query}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# --- JSON ---------------------------------------------------------------------------------


def to_json(report: PlanReport) -> dict[str, Any]:
    """The report as README documents it; ``worst`` is the first of ``worst_first``."""
    worst = report.worst
    return {
        "directory": str(report.directory),
        "target": report.target,
        "scratch": report.scratch,
        "applied": report.applied,
        "worst": _statement_ref(worst) if worst is not None else None,
        "worst_first": [_statement_ref(s) for s in report.worst_first()],
        "migrations": [_migration_json(m) for m in report.migrations],
        "long_transactions": [_session_json(s) for s in report.long_transactions],
    }


def _statement_ref(statement: StatementReview) -> dict[str, Any]:
    return {
        "version": statement.version,
        "statement": statement.index + 1,
        "line": statement.line,
        "level": _LEVEL_WORD[statement.verdict.level],
        "verdict": _verdict_line(statement),
    }


def _migration_json(m: MigrationReview) -> dict[str, Any]:
    return {
        "version": m.version,
        "name": m.name,
        "file": str(m.path),
        "in_transaction": m.in_transaction,
        "holds_until_commit": [_lock_json(lock) for lock in m.holds_until_commit]
        if m.in_transaction
        else [],
        "findings": [_finding_json(f) for f in m.findings],
        "statements": [_statement_json(s) for s in m.statements],
    }


def _statement_json(s: StatementReview) -> dict[str, Any]:
    o = s.observation
    v = s.verdict
    return {
        "statement": s.index + 1,
        "line": s.line,
        "sql": s.text,
        "in_transaction": o.in_transaction,
        "locks_observed": o.observed,
        "locks": [_lock_json(lock) for lock in o.locks],
        "rewrites": [_relation_json(r) for r in o.rewrites],
        "scans": [
            {"relation": scan.relation.qualified, "what": scan.what, "clause": scan.clause}
            for scan in o.scans
        ],
        "on_target": [
            {
                "relation": t.relation,
                "exists": t.exists,
                "total_bytes": t.total_bytes,
                "size_estimated": t.size_estimated,
                "rows": t.rows,
            }
            for t in s.on_target
        ],
        "findings": [_finding_json(f) for f in s.findings],
        "verdict": {
            "level": _LEVEL_WORD[v.level],
            "text": v.text,
            "then": v.then,
            "rows": v.rows,
            "advice": v.advice,
            "blockers": [_session_json(b) for b in v.blockers],
        },
    }


def _relation_json(relation: Relation) -> dict[str, Any]:
    return {
        "relation": relation.qualified,
        "kind": relation.kind,
        "table": relation.table.qualified if relation.table is not None else None,
    }


def _lock_json(lock: LockTaken) -> dict[str, Any]:
    return {
        **_relation_json(lock.relation),
        "mode": lock.mode.label,
        "modes": [mode.label for mode in lock.modes],
        "source": str(lock.source),
        "blocks": lock.mode.blocks,
    }


def _finding_json(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "severity": str(f.severity), "line": f.line, "message": f.message}


def _session_json(s: Session) -> dict[str, Any]:
    return {
        "pid": s.pid,
        "application_name": s.application_name,
        "state": s.state,
        "relation": s.relation,
        "mode": s.mode.label if s.mode is not None else None,
        "granted": s.granted,
        "transaction_seconds": s.transaction_seconds,
        "query_start": s.query_start.isoformat() if s.query_start else None,
        "query": s.query,
    }


# --- Markdown -----------------------------------------------------------------------------


def markdown(report: PlanReport) -> str:
    """A pull-request comment: the worst statements first, then each migration's SQL,
    locks, rewrites, sizes, verdict and advice."""
    out = [f"## schemactl plan: {len(report.migrations)} pending migration(s)", ""]
    out.append(_md_escape(_headline(report)))
    out.append("")
    if not report.migrations:
        out.append("Nothing pending.")
        return "\n".join(out) + "\n"
    out += ["### Worst first", "", "| | statement | verdict |", "|---|---|---|"]
    for statement in report.worst_first():
        out.append(
            f"| {_LEVEL_WORD[statement.verdict.level]} | {_md_escape(statement.label)} "
            f"`{_md_code(_excerpt(statement.text))}` | {_md_escape(_verdict_line(statement))} |"
        )
    out.append("")
    for migration in report.migrations:
        out += _md_migration(migration)
    if report.long_transactions:
        out += ["### Long-running transactions on the target", ""]
        out += [f"- {_md_escape(_session_text(s))}" for s in report.long_transactions]
        out.append("")
    return "\n".join(out)


def _md_migration(m: MigrationReview) -> list[str]:
    how = "one transaction" if m.in_transaction else "no transaction: statement by statement"
    out = [f"### {_md_escape(m.label)} ({how})", ""]
    for f in m.findings:
        out.append(f"- lint `{f.rule}` ({f.severity}): {_md_escape(f.message)}")
    if m.findings:
        out.append("")
    for s in m.statements:
        out += _md_statement(s)
    held = m.holds_until_commit if m.in_transaction else []
    if len(m.statements) > 1 and held:
        locks = ", ".join(f"{lock.mode.label} on `{lock.relation.qualified}`" for lock in held)
        out += [f"Held until the migration commits: {locks}.", ""]
    return out


def _md_statement(s: StatementReview) -> list[str]:
    level = _LEVEL_WORD[s.verdict.level]
    out = [f"#### Statement {s.index + 1} (line {s.line}): {level}", ""]
    sql = formatted(s.text)
    fence = "```" + "`" * max((len(run) for run in re.findall(r"`+", sql)), default=0)
    out += [f"{fence}sql", sql, fence, ""]
    o = s.observation
    if o.locks:
        out += ["| relation | lock | blocks | known by |", "|---|---|---|---|"]
        for lock in o.locks:
            out.append(
                f"| `{lock.relation.qualified}` ({lock.relation.kind}) | "
                f"{' + '.join(mode.label for mode in lock.modes)} | {lock.mode.blocks} | "
                f"{lock.source} |"
            )
        out.append("")
    elif not o.observed:
        out += ["No documented relation lock for this statement (it runs outside a "
                "transaction, so none was read back).", ""]  # fmt: skip
    elif o.held:
        held = ", ".join(f"{mode.label} on `{name}`" for name, mode in sorted(o.held.items()))
        out += [f"No new lock; the migration already holds {held}.", ""]
    else:
        out += ["Takes no lock on an existing relation.", ""]
    if o.rewrites:
        names = ", ".join(f"`{r.qualified}`" for r in o.rewrites)
        out += [f"Rewrites: {names}.", ""]
    for scan in o.scans:
        out += [f"{scan.clause} {scan.what} `{scan.relation.qualified}` (existing rows).", ""]
    if s.on_target:
        out += [
            f"On the target: {_md_escape('; '.join(_target_text(t) for t in s.on_target))}.",
            "",
        ]
    out += [f"**Verdict:** {_md_escape(_verdict_line(s))}", ""]
    for blocker in s.verdict.blockers:
        out.append(f"- blocked by {_md_escape(_session_text(blocker))}")
    if s.verdict.blockers:
        out.append("")
    if s.verdict.advice:
        out += [f"**Advice:** {_md_escape(s.verdict.advice)}", ""]
    for f in s.findings:
        out.append(f"- lint `{f.rule}` ({f.severity}): {_md_escape(f.message)}")
    if s.findings:
        out.append("")
    return out


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_code(text: str) -> str:
    return text.replace("`", "'").replace("|", "\\|")
