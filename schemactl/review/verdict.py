"""The verdict on one statement: what it does to the traffic on the tables it touches.

Pure: from what the scratch database showed (locks, rewrites, scans) and what the target
holds (rows, sizes, the sessions holding locks there). In order of harm:

- **would queue behind pid X**: a session on the target holds (or waits for) a lock that
  conflicts with one the statement needs; the statement waits, and every query that
  conflicts with the lock it waits for queues behind it;
- **rewrite**: it copies every row of a table into a new file under its lock;
- **scan**: it reads every row (to validate a constraint, to build an index) under its lock;
- **brief lock**: it takes a lock that blocks reads or writes, but does no work per row;
- **safe**: it takes no lock that blocks reads or writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemactl.lint import Finding
from schemactl.review.kinds import VALIDATES
from schemactl.review.locks import LockMode, strongest
from schemactl.review.report import (
    Level,
    LockTaken,
    Observation,
    OnTarget,
    Relation,
    Session,
    Verdict,
)

Targets = Mapping[str, OnTarget]


@dataclass(frozen=True)
class _Work:
    level: Level
    text: str
    rows: int | None = None
    advice: str | None = None


def blockers(locks: Sequence[LockTaken], sessions: Sequence[Session]) -> tuple[Session, ...]:
    """The sessions holding, or queued for, a lock that conflicts with one of ``locks`` on the
    same relation: the statement would wait behind each of them."""
    found: list[Session] = []
    for lock in locks:
        for session in sessions:
            if session.relation != lock.relation.qualified or session.mode is None:
                continue
            conflicts = any(mode.conflicts_with(session.mode) for mode in lock.modes)
            if conflicts and session not in found:
                found.append(session)
    return tuple(found)


def judge(
    observation: Observation,
    targets: Targets | None = None,
    sessions: Sequence[Session] = (),
    findings: Sequence[Finding] = (),
) -> Verdict:
    """The verdict on one statement. ``targets`` is None without a target database (rows are
    then unknown); ``sessions`` are the target's lock holders and waiters."""
    work = _worst(_works(observation, targets))
    advice = next((f.instead for f in findings if f.instead), None) or work.advice
    queued = blockers(observation.locks, sessions)
    if not queued:
        return Verdict(work.level, work.text, advice, rows=work.rows)
    pids = ", ".join(str(s.pid) if s.pid is not None else "a prepared transaction" for s in queued)
    waiting_for = strongest([lock.mode for lock in observation.locks])
    assert waiting_for is not None
    text = f"would queue behind pid {pids}"
    queue_advice = (
        f"wait for pid {pids} to finish (or end it), and run with --lock-timeout (say 2s) and "
        f"--retries, so that a {waiting_for.label} request gives up instead of holding every "
        "later query on the table in the queue behind it"
    )
    return Verdict(Level.QUEUE, text, queue_advice, work.text, queued, work.rows)


def _worst(works: list[_Work]) -> _Work:
    return max(works, key=lambda w: (w.level, w.rows or 0))


def _works(observation: Observation, targets: Targets | None) -> list[_Work]:
    works = [_lock_work(observation, targets)]
    rewritten = {r.qualified for r in observation.rewrites if r.table is None}
    for relation in observation.rewrites:
        if relation.table is None:
            works.append(_rewrite(relation, observation, targets))
        elif relation.owner not in rewritten:
            works.append(_reindex(relation, observation, targets))
    for scan in observation.scans:
        mode = observation.held.get(scan.relation.qualified)
        works.append(_scan(scan.relation, scan.what, scan.clause, mode, targets))
    return works


def _lock_work(observation: Observation, targets: Targets | None) -> _Work:
    live = [lock for lock in observation.locks if _present(lock.relation, targets)]
    if not live:
        if observation.locks:
            return _Work(Level.SAFE, "safe: locks only relations not yet on the target")
        if not observation.observed and not observation.in_transaction:
            return _Work(Level.SAFE, "safe as far as documented: runs outside a transaction")
        if observation.held:
            relation, mode = max(observation.held.items(), key=lambda item: item[1].value)
            return _Work(
                Level.SAFE,
                f"no new lock (the migration holds {mode.label} on {relation} until it commits)",
            )
        return _Work(Level.SAFE, "safe: no lock on an existing relation")
    lock = max(live, key=lambda taken: taken.mode.value)
    if lock.mode.blocks_writes or lock.mode.blocks_reads:
        return _Work(
            Level.BRIEF,
            f"brief lock: {lock.mode.label} on {lock.relation.qualified} ({lock.mode.blocks})",
            advice="run with --lock-timeout (say 2s) and --retries, so that a busy table "
            "cannot hold it, and every query behind it, in the lock queue",
        )
    return _Work(
        Level.SAFE,
        f"safe: {lock.mode.label} on {lock.relation.qualified} {lock.mode.blocks}",
    )


def _rewrite(relation: Relation, observation: Observation, targets: Targets | None) -> _Work:
    mode = observation.held.get(relation.qualified)
    rows, rows_text = _rows(relation.qualified, targets)
    blocks = mode.blocks if mode is not None else "rewrites"
    if rows == 0:
        return _Work(
            Level.BRIEF, f"{blocks} briefly: rewrites {relation.qualified}, {rows_text}", 0
        )
    return _Work(
        Level.REWRITE,
        f"{blocks} for a rewrite of {rows_text} of {relation.qualified}",
        rows,
        advice="avoid the rewrite: add a new column, backfill it in batches and switch over "
        "(or schedule the rewrite for a maintenance window)",
    )


def _reindex(index: Relation, observation: Observation, targets: Targets | None) -> _Work:
    table = index.owner
    mode = observation.held.get(table) or observation.held.get(index.qualified)
    rows, rows_text = _rows(table, targets)
    if rows == 0:
        return _Work(Level.BRIEF, f"rebuilds index {index.qualified} of {table}, {rows_text}", 0)
    if mode is not None and not mode.blocks_writes:
        return _Work(
            Level.SAFE, f"rebuilds index {index.qualified} over {rows_text} ({mode.blocks})", rows
        )
    blocks = mode.blocks if mode is not None else "rebuilds"
    return _Work(
        Level.SCAN,
        f"{blocks} while rebuilding index {index.qualified} over {rows_text} of {table}",
        rows,
        advice="REINDEX ... CONCURRENTLY in a no-transaction migration",
    )


def _scan(
    relation: Relation, what: str, clause: str, mode: LockMode | None, targets: Targets | None
) -> _Work:
    rows, rows_text = _rows(relation.qualified, targets)
    doing = "validating" if what == VALIDATES else "building an index over"
    if rows == 0:
        return _Work(Level.BRIEF, f"{clause} on {relation.qualified}, {rows_text}", 0)
    if mode is not None and not mode.blocks_writes:
        return _Work(
            Level.SAFE,
            f"{clause}: {doing} {rows_text} of {relation.qualified} without blocking reads or "
            f"writes ({mode.label})",
            rows,
        )
    blocks = mode.blocks if mode is not None else "holds its lock"
    return _Work(
        Level.SCAN,
        f"{blocks} while {doing} {rows_text} of {relation.qualified} ({clause})",
        rows,
        advice=_SCAN_ADVICE.get(clause, _SCAN_ADVICE[VALIDATES if what == VALIDATES else ""]),
    )


_SCAN_ADVICE = {
    "SET NOT NULL": "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it in a later "
    "migration, then SET NOT NULL: PostgreSQL 12+ trusts the valid constraint and skips the scan",
    "ATTACH PARTITION": "add a CHECK constraint matching the partition bound (NOT VALID, then "
    "VALIDATE) before attaching: the attach then skips the scan",
    VALIDATES: "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later migration: it "
    "takes SHARE UPDATE EXCLUSIVE, so reads and writes go on while it scans",
    "": "CREATE INDEX CONCURRENTLY in a no-transaction migration (for a constraint: build the "
    "index concurrently, then ADD CONSTRAINT ... USING INDEX)",
}


def _present(relation: Relation, targets: Targets | None) -> bool:
    if targets is None:
        return True
    found = targets.get(relation.owner) or targets.get(relation.qualified)
    return found is not None and found.exists


def _rows(relation: str, targets: Targets | None) -> tuple[int | None, str]:
    """The rows ``relation`` has on the target, and how to say it."""
    if targets is None:
        return None, "every row"
    found = targets.get(relation)
    if found is None or not found.exists:
        return 0, "no rows: not on the target yet"
    size = f", {size_text(found.total_bytes)}" if found.total_bytes is not None else ""
    if found.rows is None:
        return None, f"an unknown number of rows (never analyzed{size})"
    if found.rows == 0:
        return 0, f"no rows (empty{size})"
    return found.rows, f"{found.rows:,} rows ({size.removeprefix(', ') or 'size unknown'})"


def size_text(size: int | None) -> str:
    """Bytes as PostgreSQL's pg_size_pretty would put them, roughly."""
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 10 * 1024 or unit == "TB":
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.0f} TB"
