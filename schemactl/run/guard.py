"""``up --guard``: before a migration that takes a blocking lock on an existing table, wait for
the sessions it would queue behind to go away, instead of queueing every other query on the
table behind the migration.

A lock request waits behind every conflicting lock already held, and every later request
waits behind it: an ``ALTER TABLE`` behind one idle-in-transaction session stops all reads of
the table for as long as that session stays. ``locking.targets`` reads, from the statements
alone, which tables a migration locks and in which mode; before the migration starts the guard
asks ``pg_locks`` for sessions holding a conflicting lock on one of them: any idle in a
transaction,
and those whose transaction has been open longer than a moment (a short query ends on its
own). It waits up to ``--wait`` for them to end, and otherwise gives up before the migration
takes any lock. A session that starts between the last look and the migration's first
statement is not seen; ``--lock-timeout`` bounds that case.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from schemactl.errors import GuardTimeoutError
from schemactl.run.plan import Step
from schemactl.run.watch import seconds, shortened

if TYPE_CHECKING:
    from schemactl.lint.words import ObjectName

# A transaction open for less than this is taken to be a short query that will end by itself.
GRACE_SECONDS = 1.0
POLL_SECONDS = 0.25

ACCESS_SHARE = "AccessShareLock"
ROW_SHARE = "RowShareLock"
ROW_EXCLUSIVE = "RowExclusiveLock"
SHARE_UPDATE_EXCLUSIVE = "ShareUpdateExclusiveLock"
SHARE = "ShareLock"
SHARE_ROW_EXCLUSIVE = "ShareRowExclusiveLock"
EXCLUSIVE = "ExclusiveLock"
ACCESS_EXCLUSIVE = "AccessExclusiveLock"

# PostgreSQL's "Conflicting Lock Modes" table (Explicit Locking, Table-Level Locks).
_MODES = (
    ACCESS_SHARE,
    ROW_SHARE,
    ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    EXCLUSIVE,
    ACCESS_EXCLUSIVE,
)
_CONFLICTS = {
    ACCESS_SHARE: {ACCESS_EXCLUSIVE},
    ROW_SHARE: {EXCLUSIVE, ACCESS_EXCLUSIVE},
    ROW_EXCLUSIVE: {SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE, ACCESS_EXCLUSIVE},
    SHARE_UPDATE_EXCLUSIVE: set(_MODES[3:]),
    SHARE: {ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE_ROW_EXCLUSIVE, *_MODES[6:]},
    SHARE_ROW_EXCLUSIVE: set(_MODES[2:]),
    EXCLUSIVE: set(_MODES[1:]),
    ACCESS_EXCLUSIVE: set(_MODES),
}


def lock_mode(name: str) -> str | None:
    """The ``pg_locks`` spelling of a table lock mode, or None if ``name`` is none."""
    return name if name in _CONFLICTS else None


def conflicts(wanted: str, held: str) -> bool:
    """Whether a lock in mode ``held`` (``pg_locks`` spelling) keeps ``wanted`` waiting."""
    return held in _CONFLICTS.get(wanted, set(_MODES))


@dataclass(frozen=True)
class Target:
    """A relation a migration's statement locks, the mode, and the statement (1-based)."""

    relation: ObjectName
    mode: str
    statement: int


@dataclass(frozen=True)
class Holder:
    """A session holding a lock that a migration would queue behind."""

    pid: int | None  # None: a prepared transaction
    application_name: str
    user: str
    client: str | None
    state: str | None
    transaction_start: datetime | None
    transaction_seconds: float | None
    relation: str
    mode: str
    query: str

    def __str__(self) -> str:
        if self.pid is None:
            return f"a prepared transaction holding {self.mode} on {self.relation}"
        app = self.application_name or "unknown application"
        client = f" from {self.client}" if self.client else ""
        parts = [f"pid {self.pid} ({app}, user {self.user}{client})", self.state or _HIDDEN_STATE]
        if self.transaction_start is not None:
            parts.append(
                f"in a transaction open {seconds(self.transaction_seconds)} "
                f"(since {self.transaction_start:%H:%M:%S})"
            )
        parts.append(f"holding {self.mode} on {self.relation}")
        text = ", ".join(parts)
        return f"{text}: {self.query}" if self.query else text


# What pg_stat_activity shows of another role's session without pg_read_all_stats.
_HIDDEN_STATE = "state hidden from this role (pg_read_all_stats shows it)"

# Each named relation, and the table of a named index (an index's lock implies its table's).
_HOLDERS = """
WITH target AS (
  SELECT t.ord, c.oid
    FROM unnest(%(names)s::text[]) WITH ORDINALITY AS t(name, ord)
   CROSS JOIN LATERAL (
         SELECT pg_catalog.to_regclass(t.name)::oid
          UNION
         SELECT i.indrelid FROM pg_catalog.pg_index AS i
          WHERE i.indexrelid = pg_catalog.to_regclass(t.name)) AS c(oid)
   WHERE c.oid IS NOT NULL
)
SELECT target.ord, l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''),
       host(a.client_addr), a.state, a.xact_start,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
       l.relation::regclass::text, l.mode, left(a.query, 400)
  FROM target
  JOIN pg_catalog.pg_locks AS l
    ON l.locktype = 'relation' AND l.granted AND l.relation = target.oid
   AND l.database = (SELECT oid FROM pg_catalog.pg_database
                      WHERE datname = pg_catalog.current_database())
  LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid
 WHERE l.pid IS NULL OR l.pid <> ALL(%(ours)s::int[])
 ORDER BY a.xact_start NULLS FIRST, l.pid, target.ord
"""


def holders(
    conn: psycopg.Connection,
    found: tuple[Target, ...],
    ours: tuple[int, ...] = (),
    *,
    grace: float = GRACE_SECONDS,
) -> list[Holder]:
    """Sessions (but ``conn``'s and ``ours``) holding a lock on a relation of ``found`` that
    conflicts with the mode it is wanted in: idle in a transaction, or in one open for more
    than ``grace`` seconds; one entry per session, oldest transaction first."""
    names = [str(target.relation) for target in found]
    params = {"names": names, "ours": [conn.info.backend_pid, *ours]}
    rows = conn.execute(_HOLDERS, params).fetchall()
    seen: dict[int | None, Holder] = {}
    for row in rows:
        target = found[row[0] - 1]
        if not conflicts(target.mode, row[9]) or not _lingering(row, grace):
            continue
        key = row[1] if row[1] is not None else -len(seen) - 1
        seen.setdefault(key, _holder(row))
    return list(seen.values())


def _lingering(row: tuple[Any, ...], grace: float) -> bool:
    state, age = row[5], row[7]
    # A prepared transaction (no pid), or a session of another role whose state the role
    # may not read (pg_stat_activity shows it NULL without pg_read_all_stats): nothing says
    # it will end soon, and it is usually the application's own session the guard is for.
    if row[1] is None or state is None or state.startswith("idle in transaction"):
        return True
    return age is not None and age > grace


def _holder(row: tuple[Any, ...]) -> Holder:
    return Holder(
        pid=row[1],
        application_name=row[2],
        user=row[3],
        client=row[4],
        state=row[5],
        transaction_start=row[6],
        transaction_seconds=row[7],
        relation=row[8],
        mode=row[9],
        query=shortened(row[10]),
    )


@dataclass(frozen=True)
class GuardWaiting:
    """The guard holds ``step`` back: these sessions would make it queue."""

    step: Step
    holders: tuple[Holder, ...]


@dataclass(frozen=True)
class GuardCleared:
    """The sessions the guard waited for have gone; ``step`` starts."""

    step: Step
    waited_seconds: float


def wait_until_clear(
    conn: psycopg.Connection,
    step: Step,
    found: tuple[Target, ...],
    *,
    wait_seconds: float,
    ours: tuple[int, ...] = (),
    emit: Callable[[GuardWaiting | GuardCleared], None] = lambda event: None,
) -> None:
    """Return once no session would make ``step`` queue for a lock on ``found`` (at once when
    none does); meanwhile ``emit`` a GuardWaiting whenever the sessions change. Raises
    GuardTimeoutError naming them after ``wait_seconds``."""
    started = time.monotonic()
    shown: tuple[int | None, ...] | None = None
    while True:
        now = holders(conn, found, ours)
        if not now:
            if shown is not None:
                emit(GuardCleared(step, time.monotonic() - started))
            return
        pids = tuple(h.pid for h in now)
        if pids != shown:
            emit(GuardWaiting(step, tuple(now)))
            shown = pids
        if time.monotonic() - started >= wait_seconds:
            raise _gave_up(step, found, now, wait_seconds)
        time.sleep(POLL_SECONDS)


def _gave_up(
    step: Step, found: tuple[Target, ...], now: list[Holder], wait_seconds: float
) -> GuardTimeoutError:
    tables = sorted({h.relation for h in now})
    count = len(now)
    sessions = "a session" if count == 1 else f"{count} sessions"
    pids = [str(h.pid) for h in now if h.pid is not None]
    if len(pids) == 1:
        terminate = f"end it (SELECT pg_terminate_backend({pids[0]})), "
    elif pids:
        terminate = f"end them (SELECT pg_terminate_backend(pid) for pid {', '.join(pids)}), "
    else:
        terminate = "finish or roll back the prepared transaction, "
    return GuardTimeoutError(
        f"migration {step.migration.label} not started: {sessions} kept a lock on "
        f"{', '.join(tables)} for more than --wait {wait_seconds:g}s",
        detail="\n".join(f"held by {h}" for h in now),
        hint=f"{terminate}wait for {'it' if count == 1 else 'them'} to end, or raise --wait; "
        "nothing of this migration ran",
    )
