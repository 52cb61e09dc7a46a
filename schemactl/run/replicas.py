"""``--max-replica-lag``: before each migration, wait while a standby of the target replays WAL
more than the limit behind it, so that DDL does not leave replicas further behind.

The target's ``pg_stat_replication`` lists the physical standbys streaming from it: how many
bytes of WAL each has yet to replay (``pg_current_wal_lsn()`` against its ``replay_lsn``) and
``replay_lag``, PostgreSQL's own measure of how long recent WAL took to be replayed there. The
primary learns both from the standby's replies, which come whenever it receives WAL, whenever
it has replayed all it received, and at least every ``wal_receiver_status_interval``. Two
things make ``replay_lag`` alone misleading:

- once a standby has replayed everything, the view keeps its last measured lag for a while
  (then NULL): a standby with nothing left to replay lags 0, whatever the column says;
- a standby whose replay stopped (paused, or stuck behind a conflicting query) reports its
  lag only when it replies, so between replies the column is stale.

The rule: a standby that has replayed up to the primary's current WAL position lags 0. One
behind it lags ``replay_lag``, or, if longer, the ``replay_lag`` it showed when this run first
saw its replay position plus the time that position has stood still since: a standby that
replays sends its new position as soon as it has nothing left to replay, so a position that
stands still while behind is a replay that is not moving, and the WAL it waits on only gets
older. A standby is within the limit when it lags no more than the limit. What the primary
cannot know, it cannot count: a standby that stopped replaying a moment ago looks current
until it next replies.

Standbys of standbys (cascading) stream from a standby, not from the target, and are not
seen; nor are logical subscribers (a logical walsender is connected to a database), which
replay no DDL. A WAL receiver that replays nothing (``pg_receivewal``, a standby that has not
reported yet) shows no replay position and is left out. ``pg_basebackup``'s connections are
not standbys. Reading positions and lag needs ``pg_read_all_stats`` (part of ``pg_monitor``)
or superuser; without it the view shows each walsender with every detail NULL, and the run is
refused instead of waiting on nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from schemactl.errors import ReplicaLagTimeoutError, ReplicaLagUnreadableError
from schemactl.run import db
from schemactl.run.plan import Step

POLL_SECONDS = 0.25
# A standby sent the last migration's WAL reports replaying it a moment later: only a wait
# that lasts longer than this is worth a word.
QUIET_SECONDS = 0.5

# Physical walsenders only: a logical one has a database. Without pg_read_all_stats every
# column but the pid and application_name is NULL, state included.
STANDBYS = """
SELECT r.pid, coalesce(r.application_name, ''), host(r.client_addr), r.state,
       r.replay_lsn::text,
       pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), r.replay_lsn)::bigint,
       extract(epoch FROM r.replay_lag)::float8
  FROM pg_catalog.pg_stat_replication AS r
  JOIN pg_catalog.pg_stat_activity AS a ON a.pid = r.pid
 WHERE a.datid IS NULL
   AND (r.state IS NULL OR r.state NOT IN ('backup', 'stopping'))
 ORDER BY r.application_name, r.pid
"""


@dataclass(frozen=True)
class Standby:
    """A standby streaming from the target, and how far behind it replays."""

    pid: int
    application_name: str
    client_addr: str | None
    state: str
    replay_lsn: str
    bytes_behind: int  # 0 once it has replayed up to the primary's current position
    replay_lag_seconds: float | None  # as pg_stat_replication shows it
    lag_seconds: float  # by this module's rule

    @property
    def name(self) -> str:
        """The standby as a reader can find it: its application_name and address."""
        app = self.application_name or f"walsender pid {self.pid}"
        return f"{app} ({self.client_addr or 'local socket'})"

    def __str__(self) -> str:
        return (
            f"standby {self.name} lags {seconds(self.lag_seconds)}, "
            f"{size(self.bytes_behind)} of WAL behind ({self.state})"
        )


def lag_seconds(
    bytes_behind: int,
    replay_lag: float | None,
    *,
    stalled_seconds: float = 0.0,
    replay_lag_then: float | None = None,
) -> float:
    """How long a standby lags: 0 when it has nothing left to replay; else PostgreSQL's
    ``replay_lag`` or, if longer, ``replay_lag_then`` (shown when its replay position was
    first seen) plus the ``stalled_seconds`` that position has stood still since."""
    if bytes_behind <= 0:
        return 0.0
    return max(replay_lag or 0.0, (replay_lag_then or 0.0) + stalled_seconds)


@dataclass(frozen=True)
class ReplicaWaiting:
    """``step`` waits: these standbys lag more than ``limit_seconds``."""

    step: Step
    standbys: tuple[Standby, ...]
    limit_seconds: float


@dataclass(frozen=True)
class ReplicaCaughtUp:
    """The standbys ``step`` waited for are within the limit again; it starts."""

    step: Step
    waited_seconds: float


@dataclass(frozen=True)
class NoStandby:
    """No standby streams from the target: nothing to wait for (said once a run)."""

    step: Step


ReplicaEvent = ReplicaWaiting | ReplicaCaughtUp | NoStandby


class ReplicaLag:
    """The standbys of one run's target, looked at before each migration on ``conn`` (the
    connection holding the run lock). It remembers since when each standby's replay position
    has stood still, across the migrations of the run."""

    def __init__(
        self,
        conn: psycopg.Connection,
        *,
        limit_seconds: float,
        wait_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.conn = conn
        self.limit_seconds = limit_seconds
        self.wait_seconds = wait_seconds
        self.clock = clock
        # (walsender pid, replay position) -> when first seen behind, and replay_lag then
        self._since: dict[tuple[int, str], tuple[float, float | None]] = {}
        self._said_none = False

    def look(self) -> list[Standby]:
        """The standbys streaming from the target now, each with its lag by the rule.

        Raises ReplicaLagUnreadableError when the role may not see their positions."""
        try:
            rows = self.conn.execute(STANDBYS).fetchall()
        except psycopg.Error as exc:
            db.verify_lock(self.conn)  # a session that ended took the run lock with it
            raise ReplicaLagUnreadableError(
                "--max-replica-lag could not read pg_stat_replication: "
                f"{exc.diag.message_primary or str(exc).strip()}",
                hint="run without --max-replica-lag, or fix what the message names",
            ) from None
        hidden = [row for row in rows if row[3] is None]
        if hidden:
            raise _hidden(self.conn.info.user, hidden)
        now = self.clock()
        since: dict[tuple[int, str], tuple[float, float | None]] = {}
        standbys = []
        for row in rows:
            if row[4] is None:
                continue  # replays nothing (pg_receivewal), or has not reported yet
            key = (row[0], row[4])
            first, then = now, row[6]
            if row[5] > 0:
                # The clock starts when it is seen behind: at the primary's position, a
                # standby that stands still has nothing to replay.
                first, then = since[key] = self._since.get(key, (now, row[6]))
            lag = lag_seconds(row[5], row[6], stalled_seconds=now - first, replay_lag_then=then)
            standbys.append(_standby(row, lag))
        self._since = since
        return standbys

    def wait(self, step: Step, emit: Callable[[ReplicaEvent], None]) -> None:
        """Return once every standby lags no more than the limit (at once when none does);
        meanwhile ``emit`` a ReplicaWaiting once the wait lasts, and again whenever the set of
        lagging standbys changes. Raises ReplicaLagTimeoutError naming them after
        ``wait_seconds``."""
        started = self.clock()
        shown: tuple[int, ...] | None = None
        while True:
            standbys = self.look()
            if not standbys and not self._said_none:
                self._said_none = True
                emit(NoStandby(step))
            lagging = [s for s in standbys if s.lag_seconds > self.limit_seconds]
            waited = self.clock() - started
            if not lagging:
                if shown is not None:
                    emit(ReplicaCaughtUp(step, waited))
                return
            if waited >= self.wait_seconds:
                raise _gave_up(step, lagging, self.limit_seconds, self.wait_seconds)
            pids = tuple(s.pid for s in lagging)
            if pids != shown and waited >= QUIET_SECONDS:
                emit(ReplicaWaiting(step, tuple(lagging), self.limit_seconds))
                shown = pids
            time.sleep(POLL_SECONDS)


def for_run(
    conn: psycopg.Connection, limit_seconds: float | None, wait_seconds: float
) -> ReplicaLag | None:
    """The run's ReplicaLag for ``--max-replica-lag`` (None without it), having looked once:
    a role that may not see the standbys' lag is refused before any migration runs."""
    if limit_seconds is None:
        return None
    replicas = ReplicaLag(conn, limit_seconds=limit_seconds, wait_seconds=wait_seconds)
    replicas.look()
    return replicas


def _standby(row: tuple[Any, ...], lag: float) -> Standby:
    return Standby(
        pid=row[0],
        application_name=row[1],
        client_addr=row[2],
        state=row[3],
        replay_lsn=row[4],
        bytes_behind=max(int(row[5]), 0),
        replay_lag_seconds=row[6],
        lag_seconds=lag,
    )


def _hidden(role: str, rows: list[tuple[Any, ...]]) -> ReplicaLagUnreadableError:
    names = ", ".join(sorted({row[1] or f"walsender pid {row[0]}" for row in rows}))
    count = len(rows)
    noun = "a standby connection" if count == 1 else f"{count} standby connections"
    return ReplicaLagUnreadableError(
        f"--max-replica-lag cannot see how far the standbys lag: role {role} may not read "
        "their replay positions",
        detail=f"pg_stat_replication lists {noun} ({names}) with its position and lag "
        "hidden: they are shown only to superusers and members of pg_read_all_stats",
        hint=f"GRANT pg_monitor TO {role} (it includes pg_read_all_stats), or run without "
        "--max-replica-lag; nothing was run",
    )


def _gave_up(
    step: Step, lagging: list[Standby], limit: float, wait: float
) -> ReplicaLagTimeoutError:
    first = lagging[0]
    others = f" and {len(lagging) - 1} more" if len(lagging) > 1 else ""
    return ReplicaLagTimeoutError(
        f"migration {step.migration.label} not started: standby {first.name}{others} still "
        f"lagged {seconds(first.lag_seconds)} ({size(first.bytes_behind)} of WAL behind) "
        f"after --wait {wait:g}s, more than --max-replica-lag {limit:g}s",
        detail="\n".join(str(s) for s in lagging),
        hint="nothing of this migration ran, and migrations before it stay applied "
        "('schemactl status'); let the standby catch up (is its replay paused? "
        "SELECT pg_wal_replay_resume() on it), raise --wait or --max-replica-lag, then run "
        "again",
    )


def seconds(value: float) -> str:
    """A duration for a reader: ``850 ms``, ``4.2 s``, ``3 min 5 s``."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes} min {rest} s"


def size(count: int) -> str:
    """Bytes as ``pg_size_pretty`` would put them, roughly: ``512 bytes``, ``68 kB``."""
    value = float(count)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 10240:
            return f"{value:.0f} {unit}"
        value /= 1024
    return f"{value:.0f} TB"
