"""``check``: the CI gate's round trips, on a scratch database, plus the static lint.

For each migration, from the schema of all earlier ones: apply its up and inspect; apply its
down, which must give back the schema from before; apply the up again, which must give the
same schema as the first time; then run the up once more on top of itself, inside a
transaction that is rolled back, to learn whether it is re-runnable. Finally every down in
reverse must return the database to its empty starting schema.

The up again is not run where its outcome is already known: the down gave back the schema
from before, the files hold only DDL that casts no rows and uses nothing whose value moves on
its own, and the server saw no function of the migrations run or put in an expression, no
sequence value taken and nothing that held rows dropped (``check.reach``). It would meet
exactly what the first up met, so the round trip comes back to the state after the first up
instead. That third file was a third of a round trip's server time.

Findings share the lint's shape (rule id, severity, file, line), so one report and one exit
code cover both halves.

With ``jobs`` > 1 the migrations are cut into that many runs of consecutive migrations, each
round-tripped at the same time on a scratch database of its own, which first gets the earlier
migrations by plain ups (as a real database would). The server does the work, so the time
divides by the cores it has. Findings are merged in order; a failure that stops one run
discards the runs after it, as it would stop a single run.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import psycopg

from schemactl.catalog.digest import Digest, SchemaDigests
from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.catalog.touched import install
from schemactl.check.reach import (
    BACK_TO_UP,
    COUNT_CALLS,
    FLUSH_COUNTS,
    RENAMES,
    WRITES_CATALOGS,
    calls_made,
    moved_past_schema,
    other_event_triggers,
    runs_code_on_ddl,
    server_wide,
    up_again_follows,
)
from schemactl.check.report import (
    ROUND_TRIP_RULES,
    CheckReport,
    Options,
    ProgressCallback,
    Rerun,
    in_order,
    lint_only,
    start,
)
from schemactl.errors import (
    ConnectionFailedError,
    MigrationFailedError,
    ScratchUnavailableError,
)
from schemactl.files.migrations import Directive, Migration, MigrationSet, Script
from schemactl.files.statements import SEPARATOR, changes_parsing, is_client_copy
from schemactl.lint import Finding, Severity, lint, release
from schemactl.lint.disproof import judged_by_round_trip
from schemactl.run import db
from schemactl.schema.diff import Change, ChangeKind, diff_models
from schemactl.schema.replay import apply_script
from schemactl.schema.scratch import (
    dropped_together,
    is_ours,
    scratch_database,
    signals_to_main_thread,
)


def check_directory(
    directory: Path,
    scratch: Callable[[], AbstractContextManager[str]] | None,
    options: Options = Options(),
    on_migration: ProgressCallback = lambda migration: None,
) -> CheckReport:
    """Lint ``directory`` and, when ``scratch`` opens a scratch URL, run the round trips.

    ``scratch`` returns a context manager yielding the URL of an empty database. A directory
    that does not even load is reported through its layout findings, with no round trip.
    """
    if scratch is None or not options.round_trip:
        return lint_only(directory, options)
    report, migrations = start(directory, options)
    if migrations is None:
        return report
    # The lint runs while the server makes the scratch database (which takes as long), and
    # is done before the round trips start: beside them, its words and caches and their
    # digests held memory at the same time. Its tokens and caches are then let go, since
    # the round trips read statements by their text.
    with ThreadPoolExecutor(
        1, thread_name_prefix="lint", initializer=signals_to_main_thread
    ) as linter:
        linting = linter.submit(
            lint, migrations, disabled=options.disabled, other_rules=ROUND_TRIP_RULES
        )
        with dropped_together(), scratch() as url:
            linted = linting.result()
            # Its thread ends now: the round trips' threads, started next, reuse the memory
            # the C allocator gave it (one it keeps per live thread) instead of adding theirs.
            linter.shutdown()
            release()
            migrations.forget_tokens()
            trip = RoundTrip(url, options, on_migration)
            findings = trip.run(migrations)
            report.reruns = trip.reruns
            report.round_trip_done = True
            report.stopped_at = trip.stopped_at
    del trip
    # Hook: a static down finding that this round trip disproves becomes information.
    findings += judged_by_round_trip(migrations, linted, findings, report.reruns, options.disabled)
    report.findings = sorted(findings, key=in_order)
    return report


# Below this many migrations per run, a second scratch database costs more than it saves
# (about so: the cost below counts its creation as 12 round trips).
MIN_SEGMENT = 10

# What a migration costs a run, in round trips on an empty database. A round trip costs more
# the more migrations came before it (once, every digest scanned the catalogs' user rows);
# applying one by a plain up on the way in, or a down on the way back to empty, cost a tenth
# of a round trip then (see below for now). Runs of equal size left the last run, with the
# largest schema, the plain ups of all the others and the way back, working long after the
# first had finished (on 200 synthetic migrations, one table each, with two jobs: 6.1 s
# against 3.9 s; cut by these figures, 129 and 71 migrations, 5.4 s against 5.2 s). With
# digests that render only what changed, a round trip went from 28 ms after 12 migrations to
# 54 ms after 187 (about 1/190 dearer per migration), yet 1/130 still splits best: 4.2 s and
# 4.3 s, against 4.4 s and 4.7 s with 1/190.
# With digests planned for lookups and plain ups sent a file at a time (2026-12), a round trip
# on 300 realistic migrations went from 25 ms early to 33 ms late, and the first run ended
# 0.2-0.5 s after the second with 1/130: 1/400 splits them 187 and 113.
# Once digests travelled with their steps (2026-12-04), two runs on 300 realistic migrations
# took 21 ms a round trip, 5.6 ms a plain up (a quarter) and 3.1 ms a down on the way back
# (0.15), and a later run waited 0.26 s for its database to be created (12 round trips);
# counted so, the runs on 300 realistic and on 200 synthetic migrations end within 0.05 s of
# each other. A migration also costs more the more SQL it holds: in a public history of 247
# (LemmyNet/lemmy) the first 50 hold half the SQL (views of hundreds of lines, made again and
# again). Counting each 1,000 characters of a migration's files as one more round trip moves its
# cut from 171 to 135; the first run still ends 2.3 s after the second (8.2 s in all, 9.4
# before), since its round trips find that history's inexact downs and work each finding out
# file by file, which no count of bytes foresees.
# Once a round trip no longer ran its second up where the outcome was known (2026-12-05), it
# cost two files where it had cost three: with the old weights the first run ended 0.6-0.7 s
# before the second on 300 realistic migrations, 0.1-0.2 s with a plain up at half a round
# trip and a down on the way back at 0.3, and 0.15-0.3 s with 0.4 and 0.25. The last are kept:
# on lemmy's history, whose first run is the long one, every migration moved to it costs.
_GROWTH = 400  # each earlier migration makes a round trip 1/400 dearer
_PLAIN_UP = 0.4
_PLAIN_DOWN = 0.25
_CREATED = 12.0
_CHARACTERS = 1000


def _weight(migration: Migration) -> float:
    """A migration's round trip, in round trips of a small one, by the SQL its files hold."""
    size = len(migration.up.text) + (len(migration.down.text) if migration.down else 0)
    return 1.0 + size / _CHARACTERS


class _Costs:
    """What a run of migrations ``start`` to ``end`` (exclusive) costs, from their weights."""

    def __init__(self, weights: list[float]):
        self.total = len(weights)
        self._plain = [0.0, *accumulate(weights)]
        grown = (weight * (1 + i / _GROWTH) for i, weight in enumerate(weights))
        self._trips = [0.0, *accumulate(grown)]

    def run(self, start: int, end: int) -> float:
        created = _CREATED if start else 0.0
        way_in = _PLAIN_UP * self._plain[start]
        way_back = _PLAIN_DOWN * self._plain[self.total] if end == self.total else 0.0
        return created + way_in + self._trips[end] - self._trips[start] + way_back


def _segments(migrations: list[Migration], jobs: int) -> list[list[Migration]]:
    """``migrations`` cut into at most ``jobs`` runs of consecutive ones, of near equal cost
    (see ``_Costs``), none shorter than MIN_SEGMENT."""
    ends = _balanced_ends(_Costs([_weight(m) for m in migrations]), jobs)
    starts = [0, *ends[:-1]]
    return [migrations[start:end] for start, end in zip(starts, ends, strict=True)]


def _balanced_ends(costs: _Costs, jobs: int) -> list[int]:
    """Where each run ends, ``jobs`` of them but none shorter than MIN_SEGMENT, so that the
    costliest costs the least."""
    total = costs.total
    count = max(1, min(jobs, total // MIN_SEGMENT))

    def ends_within(budget: float) -> list[int] | None:
        ends, start = [], 0
        for left in range(count, 1, -1):
            end = start + MIN_SEGMENT
            # Longest run within the budget that leaves enough for the runs after it.
            while end < total - MIN_SEGMENT * (left - 1) and costs.run(start, end + 1) <= budget:
                end += 1
            if costs.run(start, end) > budget:
                return None
            ends.append(end)
            start = end
        ends.append(total)
        return ends if costs.run(start, total) <= budget else None

    # No run costs more than one of all that also waits for its database and applies all
    # of them first: that budget always fits.
    low, high = 0.0, costs.run(0, total) + costs.run(total, total)
    best = ends_within(high)
    assert best is not None
    for _ in range(40):
        middle = (low + high) / 2
        found = ends_within(middle)
        if found is None:
            low = middle
        else:
            best, high = found, middle
    return best


class _Stop(Exception):
    """The scratch database is no longer in a known state; later round trips are meaningless."""


class _Differs(Exception):
    """A digest changed where it should not have: look again with full models."""


@dataclass
class _State:
    """A schema state of the scratch database: its digest, and its model once loaded.

    ``replay`` lists the migrations whose plain ups, on an empty database, give the same
    schema: the state's model can then be read there, should it be needed after the scratch
    database has moved on.
    """

    digest: Digest
    model: SchemaModel | None = None
    replay: list[Migration] | None = None


class RoundTrip:
    """The round trips of one migration set on one scratch database.

    Digests (``SchemaDigests``: one query, costing what the step changed) decide the common
    case, where every step gives back what it should. Only when a digest differs are full
    models loaded and compared, which is also what names the objects in a finding. A
    migration whose files both run in transactions makes its whole round trip in one
    transaction, so a differing digest can roll back to the state before it (and the digests
    to the one taken there) and go again with models. Inside it, a savepoint taken after the
    up is where a round trip whose second up is known comes back to.
    """

    def __init__(self, url: str, options: Options, on_migration: ProgressCallback):
        self.url = url
        self.options = options
        self.on_migration = on_migration
        self.findings: list[Finding] = []
        self.reruns: dict[int, Rerun] = {}
        self.stopped_at: int | None = None
        self.digests: SchemaDigests  # of the scratch database, set by ``segment``
        # The migrations applied to the scratch database, in order, by plain ups or round
        # trips; while every round trip gave back the digests it should, their plain ups on
        # an empty database give its schema (``_State.replay``).
        self.applied: list[Migration] = []
        self.replayable = True
        # Whether a second up may be known without running it (check.reach): not where an
        # event trigger runs code on every DDL statement.
        self.infer = True
        # Sent with each round trip's up where the server can be asked to send its counts.
        self._flush = ""

    def run(self, migrations: MigrationSet) -> list[Finding]:
        """Every migration's round trip, then all downs in reverse; returns the findings.

        A set that changes what the whole server shares (roles, tablespaces, databases) runs
        in one run, and reads its models where they hold: two databases of one server would
        see each other's roles, and a replay would meet the ones already made.
        """
        ordered = list(migrations.migrations)
        self.infer = not runs_code_on_ddl(ordered)
        if any(server_wide(m) for m in ordered):
            self.replayable = False
            segments = [ordered]
        else:
            segments = _segments(ordered, self.options.jobs)
        if len(segments) > 1:
            return self._in_parallel(segments)
        self.segment([], segments[0], last=True)
        return self.findings

    def segment(self, earlier: list[Migration], mine: list[Migration], last: bool) -> None:
        """``_segment_on`` a connection of its own, with no run to take over."""
        with _connect(self.url) as conn:
            self._segment_on(conn, earlier, mine, last, lambda: None)

    def _segment_on(
        self,
        conn: psycopg.Connection,
        earlier: list[Migration],
        mine: list[Migration],
        last: bool,
        more: Callable[[], tuple[list[Migration], bool] | None],
        ready: Callable[[bool], None] = lambda applied: None,
    ) -> None:
        """Round-trip ``mine``, after plain ups of ``earlier``; with ``last``, then every down
        in reverse. Tells ``ready`` whether the plain ups applied; when one fails, it
        round-trips nothing.

        Then ``more`` may hand over the run that follows (its migrations, and whether it is
        the last), which this database is now ready for; None when there is none.
        """
        empty = _State(SchemaDigests(conn).take(), load_schema(conn))
        if earlier:
            try:
                _plain_ups(conn, earlier)
            except (MigrationFailedError, psycopg.Error):
                ready(False)
                return
        ready(True)
        if self.infer:
            self.infer = not other_event_triggers(conn)
        # On a database of ours, event triggers tell each digest what a step touched; put
        # on after the plain ups, which need no digest of their own.
        tracking = install(conn) if is_ours(self.url) else None
        if tracking is not None:
            _COUNTING.add(conn)
            if conn.info.server_version >= 150000:
                self._flush = FLUSH_COUNTS
                if earlier:
                    conn.execute(self._flush)  # the plain ups' counts, sent before the first trip
        self.digests = SchemaDigests(conn, tracking)
        state = _State(self.digests.take(), empty.model if not earlier else None)
        self.applied = list(earlier)
        try:
            while True:
                for migration in mine:
                    self.on_migration(migration)
                    state = self._one(conn, migration, state)
                    self.applied.append(migration)
                handed = more()
                if handed is None:
                    break
                mine, last = handed
            if last:
                self._all_down(conn, self.applied, empty)
        except _Stop:
            pass

    def _in_parallel(self, segments: list[list[Migration]]) -> list[Finding]:
        trips = [RoundTrip(self.url, self.options, self.on_migration) for _ in segments]
        for trip in trips:
            trip.infer = self.infer
        # A sibling database (on our scratch database's server) is created by the run that
        # needs it, while the first run already works on ours: CREATE DATABASE copies the
        # template and takes about as long as 10 round trips. One that cannot be created or
        # reached (a role's connection limit), or whose plain ups of the earlier migrations
        # fail where their own run's did not (a role they create is the server's, and that
        # run made it first), leaves its migrations to the run before it, which reaches their
        # start in order.
        created = [threading.Event() for _ in segments]
        available = [True] * len(segments)
        lock = threading.Lock()
        # The first run connects before any sibling is made: under a role's connection limit,
        # a sibling's creator must not take the session the first run cannot do without.
        first_connected = threading.Event()

        def handed_on(taken: list[int]) -> tuple[list[Migration], bool] | None:
            following = taken[-1] + 1
            if following == len(segments):
                return None
            created[following].wait()
            if available[following]:
                return None
            taken.append(following)
            return segments[following], following == len(segments) - 1

        def run(i: int, databases: ExitStack) -> None:
            trip = trips[i]
            with ExitStack() as session:
                try:
                    if i > 0:
                        first_connected.wait()
                        made = scratch_database(self.url)
                        with lock:
                            trip.url = made.__enter__()
                            # Given up by whichever comes first: this run once it ends (the
                            # other runs still going), or the clean-up after an interrupt. On
                            # a server, check_directory drops it with the others at the end.
                            drop = _Once(lambda: made.__exit__(None, None, None))
                            databases.callback(drop)
                        session.callback(drop)
                    try:
                        conn = session.enter_context(_connect(trip.url))
                    finally:
                        if i == 0:
                            first_connected.set()
                except (ScratchUnavailableError, ConnectionFailedError):
                    if i == 0:
                        raise
                    available[i] = False
                    created[i].set()
                    return
                except BaseException:
                    created[i].set()
                    raise

                def ready(applied: bool) -> None:
                    available[i] = applied
                    created[i].set()

                taken = [i]
                earlier = [m for seg in segments[:i] for m in seg]
                last = i == len(segments) - 1
                try:
                    trip._segment_on(
                        conn, earlier, segments[i], last, lambda: handed_on(taken), ready
                    )
                finally:
                    created[i].set()  # however it ended, the run before it need not wait

        with ExitStack() as databases:
            pool = ThreadPoolExecutor(
                len(segments), thread_name_prefix="check", initializer=signals_to_main_thread
            )
            try:
                futures = [pool.submit(run, i, databases) for i in range(len(segments))]
                for future in futures:
                    future.result()
            finally:
                # On an interrupt, do not wait: dropping the databases (with the others, as
                # the check ends) ends their sessions.
                pool.shutdown(wait=False, cancel_futures=True)
        for trip, ran in zip(trips, available, strict=True):
            if not ran:
                continue  # its migrations are in the findings of the run before it
            self.findings.extend(trip.findings)
            self.reruns.update(trip.reruns)
            if trip.stopped_at is not None:
                self.stopped_at = trip.stopped_at
                break
        return self.findings

    # --- one migration --------------------------------------------------------------------

    def _one(self, conn: psycopg.Connection, m: Migration, before: _State) -> _State:
        transactional = not m.up.no_transaction and not (m.down and m.down.no_transaction)
        if transactional:
            found = len(self.findings)
            try:
                with conn.transaction():
                    return self._quick(conn, m, before)
            except (_Differs, MigrationFailedError, psycopg.Error):
                # Rolled back to ``before``. One transaction is not how up and down really
                # run (a new enum value, deferred checks, a failing COMMIT), so whatever
                # went wrong is judged again the way they run, each file on its own.
                self.digests.restore(before.digest)
                del self.findings[found:]
                self.reruns.pop(m.version, None)
            if before.model is None:
                before.model = load_schema(conn)  # what the rollback gave back
        elif before.model is None:
            # Nothing can bring this state back once the up has run: its model is read now,
            # or later from a replay of the migrations before it (only wanted where a digest
            # differs, which a clean history never shows).
            if self.replayable and is_ours(self.url):
                before.replay = list(self.applied)
            else:
                before.model = load_schema(conn)
        return self._thorough(conn, m, before)

    def _quick(self, conn: psycopg.Connection, m: Migration, before: _State) -> _State:
        """The round trip by digests alone; raises at the first surprise (see ``_one``)."""
        after_up = self._apply_and_take(conn, m.up, self._flush)
        if m.down is not None:
            # Where the files allow it, the state after the up is kept, to come back to
            # instead of running the up again if the server agrees (see check.reach).
            follows = self.infer and up_again_follows(m) and not calls_made(conn, before.digest)
            if self._apply_and_take(conn, m.down) != before.digest:
                raise _Differs
            if follows and not moved_past_schema(conn, before.digest):
                conn.execute(BACK_TO_UP, prepare=False)
                self.digests.restore(after_up)
            else:
                again = self._apply_and_take(conn, m.up)
                if again != after_up:
                    raise _Differs
                # Equal, but made of the second up's objects: what the next round trip
                # asks about (Digest.holds, Digest.mark) is this state's.
                after_up = again
        else:
            self._irreversible(m)
        current = _State(after_up)
        self.reruns[m.version] = self._rerun(conn, m, current)
        return current

    def _thorough(self, conn: psycopg.Connection, m: Migration, before: _State) -> _State:
        """The round trip one file at a time, as the files run, naming whatever differs.

        The states before and after the up cannot be brought back: their models are read
        while they hold, or later from a replay (``_State.replay``). After the down and the
        second up, a digest equal to the one it must match stands for the model (equal
        digests, equal models), which is then read only where they differ.
        """
        self._apply(conn, m, m.up, "up-fails", _UP_FAILS)
        digest = self.digests.take()
        if before.replay is not None:
            after_up = _State(digest, replay=[*before.replay, m])
        else:
            after_up = _State(digest, load_schema(conn))
        if m.down is None:
            self._irreversible(m)
            state = after_up
        else:
            state = self._down_and_up(conn, m, m.down, before, after_up)
        self.reruns[m.version] = self._rerun(conn, m, state)
        return state

    def _down_and_up(
        self,
        conn: psycopg.Connection,
        m: Migration,
        down: Script,
        before: _State,
        after_up: _State,
    ) -> _State:
        self._apply(conn, m, down, "down-fails", _DOWN_FAILS)
        if self.digests.take() != before.digest:
            self.replayable = False
            left = diff_models(self._model(m, before), load_schema(conn))
        else:
            left = []
        if left:
            self._add(
                m,
                down,
                "down-not-exact",
                Severity.ERROR,
                f"down of {m.label} does not return the schema to what it was before the up",
                _describe_down(left),
                why="a rollback that leaves objects behind or removes others is not a rollback",
                instead="make the down drop exactly what the up creates, in reverse order",
            )
        self._apply(conn, m, m.up, "up-fails-after-down", _UP_AGAIN_FAILS)
        again = _State(self.digests.take())
        if again.digest == after_up.digest:
            return _State(again.digest, after_up.model, after_up.replay)
        self.replayable = False
        again.model = load_schema(conn)
        changed = diff_models(self._model(m, after_up), again.model)
        if changed:
            self._add(
                m,
                m.up,
                "up-differs-after-down",
                Severity.ERROR,
                f"up of {m.label} gives a different schema after up, down, up",
                _describe(changed, "only after the first up", "only after up again"),
                why="the down leaves state that changes what a second up does",
                instead="make the down undo everything the up does",
            )
        return again

    # --- running the up a second time -----------------------------------------------------

    def _rerun(self, conn: psycopg.Connection, m: Migration, current: _State) -> Rerun:
        promised = self.options.idempotent or Directive.IDEMPOTENT in m.up.directives
        if m.up.no_transaction and not promised:
            # Outside a transaction a re-run cannot be undone; only a promise justifies it.
            return Rerun.NOT_RUN
        outcome = (
            self._rerun_autocommit(conn, m, current)
            if m.up.no_transaction
            else self._rerun_rolled_back(conn, m, current)
        )
        if outcome is Rerun.CHANGES:
            self._add(
                m,
                m.up,
                "rerun-changes-schema",
                Severity.ERROR if promised else Severity.WARNING,
                f"running the up of {m.label} a second time changes the schema again",
                None,
                why="a migration applied twice by accident (a restored ledger, a copied "
                "file) silently creates duplicates",
                instead="name every object, and guard with IF NOT EXISTS where it is meant "
                "to be re-runnable",
            )
        elif outcome is Rerun.FAILS and promised:
            self._add(
                m,
                m.up,
                "not-idempotent",
                Severity.ERROR,
                f"{m.label} is declared re-runnable but fails when run a second time",
                None,
                why="the file (or the set) promises it is safe to run twice",
                instead="use IF NOT EXISTS / IF EXISTS / CREATE OR REPLACE throughout, or "
                "drop the promise",
            )
        return outcome

    def _rerun_rolled_back(self, conn: psycopg.Connection, m: Migration, current: _State) -> Rerun:
        try:
            with conn.transaction(force_rollback=True):
                try:
                    # What a commit would check: the transaction is rolled back, never
                    # committed.
                    self._watch(m.up)
                    _apply_quickly(conn, m.up, then="SET CONSTRAINTS ALL IMMEDIATE")
                except (MigrationFailedError, psycopg.Error):
                    return Rerun.FAILS
                if self.digests.take() == current.digest:
                    return Rerun.RERUNNABLE
                rerun_model = load_schema(conn)
        finally:
            self.digests.restore(current.digest)
        if current.model is None:
            current.model = load_schema(conn)
        return Rerun.CHANGES if diff_models(current.model, rerun_model) else Rerun.RERUNNABLE

    def _rerun_autocommit(self, conn: psycopg.Connection, m: Migration, current: _State) -> Rerun:
        if current.model is None and current.replay is None:
            current.model = load_schema(conn)
        self._watch(m.up)
        try:
            _apply_statement_by_statement(conn, m.up)
            outcome = Rerun.RERUNNABLE
        except MigrationFailedError:
            outcome = Rerun.FAILS
        if self.digests.take() == current.digest:
            return outcome
        if not diff_models(self._model(m, current), load_schema(conn)):
            return outcome
        if outcome is Rerun.RERUNNABLE:
            outcome = Rerun.CHANGES
        self._add(
            m,
            m.up,
            "round-trip-stopped",
            Severity.ERROR,
            f"re-running no-transaction {m.label} left the scratch schema changed; "
            "later migrations were not round-tripped",
            None,
            why="outside a transaction a second run cannot be undone",
            instead="make the file re-runnable, or drop its idempotent promise",
        )
        self.reruns[m.version] = outcome
        self.stopped_at = m.version
        raise _Stop

    def _irreversible(self, m: Migration) -> None:
        self._add(
            m,
            m.up,
            "irreversible",
            Severity.ERROR if self.options.strict else Severity.INFO,
            f"{m.label} is irreversible: no down file, so its round trip was not checked",
            None,
            why="down cannot pass this migration",
            instead="write a down file if the change can be undone",
        )

    # --- the whole way back ---------------------------------------------------------------

    def _all_down(self, conn: psycopg.Connection, applied: list[Migration], empty: _State) -> None:
        for m in reversed(applied):
            if m.down is None:
                return  # reported as irreversible already; the way back ends here
            self._apply(
                conn, m, m.down, "down-fails", "the down file fails on the way back to empty"
            )
        if not applied or self.digests.take() == empty.digest:
            return
        assert empty.model is not None
        left = diff_models(empty.model, load_schema(conn))
        if left:
            first = applied[0]
            self._add(
                first,
                first.down or first.up,
                "not-back-to-empty",
                Severity.ERROR,
                "rolling every migration back does not return the database to empty",
                _describe_down(left),
                why="down --all must leave nothing the migrations created",
                instead="make each down drop what its up creates",
            )

    # --- plumbing -------------------------------------------------------------------------

    def _model(self, m: Migration, state: _State) -> SchemaModel:
        """``state``'s model, read from a replay on a database of its own if it was not read
        while it held; a replay that fails ends the round trips (nothing else can name what
        differs in ``m``'s)."""
        if state.model is None:
            assert state.replay is not None
            try:
                state.model = _replayed(self.url, state.replay)
            except (ScratchUnavailableError, ConnectionFailedError, MigrationFailedError) as e:
                reason = e.message
            except psycopg.Error as e:
                reason = str(e).strip()
            else:
                return state.model
            self._add(
                m,
                m.up,
                "round-trip-stopped",
                Severity.ERROR,
                f"the round trip of {m.label} changed the schema where it should not, and what "
                "changed could not be named; later migrations were not round-tripped",
                f"the schema before it could not be rebuilt on a second scratch database: {reason}",
                why="a no-transaction file cannot be rolled back to read the schema it changed",
                instead="make the round trip exact (the down undoing the up); the detail says "
                "why the migrations before it could not be replayed",
            )
            self.stopped_at = m.version
            raise _Stop
        return state.model

    def _apply_and_take(self, conn: psycopg.Connection, script: Script, first: str = "") -> Digest:
        """``_apply_quickly`` and then a digest, in one round trip where they can share it;
        ``first`` (a statement of the caller's transaction) is sent before the file."""
        self._watch(script)
        text = _quick_text(conn, script)
        if text is None:
            if first:
                conn.execute(first, prepare=False)
            _apply_statement_by_statement(conn, script)
            return self.digests.take()
        return self.digests.take(f"{first}{SEPARATOR}{text}" if first else text)

    def _watch(self, script: Script) -> None:
        """Before ``script`` runs: a file that writes catalog rows itself, which no event
        trigger reports, makes the next digest scan the catalogs; one that renames makes it
        render what names the renamed objects."""
        for statement in script.statements:
            if WRITES_CATALOGS.search(statement.normalized):
                self.digests.distrust()
            if RENAMES.search(statement.normalized):
                self.digests.expect_renames()

    def _apply(
        self, conn: psycopg.Connection, m: Migration, script: Script, rule: str, why: str
    ) -> None:
        """``script`` run as a real run runs it; a failure ends the round trips with a finding
        that names the statement."""
        self._watch(script)
        if not script.no_transaction:
            try:
                _apply_plainly(conn, script)  # one round trip, in a transaction of its own
                return
            except (MigrationFailedError, psycopg.Error):
                pass  # rolled back: run again a statement at a time, to name the statement
        try:
            _apply_statement_by_statement(conn, script)
        except MigrationFailedError as error:
            self.stopped_at = m.version
            self.findings.append(
                Finding(
                    rule=rule,
                    severity=Severity.ERROR,
                    path=script.path,
                    line=error.line,
                    message=error.reason,
                    why=why,
                    instead="fix the statement; later round trips depend on this one",
                    version=m.version,
                    detail=error.detail,
                )
            )
            raise _Stop from None

    def _add(
        self,
        m: Migration,
        script: Script,
        rule: str,
        severity: Severity,
        message: str,
        detail: str | None,
        *,
        why: str,
        instead: str,
    ) -> None:
        # A round trip involves both files, so a directive in either silences it.
        silenced = m.up.disabled_rules | (m.down.disabled_rules if m.down else frozenset())
        if rule in self.options.disabled or rule in silenced:
            return
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                path=script.path,
                line=None,
                message=message,
                why=why,
                instead=instead,
                version=m.version,
                detail=detail,
            )
        )


_UP_FAILS = "the up file fails on the schema of the migrations before it"


class _Once:
    """``action``, run by the first of its callers only."""

    def __init__(self, action: Callable[[], object]):
        self._action: Callable[[], object] | None = action
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            action, self._action = self._action, None
        if action is not None:
            action()


def _replayed(url: str, migrations: list[Migration]) -> SchemaModel:
    """The model of the schema the plain ups of ``migrations`` give, on a new database beside
    the scratch database ``url``."""
    with scratch_database(url) as sibling, _connect(sibling) as conn:
        _plain_ups(conn, migrations)
        return load_schema(conn)


def _connect(url: str) -> psycopg.Connection:
    conn = db.connect(url, purpose="check")
    # psycopg deallocates every statement it prepared after each DROP, ALTER or ROLLBACK, and
    # with them the digest statement (catalog.digest._execute).
    conn.prepare_threshold = None
    return conn


def _plain_ups(conn: psycopg.Connection, migrations: list[Migration]) -> None:
    """The up of each of ``migrations``, in order, as ``_apply_plainly`` runs it."""
    for migration in migrations:
        _apply_plainly(conn, migration.up)


def _apply_plainly(conn: psycopg.Connection, script: Script) -> None:
    """``script`` run as a real run runs it, with no digest: a transactional file in one
    round trip of its own transaction, which a failure rolls back."""
    if script.no_transaction:
        _apply_statement_by_statement(conn, script)
        return
    with conn.transaction():
        _apply_quickly(conn, script)


def _apply_quickly(conn: psycopg.Connection, script: Script, then: str = "") -> None:
    """``_fresh_session`` and ``apply_script`` of transactional ``script``, then ``then``, in
    one round trip, inside the caller's transaction.

    For the round trips by digests, where a failure is only noticed: the caller rolls back
    and runs the files again one statement at a time, which is what names the statement.
    """
    text = _quick_text(conn, script, then)
    if text is None:
        _apply_statement_by_statement(conn, script, then)
    else:
        conn.execute(text.encode("utf-8"), prepare=False)


def _apply_statement_by_statement(conn: psycopg.Connection, script: Script, then: str = "") -> None:
    """``script`` in a fresh session, a statement at a time, then ``then``."""
    _fresh_session(conn)
    apply_script(conn, script)
    if then:
        conn.execute(then)


def _quick_text(conn: psycopg.Connection, script: Script, then: str = "") -> str | None:
    """``_apply_quickly``'s one text for ``script``, or None where the file must run a statement
    at a time (a statement that changes how the rest is read, or a client-side COPY).

    The session reads the text as a new session would: where the file before left it reading
    another way, the reset is sent now, on its own.
    """
    if any(changes_parsing(s) or is_client_copy(s) for s in script.statements):
        return None  # one text is parsed whole before any of it runs
    parts = [_fresh(conn), "SAVEPOINT schemactl_apply"]
    if not db.reads_plainly(conn):
        # The file before left the session reading text another way: the reset must take
        # effect before this file's text is read, as in the new session a real run opens.
        _fresh_session(conn)
        del parts[0]
    parts += (statement.text for statement in script.statements)
    parts.append("RELEASE SAVEPOINT schemactl_apply")
    if then:
        parts.append(then)
    return SEPARATOR.join(parts)


def _fresh_session(conn: psycopg.Connection) -> None:
    """Settings as a new session has them, as each real run of a file starts.

    An up that says ``SET search_path = app`` must not lend that to its down, nor a temporary
    table it made (a backfill's scratch list) to its second up, nor the values a sequence with
    ``CACHE`` handed this session (a new session takes its first from the sequence itself,
    which is what check.reach counts). The settings kept are that a scratch database's
    commits need not wait for the disk and, where check.reach asks what functions ran, that
    the server counts every call.
    """
    # One round trip: the simple protocol runs them all.
    conn.execute(_fresh(conn).encode(), prepare=False)


def _fresh(conn: psycopg.Connection) -> str:
    return f"{_FRESH}; {COUNT_CALLS}" if conn in _COUNTING else _FRESH


_FRESH = "RESET ALL; RESET ROLE; DISCARD TEMP; DISCARD SEQUENCES; SET synchronous_commit = off"

# The connections whose round trips may be known without a second up (a superuser's, where
# the event triggers are): every file on them runs with its function calls counted.
_COUNTING: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()


_DOWN_FAILS = "the down file fails right after its up"
_UP_AGAIN_FAILS = "the up file fails after its down"


def _describe_down(changes: list[Change]) -> str:
    return _describe(changes, "removed too much", "left behind")


def _describe(changes: list[Change], missing: str, unexpected: str) -> str:
    """One line per change: what is missing, left over, or different."""
    lines = []
    for c in changes:
        subject = f"{c.object_type} {c.name}"
        if c.kind is ChangeKind.MISSING:
            lines.append(f"{missing}: {subject}")
        elif c.kind is ChangeKind.UNEXPECTED:
            lines.append(f"{unexpected}: {subject}")
        else:
            lines.append(f"changed: {subject} {c.property}: {c.expected!r} -> {c.actual!r}")
    return "\n".join(lines)
