"""Executing plans on a real database: atomicity, events, dirty state, resume, retries."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable

import psycopg
import pytest

from schemactl.errors import (
    InterruptedRunError,
    MigrationFailedError,
    RefusedError,
    SchemactlError,
)
from schemactl.files.migrations import MigrationSet, load_directory
from schemactl.run import ledger, simple_query
from schemactl.run.ledger import LedgerTable
from schemactl.run.plan import Direction, Plan, Step
from schemactl.run.runner import (
    MigrationFailed,
    MigrationFinished,
    MigrationStarted,
    RetryScheduled,
    Runner,
    StatementDone,
)
from schemactl.run.session import WorkSession
from tests.conftest import url_for

TABLE = LedgerTable.parse("public.schemactl_migrations")


@pytest.fixture
def migrations(migration_dir):
    def load(spec) -> MigrationSet:
        return load_directory(migration_dir(spec))

    return load


def session(conn, work=None, **settings) -> WorkSession:
    """Migrations' session: a new connection to ``conn``'s database, or ``work``."""
    return WorkSession(url_for(conn), settings, "up", conn=work)


def runner(conn, events=None, *, work=None, settings=None, **kwargs) -> Runner:
    """A runner whose run lock and ledger connection is ``conn``."""
    ledger.ensure(conn, TABLE)
    return Runner(
        conn,
        session(conn, work, **(settings or {})),
        TABLE,
        on_event=events.append if events is not None else lambda event: None,
        **kwargs,
    )


def up(migration_set: MigrationSet, *versions: int, start: int = 0) -> Plan:
    steps = [
        Step(migration_set.by_version[v], Direction.UP, start, resuming=bool(start))
        for v in versions
    ]
    return Plan(Direction.UP, tuple(steps))


def rows(conn):
    return [(r.version, r.dirty, r.statements_done) for r in ledger.read(conn, TABLE)]


def exists(conn, name: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def test_migration_and_its_ledger_row_commit_in_one_transaction(conn, migrations):
    m = migrations(
        {"0001_t": ("CREATE TABLE t (id int); INSERT INTO t VALUES (1);", "DROP TABLE t;")}
    )

    runner(conn).run(up(m, 1))

    data_xmin = conn.execute("SELECT xmin::text FROM t").fetchone()
    ledger_xmin = conn.execute("SELECT xmin::text FROM schemactl_migrations").fetchone()
    assert data_xmin == ledger_xmin


def test_failed_third_statement_rolls_back_the_first_two_and_writes_no_row(conn, migrations):
    m = migrations(
        {
            "0001_t": (
                """
                CREATE TABLE t (id int PRIMARY KEY);
                INSERT INTO t VALUES (1);
                INSERT INTO t VALUES (1);
                """,
                "DROP TABLE t;",
            )
        }
    )
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events).run(up(m, 1))

    error = raised.value
    assert (error.path.name, error.line, error.sqlstate, error.dirty) == (
        "0001_t.up.sql", 3, "23505", False,
    )  # fmt: skip
    assert "duplicate key value violates unique constraint" in error.message
    assert "statement 3: INSERT INTO t VALUES (1)" in error.detail
    assert "DETAIL: Key (id)=(1) already exists." in error.detail
    assert not exists(conn, "t")
    assert rows(conn) == []
    assert isinstance(events[-1], MigrationFailed) and events[-1].error is error


def test_events_report_start_each_statement_and_finish(conn, migrations):
    m = migrations({"0001_t": ("SELECT 1; SELECT 2;", "SELECT 3;")})
    events = []

    (result,) = runner(conn, events).run(up(m, 1))

    assert [type(e) for e in events] == [
        MigrationStarted, StatementDone, StatementDone, MigrationFinished,
    ]  # fmt: skip
    assert [(e.index, e.total) for e in events if isinstance(e, StatementDone)] == [(0, 2), (1, 2)]
    assert events[0].attempt == 1
    assert result.duration_ms >= 0 and result.step.migration.version == 1


def test_down_runs_the_down_file_and_removes_the_row_together(conn, migrations):
    m = migrations({"0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;")})
    run = runner(conn)
    run.run(up(m, 1))

    run.run(Plan(Direction.DOWN, (Step(m.by_version[1], Direction.DOWN),)))

    assert not exists(conn, "t")
    assert rows(conn) == []


NO_TX = """
-- schemactl:no-transaction
CREATE TABLE a (id int);
CREATE INDEX CONCURRENTLY a_id ON a (id);
CREATE INDEX CONCURRENTLY b_id ON b (id);
CREATE TABLE c (id int);
"""


def test_no_transaction_failure_leaves_a_dirty_row_counting_completed_statements(conn, migrations):
    m = migrations({"0001_idx": (NO_TX, "DROP TABLE a;")})
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events).run(up(m, 1))

    assert raised.value.dirty is True
    assert raised.value.line == 4
    assert "2 of 4 statements completed before this one" in raised.value.detail
    assert "schemactl up --resume" in raised.value.hint
    assert rows(conn) == [(1, True, 2)]
    assert exists(conn, "a_id") and not exists(conn, "c")
    assert sum(isinstance(e, StatementDone) for e in events) == 2


def test_resume_runs_only_the_remaining_statements(conn, migrations):
    m = migrations({"0001_idx": (NO_TX, "DROP TABLE a;")})
    run = runner(conn)
    with pytest.raises(MigrationFailedError):
        run.run(up(m, 1))
    conn.execute("CREATE TABLE b (id int)")

    run.run(up(m, 1, start=2))

    assert exists(conn, "b_id") and exists(conn, "c")
    assert rows(conn) == [(1, False, None)]


def test_resume_refuses_when_completed_statements_changed(conn, migration_dir, migrations):
    m = migrations({"0001_idx": (NO_TX, "DROP TABLE a;")})
    run = runner(conn)
    with pytest.raises(MigrationFailedError):
        run.run(up(m, 1))
    directory = m.directory
    (directory / "0001_idx.up.sql").write_text(
        textwrap.dedent(NO_TX).replace("ON a (id)", "ON a (id DESC)")
    )
    changed = load_directory(directory)

    with pytest.raises(RefusedError, match="statements that already ran have changed"):
        run.run(up(changed, 1, start=2))

    assert rows(conn) == [(1, True, 2)]


def test_no_transaction_failure_in_the_first_statement_leaves_no_row(conn, migrations):
    m = migrations(
        {
            "0001_idx": (
                "-- schemactl:no-transaction\nCREATE INDEX CONCURRENTLY x ON y (z);",
                "SELECT 1;",
            )
        }
    )

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn).run(up(m, 1))

    assert raised.value.dirty is False
    assert rows(conn) == []


@pytest.fixture
def blocker(conn):
    """A second session holding ACCESS EXCLUSIVE on table t in an open transaction."""
    conn.execute("CREATE TABLE t (id int)")
    with psycopg.connect(url_for(conn)) as other:
        other.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        yield other
        other.rollback()


def test_lock_timeout_failures_are_retried_until_the_lock_is_free(conn, blocker, migrations):
    m = migrations({"0001_col": ("ALTER TABLE t ADD COLUMN x int;", "ALTER TABLE t DROP x;")})
    events = []

    def release_on_first_retry(event) -> None:
        events.append(event)
        if isinstance(event, RetryScheduled) and event.attempt == 2:
            blocker.commit()

    run = Runner(
        conn,
        session(conn, lock_timeout="100ms"),
        TABLE,
        retries=5,
        backoff_seconds=0.01,
        on_event=release_on_first_retry,
    )
    ledger.ensure(conn, TABLE)
    run.run(up(m, 1))

    retries = [e for e in events if isinstance(e, RetryScheduled)]
    starts = [e.attempt for e in events if isinstance(e, MigrationStarted)]
    assert [(e.attempt, e.delay_seconds) for e in retries] == [(1, 0.01), (2, 0.02)]
    assert all("55P03" in e.reason for e in retries)
    assert starts == [1, 2, 3]
    assert rows(conn) == [(1, False, None)]


def test_lock_timeout_is_not_retried_without_retries(conn, blocker, migrations):
    m = migrations({"0001_col": ("ALTER TABLE t ADD COLUMN x int;", "ALTER TABLE t DROP x;")})
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events, settings={"lock_timeout": "50ms"}).run(up(m, 1))

    assert raised.value.sqlstate == "55P03"
    assert not any(isinstance(e, RetryScheduled) for e in events)


def test_no_transaction_migrations_are_never_retried(conn, blocker, migrations):
    m = migrations(
        {"0001_col": ("-- schemactl:no-transaction\nALTER TABLE t ADD COLUMN x int;", "SELECT 1;")}
    )
    events = []
    run = runner(conn, events, settings={"lock_timeout": "50ms"}, retries=3, backoff_seconds=0.01)

    with pytest.raises(MigrationFailedError):
        run.run(up(m, 1))

    assert not any(isinstance(e, RetryScheduled) for e in events)


def test_other_failures_are_not_retried(conn, migrations):
    m = migrations({"0001_bad": ("SELECT 1/0;", "SELECT 1;")})
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events, retries=3, backoff_seconds=0.01).run(up(m, 1))

    assert raised.value.sqlstate == "22012"
    assert [e.attempt for e in events if isinstance(e, MigrationStarted)] == [1]


def test_commit_failure_rolls_back_and_is_reported_as_a_migration_failure(conn, migrations):
    m = migrations(
        {
            "0001_fk": (
                "CREATE TABLE p (id int PRIMARY KEY);"
                " CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);"
                " INSERT INTO c VALUES (1);",
                "DROP TABLE c; DROP TABLE p;",
            )
        }
    )
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events).run(up(m, 1))

    assert (raised.value.sqlstate, raised.value.dirty) == ("23503", False)
    assert isinstance(events[-1], MigrationFailed)
    assert not exists(conn, "p")
    assert rows(conn) == []


def test_syntax_error_in_a_later_statement_runs_nothing_and_names_its_line(conn, migrations):
    m = migrations(
        {
            "0001_t": (
                "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n\nINSERT INTO t VALUS (2);",
                "DROP TABLE t;",
            )
        }
    )
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events).run(up(m, 1))

    error = raised.value
    assert (error.line, error.sqlstate) == (4, "42601")
    assert 'syntax error at or near "VALUS"' in error.message
    assert "statement 3: INSERT INTO t VALUS (2)" in error.detail
    assert not exists(conn, "t") and rows(conn) == []
    assert not any(isinstance(e, StatementDone) for e in events)
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_statement_cut_short_is_reported_on_its_own_last_line(conn, migrations):
    m = migrations({"0001_t": ("CREATE TABLE t (id int);\nSELECT (1 +\n  2;", "DROP TABLE t;")})

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn).run(up(m, 1))

    assert (raised.value.line, raised.value.sqlstate) == (3, "42601")
    assert "statement 2: SELECT (1 +" in raised.value.detail


def test_error_after_earlier_statements_reports_only_those_as_done(conn, migrations):
    m = migrations({"0001_t": ("SELECT 1;\nSELECT 2;\nSELECT 1 / 0;\nSELECT 4;", "SELECT 1;")})
    events = []

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn, events).run(up(m, 1))

    assert (raised.value.line, raised.value.sqlstate) == (3, "22012")
    assert [e.index for e in events if isinstance(e, StatementDone)] == [0, 1]


def test_statement_ending_in_a_line_comment_keeps_its_semicolon(conn, migrations):
    m = migrations(
        {"0001_t": ("CREATE TABLE t (id int) -- no semicolon after me\n", "DROP TABLE t;")}
    )

    runner(conn).run(up(m, 1))

    assert exists(conn, "t") and rows(conn) == [(1, False, None)]


def test_ledger_records_the_time_the_server_spent_on_the_migration(conn, migrations):
    m = migrations({"0001_t": ("SELECT pg_sleep(0.2);", "SELECT 1;")})

    (result,) = runner(conn).run(up(m, 1))

    (recorded,) = conn.execute("SELECT execution_ms FROM schemactl_migrations").fetchone()
    assert 200 <= recorded <= result.duration_ms


def test_lost_connection_is_a_migration_failure_that_applies_nothing(conn, migrations):
    m = migrations({"0001_t": ("CREATE TABLE t (id int);\nSELECT pg_sleep(30);", "DROP TABLE t;")})
    ledger.ensure(conn, TABLE)
    with psycopg.connect(url_for(conn), autocommit=True) as victim:
        pid = victim.info.backend_pid
        killer = threading.Timer(
            0.5, lambda: conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        )
        killer.start()
        try:
            with pytest.raises(MigrationFailedError) as raised:
                runner(conn, work=victim).run(up(m, 1))
        finally:
            killer.join()

    assert raised.value.path.name == "0001_t.up.sql"
    assert "connection was lost" in raised.value.detail
    assert "schemactl status" in raised.value.hint
    assert not exists(conn, "t") and rows(conn) == []


def test_a_file_that_fails_to_read_ahead_fails_its_own_step_not_the_one_running(
    conn, migration_dir
):
    directory = migration_dir(
        {
            "0001_a": ("CREATE TABLE a (id int);", "DROP TABLE a;"),
            "0002_b": ("SELECT 1;", "SELECT 1;"),
        }
    )
    m = load_directory(directory, defer=True)
    (directory / "0002_b.down.sql").write_bytes(b"\xff\xfe not utf-8")
    events = []

    with pytest.raises(SchemactlError) as raised:
        runner(conn, events).run(up(m, 1, 2))

    assert "0002_b.down.sql" in raised.value.detail
    assert exists(conn, "a") and [r[0] for r in rows(conn)] == [1]
    assert [e.step.migration.version for e in events if isinstance(e, MigrationFinished)] == [1]


class InterruptedWhilePreparing(Runner):
    """A runner that receives Ctrl-C while it builds the next migration's query, once
    ``when()`` holds (polled, up to 30 s), so that it lands where the test needs it."""

    def __init__(self, *args, when, **kwargs):
        super().__init__(*args, **kwargs)
        self.when = when

    def _prepare_upcoming(self) -> None:
        deadline = time.monotonic() + 30
        while not self.when():
            assert time.monotonic() < deadline, "the run never reached the point to interrupt"
            time.sleep(0.02)
        raise KeyboardInterrupt


def sleeping(conn, victim) -> Callable[[], bool]:
    pid = victim.info.backend_pid
    query = "SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = %s"
    return lambda: bool(conn.execute(query, (pid,)).fetchone()[0])


def test_an_interrupt_after_the_server_committed_reports_the_migration_applied(conn, migration_dir):
    m = load_directory(
        migration_dir(
            {
                "0001_a": ("CREATE TABLE a (id int);", "DROP TABLE a;"),
                "0002_b": ("CREATE TABLE b (id int);", "DROP TABLE b;"),
            }
        )
    )
    ledger.ensure(conn, TABLE)
    events = []

    def committed() -> bool:
        return bool(rows(conn))

    with psycopg.connect(url_for(conn), autocommit=True) as victim:
        run = InterruptedWhilePreparing(
            conn, session(conn, victim), TABLE, on_event=events.append, when=committed
        )
        with pytest.raises(KeyboardInterrupt):
            run.run(up(m, 1, 2))
        assert victim.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

    assert [r[0] for r in rows(conn)] == [1] and exists(conn, "a") and not exists(conn, "b")
    assert [e.step.migration.version for e in events if isinstance(e, MigrationFinished)] == [1]


def test_an_interrupt_the_server_obeys_rolls_the_migration_back(conn, migrations):
    m = migrations(
        {
            "0001_a": ("CREATE TABLE a (id int);\nSELECT pg_sleep(30);", "DROP TABLE a;"),
            "0002_b": ("CREATE TABLE b (id int);", "DROP TABLE b;"),
        }
    )
    ledger.ensure(conn, TABLE)

    with psycopg.connect(url_for(conn), autocommit=True) as victim:
        run = InterruptedWhilePreparing(
            conn, session(conn, victim), TABLE, when=sleeping(conn, victim)
        )
        with pytest.raises(KeyboardInterrupt):
            run.run(up(m, 1, 2))
        assert victim.info.transaction_status == psycopg.pq.TransactionStatus.IDLE

    assert rows(conn) == [] and not exists(conn, "a")


STUBBORN = """
CREATE TABLE a (id int);
DO $$ BEGIN PERFORM pg_sleep(30);
EXCEPTION WHEN query_canceled THEN PERFORM pg_sleep(60); END $$;
"""


def test_an_interrupt_the_server_ignores_ends_its_session_and_says_status_will_tell(
    conn, migrations, monkeypatch
):
    monkeypatch.setattr(simple_query, "CANCEL_WAIT_SECONDS", 0.5)
    m = migrations({"0001_a": (STUBBORN, "DROP TABLE a;"), "0002_b": ("SELECT 1;", "SELECT 1;")})
    ledger.ensure(conn, TABLE)
    victim = psycopg.connect(url_for(conn), autocommit=True)

    with pytest.raises(InterruptedRunError) as raised:
        InterruptedWhilePreparing(
            conn, session(conn, victim), TABLE, when=sleeping(conn, victim)
        ).run(up(m, 1, 2))

    assert "its end could not be read" in raised.value.message
    assert "schemactl status" in raised.value.hint
    assert victim.closed
    assert rows(conn) == [] and not exists(conn, "a")


def test_a_failing_ledger_row_is_named_as_such(conn, migrations):
    ledger.ensure(conn, TABLE)
    conn.execute("ALTER TABLE schemactl_migrations ADD CHECK (name <> 'refused')")
    m = migrations({"0001_refused": ("CREATE TABLE a (id int);", "DROP TABLE a;")})

    with pytest.raises(MigrationFailedError) as raised:
        runner(conn).run(up(m, 1))

    assert "writing the ledger row" in raised.value.detail
    assert raised.value.sqlstate == "23514" and not exists(conn, "a")


def test_copy_results_are_read_through_and_never_wait_for_data(conn):
    out = simple_query.run(conn, "BEGIN;\nCOPY (SELECT 1) TO STDOUT;\nSELECT 2;\nCOMMIT")
    assert (out.completed, out.error) == (4, None)

    conn.execute("CREATE TABLE a (id int)")
    stuck = simple_query.run(conn, "BEGIN;\nCOPY a FROM STDIN;\nSELECT 2;\nCOMMIT")
    assert stuck.completed == 1 and stuck.error is not None
    assert "schemactl sends no COPY data" in str(stuck.error)
    conn.rollback()
