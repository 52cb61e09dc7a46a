"""Watching a migration that takes long: what its session waits for, and who blocks it.

A migration stuck behind another session's lock shows nothing from its own connection until
``--lock-timeout`` ends it. A watcher thread keeps an eye on the session a migration runs in,
from a connection of its own ("schemactl up watch"): the control connection must stay free
for the ledger, and the migration's own is busy. The watcher connects only once a migration
has run longer than a threshold, so a run of short migrations never pays for it: each
migration costs the runner two attribute writes and one uncontended lock.

While the migration's session waits for a lock, each observation names the lock and the
sessions ``pg_blocking_pids`` says it waits behind, as ``pg_stat_activity`` shows them; the
last observation is what a lock or statement timeout's error names.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg

from schemactl.errors import ConnectionFailedError
from schemactl.run import db
from schemactl.run.plan import Step

if TYPE_CHECKING:
    from schemactl.run.runner import Event

# A migration is watched once it has run this long (or half its lock or statement timeout,
# when that is shorter: an observation must come before the timeout ends the wait).
THRESHOLD_SECONDS = 1.0
_LEAST_THRESHOLD_SECONDS = 0.2
# How often the watcher asks the server once a migration is watched.
POLL_SECONDS = 0.5
_LEAST_SLEEP_SECONDS = 0.01
# The watcher's own queries never wait long: a stuck one only delays the next look.
_WATCH_SETTINGS = {"statement_timeout": "5s", "lock_timeout": "1s"}
_QUERY_WIDTH = 200

_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|min|h|d)?\s*$")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1e3, "min": 6e4, "h": 3.6e6, "d": 8.64e7}


def duration_ms(value: str | None) -> float | None:
    """A PostgreSQL duration setting (``500ms``, ``5s``, a bare number of ms) in ms; None
    for no value, 0 (no timeout) or a spelling this does not read."""
    match = _DURATION.match(value or "")
    if match is None:
        return None
    ms = float(match.group(1)) * _UNIT_MS[match.group(2) or "ms"]
    return ms or None


def threshold_seconds(lock_timeout: str | None, statement_timeout: str | None) -> float:
    """How long a migration runs before it is watched (see ``THRESHOLD_SECONDS``)."""
    threshold = THRESHOLD_SECONDS
    for value in (lock_timeout, statement_timeout):
        ms = duration_ms(value)
        if ms is not None:
            threshold = min(threshold, max(_LEAST_THRESHOLD_SECONDS, ms / 2000))
    return threshold


@dataclass(frozen=True)
class Blocker:
    """A session another one waits behind, as ``pg_stat_activity`` shows it."""

    pid: int
    application_name: str
    user: str
    client: str | None
    state: str | None
    state_seconds: float | None  # how long it has been in ``state``
    transaction_start: datetime | None
    transaction_seconds: float | None
    query: str

    @property
    def prepared(self) -> bool:
        """A prepared transaction (``pg_blocking_pids`` names it pid 0): no session holds it."""
        return self.pid == 0

    def __str__(self) -> str:
        if self.prepared:
            return "a prepared transaction (see pg_prepared_xacts)"
        app = self.application_name or "unknown application"
        client = f" from {self.client}" if self.client else ""
        parts = [f"pid {self.pid} ({app}, user {self.user}{client})"]
        if self.state:
            lasting = f" for {seconds(self.state_seconds)}" if self.state_seconds else ""
            parts.append(f"{self.state}{lasting}")
        if self.transaction_start is not None:
            started = f"{self.transaction_start:%Y-%m-%d %H:%M:%S %Z}".strip()
            parts.append(f"in a transaction open since {started}")
        text = ", ".join(parts)
        return f"{text}: {self.query}" if self.query else text


@dataclass(frozen=True)
class Observation:
    """One look at the session a migration runs in: how long its current query has run, the
    lock it waits for (if any) and who holds it up. It is also the runner's event."""

    step: Step
    pid: int
    elapsed_seconds: float
    state: str | None
    wait_event: str | None  # "Lock: relation", "Timeout: PgSleep", ...
    waiting_for: str | None  # "AccessExclusiveLock on t", for a lock wait
    blockers: tuple[Blocker, ...]

    @property
    def waiting(self) -> bool:
        """Whether the session waits for a lock."""
        return self.waiting_for is not None

    def describe(self) -> str:
        """What the session was doing, in one sentence without the blockers."""
        elapsed = seconds(self.elapsed_seconds)
        if self.waiting:
            return f"waiting {elapsed} for {self.waiting_for}"
        doing = f" ({self.wait_event})" if self.wait_event else ""
        return f"running for {elapsed}{doing}"


def seconds(value: float | None) -> str:
    """A duration for people: ``0.4 s``, ``12 s``, ``3 min 20 s``."""
    value = value or 0.0
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def shortened(query: str | None, width: int = _QUERY_WIDTH) -> str:
    """A query on one line, cut to ``width`` characters."""
    text = " ".join((query or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


# One row per blocker (or one row without one). A lock's target as a DBA reads it; the lock
# waited for is the one not granted. pg_blocking_pids takes the lock manager's locks briefly,
# so it is asked only while the session waits for a heavyweight lock.
_OBSERVE = """
SELECT extract(epoch FROM clock_timestamp() - w.query_start)::float8,
       w.state, w.wait_event_type || ': ' || w.wait_event, l.mode, l.target,
       p.pid, coalesce(b.application_name, ''), coalesce(b.usename::text, ''),
       host(b.client_addr), b.state,
       extract(epoch FROM clock_timestamp() - b.state_change)::float8,
       b.xact_start, extract(epoch FROM clock_timestamp() - b.xact_start)::float8,
       left(b.query, 400)
  FROM pg_catalog.pg_stat_activity AS w
  LEFT JOIN LATERAL (
       SELECT l.mode,
              CASE l.locktype
                WHEN 'relation' THEN l.relation::regclass::text
                WHEN 'tuple' THEN 'a row of ' || l.relation::regclass::text
                WHEN 'transactionid' THEN 'transaction ' || l.transactionid::text
                WHEN 'virtualxid' THEN 'the end of transaction ' || l.virtualxid
                ELSE l.locktype
              END AS target
         FROM pg_catalog.pg_locks AS l
        WHERE l.pid = w.pid AND NOT l.granted
        LIMIT 1) AS l ON true
  LEFT JOIN LATERAL unnest(CASE WHEN w.wait_event_type = 'Lock'
                                THEN pg_catalog.pg_blocking_pids(w.pid) END) AS p(pid) ON true
  LEFT JOIN pg_catalog.pg_stat_activity AS b ON b.pid = p.pid
 WHERE w.pid = %s
 ORDER BY b.xact_start NULLS LAST, p.pid
"""


def observe(conn: psycopg.Connection, step: Step, pid: int) -> Observation | None:
    """Look once at session ``pid`` running ``step``; None when the session is gone."""
    rows = conn.execute(_OBSERVE, (pid,)).fetchall()
    if not rows:
        return None
    first = rows[0]
    waiting_for = f"{first[3]} on {first[4]}" if first[3] else None
    blockers = tuple(_blocker(row) for row in rows if row[5] is not None)
    return Observation(step, pid, first[0] or 0.0, first[1], first[2], waiting_for, blockers)


def _blocker(row: tuple[Any, ...]) -> Blocker:
    return Blocker(
        pid=row[5],
        application_name=row[6],
        user=row[7],
        client=row[8],
        state=row[9],
        state_seconds=row[10],
        transaction_start=row[11],
        transaction_seconds=row[12],
        query=shortened(row[13]),
    )


@dataclass(frozen=True)
class _Watched:
    step: Step
    pid: int
    started: float  # time.monotonic()


class Watcher:
    """Watches each migration of a run from a thread of its own (see the module's text).

    The runner calls ``begin`` as a migration starts and ``end`` as it ends; meanwhile, once
    the migration has run ``threshold`` seconds, each observation goes to ``on_event``, under
    ``lock``, the lock every other event of the run is sent under too, so that none comes
    after ``end`` has returned.
    """

    def __init__(
        self,
        url: str | None,
        purpose: str,
        *,
        threshold: float = THRESHOLD_SECONDS,
        on_event: Callable[[Event], None] = lambda event: None,
    ):
        self._url = url
        self._purpose = f"{purpose} watch"
        self.threshold = threshold
        self._on_event = on_event
        self.lock = threading.Lock()
        self._current: _Watched | None = None
        self._last: Observation | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def emit(self, event: Event) -> None:
        """Send one of the run's events, never at the same time as an observation."""
        with self.lock:
            self._on_event(event)

    def begin(self, step: Step, pid: int) -> None:
        """``step`` starts running in server session ``pid``."""
        self._last = None
        self._current = _Watched(step, pid, time.monotonic())
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="schemactl watch", daemon=True)
            self._thread.start()

    def end(self) -> Observation | None:
        """The migration begun last has ended: no observation of it is sent after this
        returns. Returns the last one, if any."""
        with self.lock:
            self._current = None
            last, self._last = self._last, None
        return last

    def close(self) -> None:
        """Stop the thread; it closes its connection on its way out."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            # Its queries end within their statement_timeout; a thread still waiting on a
            # dead server is a daemon and does not hold the process back.
            thread.join(timeout=2.0)

    def _watch(self) -> None:
        conn: psycopg.Connection | None = None
        watched: _Watched | None = None
        next_look = 0.0
        try:
            while not self._stop.wait(self._sleep(watched, next_look)):
                current = self._current
                now = time.monotonic()
                if current is None or now - current.started < self.threshold:
                    continue
                if current is not watched:
                    watched, next_look = current, now
                if now < next_look:
                    continue
                next_look = now + POLL_SECONDS
                conn = self._look(conn, current)
        finally:
            if conn is not None:
                conn.close()

    def _sleep(self, watched: _Watched | None, next_look: float) -> float:
        """How long the thread may sleep before it has something to do. Each wake-up takes
        the interpreter's lock from the thread running the migrations, which on a loaded
        machine costs that thread far more than the check's few microseconds: a run of short
        migrations wakes it about once per ``threshold``, not at a fixed tick."""
        current = self._current
        if current is None:
            return self.threshold / 2
        due = next_look if current is watched else current.started + self.threshold
        return max(due - time.monotonic(), _LEAST_SLEEP_SECONDS)

    def _look(
        self, conn: psycopg.Connection | None, current: _Watched
    ) -> psycopg.Connection | None:
        """One observation of ``current``, sent unless the migration ended meanwhile; the
        connection to use next time (None after it failed: the next look connects again)."""
        try:
            if conn is None or conn.closed:
                conn = db.connect(self._url, purpose=self._purpose, settings=_WATCH_SETTINGS)
            seen = observe(conn, current.step, current.pid)
        except ConnectionFailedError:
            return None  # the server is unreachable: the run itself will say so
        except psycopg.Error:
            if conn is not None:
                conn.close()
            return None
        if seen is None:
            return conn
        with self.lock:
            if self._current is current:
                self._last = seen
                self._on_event(seen)
        return conn
