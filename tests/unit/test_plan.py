"""Planning without I/O: states from files + ledger rows, the steps of up/down, refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemactl.errors import LedgerStateError, RefusedError, UsageError
from schemactl.files.migrations import MigrationSet, load_directory
from schemactl.run.plan import (
    Direction,
    LastSent,
    LedgerRow,
    Overrides,
    State,
    compute_status,
    dirty_error,
    plan_down,
    plan_up,
    statement_changes,
)


def files(tmp_path: Path, versions: list[int], irreversible: tuple[int, ...] = ()) -> MigrationSet:
    for v in versions:
        if v in irreversible:
            (tmp_path / f"{v:04d}_m{v}.up.sql").write_text(
                f"-- schemactl:irreversible\nSELECT {v};"
            )
            continue
        (tmp_path / f"{v:04d}_m{v}.up.sql").write_text(f"SELECT {v};")
        (tmp_path / f"{v:04d}_m{v}.down.sql").write_text(f"SELECT -{v};")
    return load_directory(tmp_path)


def row(migrations: MigrationSet | None, version: int, **changes) -> LedgerRow:
    migration = migrations.by_version.get(version) if migrations else None
    values = {
        "version": version,
        "name": f"m{version}",
        "checksum": migration.up.checksum if migration else "gone",
        # As schemactl records it: NULL only for a migration applied without a down file.
        "down_checksum": migration.down.checksum if migration and migration.down else None,
        "applied_at": datetime(2026, 1, 1, tzinfo=UTC),
        "applied_by": "postgres",
        "execution_ms": 1.0,
        "dirty": False,
        "dirty_direction": None,
        "statements_done": None,
    }
    values.update(changes)
    return LedgerRow(**values)


def states(migrations, rows):
    return {s.version: s.state for s in compute_status(migrations, rows)}


def versions(plan):
    return [(step.migration.version, step.direction, step.start) for step in plan.steps]


def test_states_of_every_kind(tmp_path):
    migrations = files(tmp_path, [1, 2, 3, 5, 6])
    rows = [
        row(migrations, 1),
        row(migrations, 2, checksum="old"),
        row(None, 4),
        row(migrations, 5, dirty=True, dirty_direction="up", statements_done=1),
    ]

    assert states(migrations, rows) == {
        1: State.APPLIED,
        2: State.MODIFIED,
        3: State.OUT_OF_ORDER,
        4: State.MISSING,
        5: State.DIRTY,
        6: State.PENDING,
    }


def test_status_keeps_the_ledger_name_of_a_missing_version(tmp_path):
    migrations = files(tmp_path, [])

    (status,) = compute_status(migrations, [row(None, 7, name="old_name")])

    assert (status.name, status.migration, status.state) == ("old_name", None, State.MISSING)


def test_nothing_applied_means_everything_pending(tmp_path):
    migrations = files(tmp_path, [1, 2])

    assert states(migrations, []) == {1: State.PENDING, 2: State.PENDING}


def test_plan_up_applies_pending_in_order_up_to_to(tmp_path):
    migrations = files(tmp_path, [1, 2, 3, 4])
    statuses = compute_status(migrations, [row(migrations, 1)])

    assert versions(plan_up(statuses)) == [(2, Direction.UP, 0), (3, Direction.UP, 0),
                                           (4, Direction.UP, 0)]  # fmt: skip
    assert versions(plan_up(statuses, to=3)) == [(2, Direction.UP, 0), (3, Direction.UP, 0)]
    assert versions(plan_up(statuses, to=1)) == []


@pytest.mark.parametrize(
    ("rows_for", "override", "message"),
    [
        (lambda m: [row(m, 1, checksum="old")], "allow_modified", "was modified"),
        (lambda m: [row(m, 1), row(m, 2), row(None, 3)], "allow_missing", "its file is missing"),
        (lambda m: [row(m, 2)], "allow_out_of_order", "a higher version is already applied"),
    ],
)
def test_plan_up_refuses_each_ledger_state_unless_overridden(tmp_path, rows_for, override,
                                                             message):  # fmt: skip
    migrations = files(tmp_path, [1, 2])
    statuses = compute_status(migrations, rows_for(migrations))

    with pytest.raises(RefusedError, match=message) as raised:
        plan_up(statuses)
    assert raised.value.exit_code == 5

    plan_up(statuses, overrides=Overrides(**{override: True}))


def test_out_of_order_migration_is_planned_in_version_order_when_allowed(tmp_path):
    migrations = files(tmp_path, [1, 2, 3, 4])
    statuses = compute_status(migrations, [row(migrations, 1), row(migrations, 3)])

    plan = plan_up(statuses, overrides=Overrides(allow_out_of_order=True))

    assert [v for v, _, _ in versions(plan)] == [2, 4]


def test_dirty_refuses_up_and_down_and_says_how_far_it_got(tmp_path):
    migrations = files(tmp_path, [1, 2])
    dirty = row(migrations, 1, dirty=True, dirty_direction="up", statements_done=0)
    statuses = compute_status(migrations, [dirty])

    for plan in (plan_up, plan_down):
        with pytest.raises(RefusedError, match="migration 1 m1 is dirty") as raised:
            plan(statuses)
        assert raised.value.detail.startswith("0 of 1 statements completed")


def test_dirty_error_without_a_file_omits_the_total(tmp_path):
    migrations = files(tmp_path, [])
    (status,) = compute_status(
        migrations, [row(None, 1, dirty=True, dirty_direction="down", statements_done=2)]
    )

    error = dirty_error(status)

    assert "while going down" in error.message
    assert error.detail.startswith("2 statements completed")


def long_file(tmp_path: Path, statements: int = 6) -> MigrationSet:
    """Migration 1 with ``statements`` statements, and migration 2."""
    body = "\n".join(f"SELECT {i};" for i in range(statements))
    (tmp_path / "0001_m1.up.sql").write_text(f"-- schemactl:no-transaction\n{body}")
    (tmp_path / "0001_m1.down.sql").write_text("SELECT 0;")
    (tmp_path / "0002_m2.up.sql").write_text("SELECT 2;")
    (tmp_path / "0002_m2.down.sql").write_text("SELECT 2;")
    return load_directory(tmp_path)


def dirty_row(migrations: MigrationSet, **changes) -> LedgerRow:
    return row(migrations, 1, dirty=True, dirty_direction="up", **changes)


def test_resume_starts_at_the_failed_statement_then_continues(tmp_path):
    migrations = long_file(tmp_path)
    statuses = compute_status(migrations, [dirty_row(migrations, statements_done=4)])

    plan = plan_up(statuses, resume=True)

    assert versions(plan) == [(1, Direction.UP, 4), (2, Direction.UP, 0)]
    assert plan.steps[0].resuming and not plan.steps[0].sent_unknown
    assert not plan.steps[1].resuming


def test_resume_of_a_statement_sent_before_a_crash_is_left_to_proof(tmp_path):
    migrations = long_file(tmp_path)
    dirty = dirty_row(migrations, statements_done=2, statement_sent=3, sent_by_pid=77)

    (step, _) = plan_up(compute_status(migrations, [dirty]), resume=True).steps

    assert (step.start, step.resuming, step.sent_unknown) == (2, True, True)
    assert step.row == dirty


@pytest.mark.parametrize(("last", "start"), [(LastSent.RERUN, 2), (LastSent.SKIP, 3)])
def test_rerun_last_and_skip_last_decide_the_statement_sent_before_a_crash(tmp_path, last, start):
    migrations = long_file(tmp_path)
    dirty = dirty_row(migrations, statements_done=2, statement_sent=3)

    (step, _) = plan_up(compute_status(migrations, [dirty]), resume=True, last=last).steps

    assert (step.start, step.sent_unknown) == (start, False)


def test_rerun_last_without_an_unknown_statement_is_a_usage_error(tmp_path):
    migrations = long_file(tmp_path)
    statuses = compute_status(migrations, [dirty_row(migrations, statements_done=2)])

    with pytest.raises(UsageError, match="no statement of migration 1 has an unknown outcome"):
        plan_up(statuses, resume=True, last=LastSent.RERUN)
    with pytest.raises(UsageError, match="go with --resume"):
        plan_up(statuses, last=LastSent.SKIP)


@pytest.mark.parametrize(("done", "sent"), [(-1, None), (7, None), (2, 5), (2, 2), (6, 7)], ids=str)
def test_resume_refuses_progress_schemactl_cannot_have_written(tmp_path, done, sent):
    migrations = long_file(tmp_path)
    dirty = dirty_row(migrations, statements_done=done, statement_sent=sent)

    with pytest.raises(LedgerStateError, match="the ledger row of migration 1 is inconsistent"):
        plan_up(compute_status(migrations, [dirty]), resume=True)


def test_a_dirty_row_with_an_unknown_statement_says_so(tmp_path):
    migrations = long_file(tmp_path)
    dirty = dirty_row(migrations, statements_done=2, statement_sent=3)

    error = dirty_error(compute_status(migrations, [dirty])[0])

    assert "statement 3 was sent to the server before the run stopped" in error.detail


def test_resume_without_a_dirty_migration_is_a_usage_error(tmp_path):
    migrations = files(tmp_path, [1])

    with pytest.raises(UsageError, match="no migration is dirty"):
        plan_up(compute_status(migrations, []), resume=True)


def test_resume_refuses_a_migration_that_became_dirty_rolling_back(tmp_path):
    migrations = files(tmp_path, [1])
    dirty = row(migrations, 1, dirty=True, dirty_direction="down", statements_done=1)

    with pytest.raises(RefusedError, match="while rolling back"):
        plan_up(compute_status(migrations, [dirty]), resume=True)


def test_resume_refuses_when_the_dirty_file_is_missing(tmp_path):
    migrations = files(tmp_path, [])
    dirty = row(None, 1, dirty=True, dirty_direction="up", statements_done=1)

    with pytest.raises(RefusedError, match="its file is missing"):
        plan_up(compute_status(migrations, [dirty]), resume=True)


def test_plan_down_newest_first_by_count_to_and_all(tmp_path):
    migrations = files(tmp_path, [1, 2, 3, 4])
    statuses = compute_status(migrations, [row(migrations, v) for v in (1, 2, 3)])

    assert [v for v, _, _ in versions(plan_down(statuses))] == [3]
    assert [v for v, _, _ in versions(plan_down(statuses, count=2))] == [3, 2]
    assert [v for v, _, _ in versions(plan_down(statuses, to=1))] == [3, 2]
    assert [v for v, _, _ in versions(plan_down(statuses, everything=True))] == [3, 2, 1]
    assert plan_down(statuses).direction is Direction.DOWN


def test_plan_down_ignores_out_of_order_pending_files(tmp_path):
    migrations = files(tmp_path, [1, 2, 3])
    statuses = compute_status(migrations, [row(migrations, 1), row(migrations, 3)])

    assert [v for v, _, _ in versions(plan_down(statuses))] == [3]


def test_plan_down_refuses_an_irreversible_migration(tmp_path):
    migrations = files(tmp_path, [1, 2], irreversible=(2,))
    statuses = compute_status(migrations, [row(migrations, 1), row(migrations, 2)])

    with pytest.raises(RefusedError, match="irreversible"):
        plan_down(statuses)
    assert [v for v, _, _ in versions(plan_down(statuses, to=2))] == []


def test_plan_down_refuses_a_missing_file_unless_allowed_and_never_runs_it(tmp_path):
    migrations = files(tmp_path, [2])
    statuses = compute_status(migrations, [row(None, 1), row(migrations, 2)])
    allowed = Overrides(allow_missing=True)

    with pytest.raises(RefusedError, match="is applied but its file is missing"):
        plan_down(statuses)
    assert [v for v, _, _ in versions(plan_down(statuses, overrides=allowed))] == [2]
    with pytest.raises(RefusedError, match="its files are missing"):
        plan_down(statuses, everything=True, overrides=allowed)


def test_statement_changes_name_changed_added_and_removed_statements():
    applied = ["create table t ( id int )", "insert into t values ( 1 )", "select 1"]
    current = ["create table t ( id int )", "insert into t values ( 2 )", "select 1", "select 2"]

    changes = statement_changes(applied, current)

    assert [(c.kind, c.applied_index, c.current_index) for c in changes] == [
        ("changed", 1, 1),
        ("added", None, 3),
    ]
    removed = statement_changes(applied, applied[:1])
    assert [(c.kind, c.applied_index, c.current) for c in removed] == [
        ("removed", 1, None),
        ("removed", 2, None),
    ]
    assert statement_changes(applied, applied) == []


# Down files are held to the checksums recorded when their migration was applied.


def recorded(migrations: MigrationSet, version: int, **changes) -> LedgerRow:
    """The row schemactl writes for ``version``'s files as they are now."""
    migration = migrations.by_version[version]
    down = migration.down
    values = {
        "raw_checksum": migration.up.raw_checksum,
        "down_checksum": down.checksum if down else None,
        "down_raw_checksum": down.raw_checksum if down else None,
    }
    return row(migrations, version, **(values | changes))


def down_states(migrations, rows):
    return {s.version: s.state for s in compute_status(migrations, rows, downs=True)}


def edit(tmp_path: Path, name: str, text: str) -> MigrationSet:
    (tmp_path / name).write_text(text)
    return load_directory(tmp_path)


def test_a_down_file_changed_since_it_was_applied_is_down_modified(tmp_path):
    migrations = files(tmp_path, [1, 2, 3])
    rows = [recorded(migrations, 1), recorded(migrations, 2)]

    edited = edit(tmp_path, "0002_m2.down.sql", "SELECT -20;")

    assert down_states(edited, rows) == {1: State.APPLIED, 2: State.DOWN_MODIFIED,
                                         3: State.PENDING}  # fmt: skip
    # Without downs=True (up's view) the down files are neither read nor compared.
    assert states(edited, rows) == {1: State.APPLIED, 2: State.APPLIED, 3: State.PENDING}


def test_a_modified_up_file_wins_over_a_changed_down_file(tmp_path):
    migrations = files(tmp_path, [1])
    rows = [recorded(migrations, 1)]
    (tmp_path / "0001_m1.up.sql").write_text("SELECT 10;")

    edited = edit(tmp_path, "0001_m1.down.sql", "SELECT -10;")

    assert down_states(edited, rows) == {1: State.MODIFIED}


def test_a_comment_or_whitespace_edit_of_a_down_file_is_not_a_modification(tmp_path):
    migrations = files(tmp_path, [1])
    rows = [recorded(migrations, 1)]

    edited = edit(tmp_path, "0001_m1.down.sql", "-- undo m1\nSELECT   -1 ;\n")

    assert down_states(edited, rows) == {1: State.APPLIED}


def test_down_files_with_the_recorded_bytes_are_not_split(tmp_path, monkeypatch):
    migrations = files(tmp_path, [1, 2])
    rows = [recorded(migrations, 1), recorded(migrations, 2)]
    fresh = load_directory(tmp_path, defer=True)

    def no_split(text):
        raise AssertionError(f"split {text!r}")

    monkeypatch.setattr("schemactl.files.statements.split_statements", no_split)

    assert down_states(fresh, rows) == {1: State.APPLIED, 2: State.APPLIED}
    assert [s.down_file_checksum for s in compute_status(fresh, rows, downs=True)] == [
        rows[0].down_checksum,
        rows[1].down_checksum,
    ]


def test_a_row_without_the_down_files_bytes_is_compared_by_statements(tmp_path):
    migrations = files(tmp_path, [1, 2])
    rows = [recorded(migrations, v, down_raw_checksum=None) for v in (1, 2)]

    edited = edit(tmp_path, "0002_m2.down.sql", "SELECT -20;")

    assert down_states(edited, rows) == {1: State.APPLIED, 2: State.DOWN_MODIFIED}


def test_a_down_file_that_no_longer_splits_is_down_modified_not_an_error(tmp_path):
    migrations = files(tmp_path, [1])
    rows = [recorded(migrations, 1)]

    edited = load_directory(tmp_path, defer=True)
    (tmp_path / "0001_m1.down.sql").write_text("SELECT 'unterminated;\n")
    (status,) = compute_status(edited, rows, downs=True)

    assert status.state is State.DOWN_MODIFIED
    assert status.down_file_checksum is None


def test_a_down_file_added_or_removed_since_the_migration_was_applied_is_down_modified(
    tmp_path,
):
    migrations = files(tmp_path, [1, 2], irreversible=(2,))
    rows = [recorded(migrations, 1), recorded(migrations, 2)]
    assert rows[1].down_checksum is None

    # 2 loses its directive and gains a down file; 1 gains the directive and loses its down.
    (tmp_path / "0002_m2.up.sql").write_text("SELECT 2;")
    (tmp_path / "0002_m2.down.sql").write_text("SELECT -2;")
    (tmp_path / "0001_m1.up.sql").write_text("-- schemactl:irreversible\nSELECT 1;")
    (tmp_path / "0001_m1.down.sql").unlink()
    edited = load_directory(tmp_path)

    assert down_states(edited, rows) == {1: State.DOWN_MODIFIED, 2: State.DOWN_MODIFIED}


def test_down_file_checksum_is_the_current_down_files(tmp_path):
    migrations = files(tmp_path, [1, 2], irreversible=(2,))
    rows = [recorded(migrations, 1)]
    edited = edit(tmp_path, "0001_m1.down.sql", "SELECT -10;")

    first, second = compute_status(edited, rows, downs=True)

    assert first.down_file_checksum == edited.by_version[1].down.checksum
    assert first.down_file_checksum != rows[0].down_checksum
    assert second.down_file_checksum is None


def test_plan_down_refuses_a_changed_down_file_it_would_run_unless_allowed(tmp_path):
    migrations = files(tmp_path, [1, 2])
    rows = [recorded(migrations, 1), recorded(migrations, 2)]
    edited = edit(tmp_path, "0002_m2.down.sql", "SELECT -20;")
    # The statuses up and down plan with: down files not compared yet.
    statuses = compute_status(edited, rows)

    with pytest.raises(RefusedError, match="down file of migration 2 m2 changed") as raised:
        plan_down(statuses)

    assert raised.value.exit_code == 5
    assert str(tmp_path / "0002_m2.down.sql") in raised.value.detail
    assert "schemactl repair 2 --accept" in raised.value.hint
    assert "--allow-modified" in raised.value.hint
    allowed = plan_down(statuses, overrides=Overrides(allow_modified=True))
    assert versions(allowed) == [(2, Direction.DOWN, 0)]


def test_plan_down_minds_only_the_down_files_it_would_run(tmp_path):
    migrations = files(tmp_path, [1, 2])
    rows = [recorded(migrations, 1), recorded(migrations, 2)]
    edited = edit(tmp_path, "0001_m1.down.sql", "SELECT -10;")

    for statuses in (compute_status(edited, rows), compute_status(edited, rows, downs=True)):
        assert versions(plan_down(statuses)) == [(2, Direction.DOWN, 0)]
        assert versions(plan_down(statuses, to=1)) == [(2, Direction.DOWN, 0)]
        with pytest.raises(RefusedError, match="down file of migration 1 m1 changed"):
            plan_down(statuses, count=2)


def test_plan_down_refuses_a_down_file_added_since_the_migration_was_applied(tmp_path):
    migrations = files(tmp_path, [1], irreversible=(1,))
    rows = [recorded(migrations, 1)]
    (tmp_path / "0001_m1.up.sql").write_text("SELECT 1;")
    edited = edit(tmp_path, "0001_m1.down.sql", "SELECT -1;")

    with pytest.raises(RefusedError, match="had no down file when it was applied") as raised:
        plan_down(compute_status(edited, rows))

    assert "schemactl repair 1 --accept" in raised.value.hint
    allowed = plan_down(compute_status(edited, rows), overrides=Overrides(allow_modified=True))
    assert versions(allowed) == [(1, Direction.DOWN, 0)]


def test_a_changed_down_file_does_not_stop_up(tmp_path):
    migrations = files(tmp_path, [1, 2])
    rows = [recorded(migrations, 1)]
    edited = edit(tmp_path, "0001_m1.down.sql", "SELECT -10;")

    plan = plan_up(compute_status(edited, rows, downs=True))

    assert versions(plan) == [(2, Direction.UP, 0)]
