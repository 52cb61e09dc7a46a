"""``plan``: review the pending migrations before they run, as a DBA would.

Files → ledger (read-only, on the target) → a scratch database holding the schema the
applied migrations built → each pending migration run there and observed statement by
statement → the target's sizes and lock holders for the relations it locks → a verdict per
statement. Nothing runs on the target but catalog reads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack

import psycopg

from schemactl.config import Settings
from schemactl.dsn import describe
from schemactl.files.migrations import Migration, MigrationSet, load_directory
from schemactl.lint import Finding, lint
from schemactl.review import target, verdict
from schemactl.review.observe import StatementObserved, observe_all
from schemactl.review.report import MigrationReview, PlanReport, StatementReview
from schemactl.run import db, ledger
from schemactl.run.ledger import LedgerTable
from schemactl.run.plan import LedgerRow, compute_status, plan_up
from schemactl.schema.expected import of_versions
from schemactl.schema.replay import apply_ups

ScratchOpener = Callable[[], AbstractContextManager[str]]


def review(
    settings: Settings,
    scratch: ScratchOpener,
    *,
    to: int | None = None,
    on_migration: Callable[[Migration], None] = lambda m: None,
) -> PlanReport:
    """Observe the migrations ``up`` would apply to ``settings.database_url`` (every
    migration when it is None) on the scratch database ``scratch`` opens, and judge each
    statement against the target.

    Raises what ``up`` would raise before running anything (a broken file, a refusing
    ledger) and MigrationFailedError when a pending migration fails on the scratch schema.
    """
    migrations = load_directory(settings.dir)
    migrations.validate()
    with ExitStack() as stack:
        conn = None
        rows: list[LedgerRow] = []
        if settings.database_url:
            conn = stack.enter_context(target.connect_read_only(settings.database_url))
            rows = ledger.read(conn, LedgerTable.parse(settings.ledger_table))
        pending = [
            step.migration for step in plan_up(compute_status(migrations, rows), to=to).steps
        ]
        applied = of_versions(migrations, (row.version for row in rows))
        with ThreadPoolExecutor(1, thread_name_prefix="lint") as pool:
            linting = pool.submit(_lint, migrations, settings)
            with scratch() as url, db.connect(url, purpose="plan") as work:
                where = describe(url)
                apply_ups(work, applied)
                observed = observe_all(work, pending, on_migration)
            findings = linting.result()
        report = PlanReport(
            directory=settings.dir,
            target=describe(settings.database_url) if settings.database_url else None,
            scratch=where,
            applied=len(applied),
        )
        report.migrations = [_migration(m, found, findings) for m, found in observed]
        _judge(report, conn)
    return report


def _lint(migrations: MigrationSet, settings: Settings) -> list[Finding]:
    # Imported here: the gate module is large, and only its rule ids are needed.
    from schemactl.check.report import ROUND_TRIP_RULES

    return lint(migrations, disabled=settings.lint_disable, other_rules=ROUND_TRIP_RULES)


def _migration(
    m: Migration, observed: list[StatementObserved], findings: list[Finding]
) -> MigrationReview:
    script = m.up
    mine = [f for f in findings if f.path == script.path]
    review = MigrationReview(m.version, m.name, script.path, not script.no_transaction)
    placed: set[int] = set()
    for item in observed:
        statement = item.statement
        first, last = statement.line, statement.line + statement.text.count("\n")
        own = [f for f in mine if f.line is not None and first <= f.line <= last]
        placed.update(id(f) for f in own)
        review.statements.append(
            StatementReview(
                version=m.version,
                path=script.path,
                index=statement.index,
                line=statement.line,
                text=statement.text,
                observation=item.observation,
                findings=tuple(own),
            )
        )
    review.findings = tuple(f for f in mine if id(f) not in placed)
    return review


def _judge(report: PlanReport, conn: psycopg.Connection | None) -> None:
    """Read the target for every relation a statement touches, then give each a verdict."""
    touched: set[tuple[str, str]] = set()
    for statement in report.statements:
        observation = statement.observation
        relations = [lock.relation for lock in observation.locks]
        relations += list(observation.rewrites) + [scan.relation for scan in observation.scans]
        for relation in relations:
            touched.add((relation.schema, relation.name))
            if relation.table is not None:
                touched.add((relation.table.schema, relation.table.name))
    look = target.look(conn, touched) if conn is not None else None
    if look is not None:
        report.long_transactions = look.long_transactions
    for statement in report.statements:
        observation = statement.observation
        if look is None:
            statement.verdict = verdict.judge(observation, None, (), statement.findings)
            continue
        names = {lock.relation.qualified for lock in observation.locks}
        names |= {r.qualified for r in observation.rewrites}
        names |= {r.owner for r in observation.rewrites}
        names |= {scan.relation.qualified for scan in observation.scans}
        statement.on_target = tuple(look.relations[n] for n in sorted(names) if n in look.relations)
        statement.verdict = verdict.judge(
            observation, look.relations, look.sessions, statement.findings
        )
