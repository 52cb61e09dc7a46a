"""Pure planning: migration files + ledger rows -> per-version states and the steps to run.

Nothing here does I/O. Refusals are raised here, before anything runs, so a refused run
touches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from schemactl.errors import LedgerStateError, RefusedError, UsageError
from schemactl.files.migrations import Migration, MigrationSet, Script


# The two records made once per version on every run are named tuples: creating a frozen
# dataclass costs half a millisecond at import, and each of its instances some microseconds
# more, over a thousand rows, than a tuple.
class LedgerRow(NamedTuple):
    """One row of the ledger table, as read."""

    version: int
    name: str
    checksum: str
    down_checksum: str | None
    # NOT NULL as schemactl creates the table; a row edited by hand may lack them.
    applied_at: datetime | None
    applied_by: str | None
    execution_ms: float | None
    dirty: bool
    dirty_direction: str | None
    statements_done: int | None
    raw_checksum: str | None = None
    statement_sent: int | None = None  # 1-based; its outcome is unknown (see runner)
    sent_by_pid: int | None = None
    down_raw_checksum: str | None = None
    # What vouched for a version recorded without running it ('baseline', or the tool whose
    # ledger was adopted); None for a version schemactl ran. Planning treats both alike.
    baselined_from: str | None = None


class State(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    MODIFIED = "modified"
    DOWN_MODIFIED = "down_modified"  # applied, up unchanged; its down file is not the recorded one
    MISSING = "missing"
    DIRTY = "dirty"
    OUT_OF_ORDER = "out_of_order"


class VersionStatus(NamedTuple):
    """What is known of one version: its file, its ledger row, and the state they imply."""

    version: int
    name: str
    state: State
    migration: Migration | None
    row: LedgerRow | None

    @property
    def same_bytes(self) -> bool:
        """True when the up file's bytes are those recorded when it was applied: its
        statements are then the applied ones without splitting it again."""
        return _same_bytes(self.migration, self.row)

    @property
    def file_checksum(self) -> str | None:
        """The checksum of the up file's statements (the recorded one for the same bytes)."""
        if self.migration is None:
            return None
        if self.same_bytes:
            assert self.row is not None
            return self.row.checksum
        return self.migration.up.checksum

    @property
    def down_file_checksum(self) -> str | None:
        """The checksum of the down file's statements (the recorded one for the same bytes);
        None without a down file, or for one that no longer splits."""
        down = self.migration.down if self.migration is not None else None
        if down is None:
            return None
        row = self.row
        if row is not None and row.down_raw_checksum == down.raw_checksum:
            return row.down_checksum
        return None if down.problems else down.checksum


def unchanged_versions(migrations: MigrationSet, rows: list[LedgerRow]) -> frozenset[int]:
    """Applied, clean versions whose up file has exactly the bytes recorded in the ledger:
    they were validated when they ran and will not run again."""
    return frozenset(
        row.version
        for row in rows
        if not row.dirty and _same_bytes(migrations.by_version.get(row.version), row)
    )


def _same_bytes(migration: Migration | None, row: LedgerRow | None) -> bool:
    return (
        migration is not None
        and row is not None
        and row.raw_checksum is not None
        and row.raw_checksum == migration.up.raw_checksum
    )


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Step:
    """Run one migration in one direction, from statement ``start`` (0-based).

    ``resuming`` continues a dirty no-transaction migration (its ledger ``row``): a failure
    then keeps the row dirty whatever statement it was. ``sent_unknown``: statement ``start``
    was sent before the run stopped and its outcome is unknown; the runner runs or skips it
    only on proof (see ``Runner._settle_unknown``).
    """

    migration: Migration
    direction: Direction
    start: int = 0
    resuming: bool = False
    sent_unknown: bool = False
    row: LedgerRow | None = None

    @property
    def script(self) -> Script:
        """The file this step runs: the up file, or the down file (which a planned down
        always has: irreversible migrations are refused when planning)."""
        if self.direction is Direction.UP:
            return self.migration.up
        assert self.migration.down is not None
        return self.migration.down


@dataclass(frozen=True)
class Plan:
    direction: Direction
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Overrides:
    """Explicit permissions to run despite a ledger state that normally refuses."""

    allow_modified: bool = False
    allow_missing: bool = False
    allow_out_of_order: bool = False


class LastSent(StrEnum):
    """What a resume does with a statement sent before a crash whose outcome is unknown."""

    RERUN = "rerun"
    SKIP = "skip"


def compute_status(
    migrations: MigrationSet, rows: list[LedgerRow], *, downs: bool = False
) -> list[VersionStatus]:
    """Every known version (file or ledger) with its state, sorted by version.

    With ``downs``, the down file of each applied migration is compared with the one recorded
    (DOWN_MODIFIED): its bytes are read, and split only when they differ from the recorded
    ones. Without, down files are not read at all and such a migration is APPLIED: ``up``
    never runs them, and ``plan_down`` compares those it would run.
    """
    by_version = {row.version: row for row in rows}
    highest_applied = max(by_version, default=None)
    if downs:
        migrations.read_down_raw_checksums()
    versions = sorted(set(by_version) | set(migrations.by_version))
    result = []
    for version in versions:
        migration = migrations.by_version.get(version)
        row = by_version.get(version)
        state = _state(migration, row, highest_applied, downs)
        name = migration.name if migration else row.name if row else ""
        result.append(VersionStatus(version, name, state, migration, row))
    return result


def _state(
    migration: Migration | None, row: LedgerRow | None, highest: int | None, downs: bool
) -> State:
    if row is None:
        assert migration is not None
        return (
            State.OUT_OF_ORDER
            if highest is not None and migration.version < highest
            else (State.PENDING)
        )
    if row.dirty:
        return State.DIRTY
    if migration is None:
        return State.MISSING
    if not _same_bytes(migration, row) and migration.up.checksum != row.checksum:
        return State.MODIFIED
    if downs and _down_change(migration, row) is not None:
        return State.DOWN_MODIFIED
    return State.APPLIED


class DownChange(StrEnum):
    """How an applied migration's down file differs from the one recorded."""

    CHANGED = "changed"
    ADDED = "added"  # none was recorded: the up was irreversible when applied
    REMOVED = "removed"  # one was recorded: the up has been declared irreversible since


def down_change(status: VersionStatus) -> DownChange | None:
    """How ``status``'s down file differs from the one recorded when it was applied; None
    when it is the same, or when there is no file or no row to compare."""
    if status.migration is None or status.row is None:
        return None
    return _down_change(status.migration, status.row)


def _down_change(migration: Migration, row: LedgerRow) -> DownChange | None:
    has_file, has_record = migration.down_file is not None, row.down_checksum is not None
    if not (has_file and has_record):
        if has_file == has_record:
            return None
        return DownChange.ADDED if has_file else DownChange.REMOVED
    if row.down_raw_checksum is not None and row.down_raw_checksum == migration.down_raw_checksum:
        return None
    down = migration.down
    assert down is not None
    # The recorded file split cleanly: one that no longer does cannot be it, and asking for
    # its checksum would raise its problems, which only a run that executes it reports.
    if down.problems or down.checksum != row.down_checksum:
        return DownChange.CHANGED
    return None


def plan_up(
    statuses: list[VersionStatus],
    *,
    to: int | None = None,
    overrides: Overrides = Overrides(),
    resume: bool = False,
    last: LastSent | None = None,
) -> Plan:
    """Steps to apply pending migrations in order (up to ``to``), or raise RefusedError."""
    if last is not None and not resume:
        raise UsageError("--rerun-last and --skip-last go with --resume")
    resume_step = _resume_step(statuses, resume, last)
    _refuse(statuses, overrides, ignore_dirty=resume_step is not None)
    steps = [resume_step] if resume_step else []
    for status in statuses:
        if status.state not in (State.PENDING, State.OUT_OF_ORDER):
            continue
        if to is not None and status.version > to:
            break
        assert status.migration is not None
        steps.append(Step(status.migration, Direction.UP))
    return Plan(Direction.UP, tuple(steps))


def _resume_step(statuses: list[VersionStatus], resume: bool, last: LastSent | None) -> Step | None:
    dirty = [s for s in statuses if s.state is State.DIRTY]
    if not resume:
        return None
    if not dirty:
        raise UsageError("--resume given but no migration is dirty", hint="run 'schemactl up'")
    status = dirty[0]
    row = status.row
    assert row is not None
    if status.migration is None:
        raise RefusedError(
            f"cannot resume migration {status.version} {status.name}: its file is missing",
            hint="restore the file, or run 'schemactl repair' to forget or accept it",
        )
    if row.dirty_direction != Direction.UP:
        raise RefusedError(
            f"cannot resume migration {status.version}: it became dirty while rolling back",
            hint="finish it by hand, then run 'schemactl repair'",
        )
    done = row.statements_done or 0
    total = len(status.migration.up.statements)
    _check_progress(status, done, total)
    if row.statement_sent is None:
        if last is not None:
            raise UsageError(
                f"--{last.value}-last: no statement of migration {status.version} has an "
                "unknown outcome",
                hint="resume with 'schemactl up --resume' alone",
            )
        return Step(status.migration, Direction.UP, start=done, resuming=True, row=row)
    if last is LastSent.SKIP:
        done += 1
    unknown = last is None
    return Step(
        status.migration, Direction.UP, start=done, resuming=True, sent_unknown=unknown, row=row
    )


def _check_progress(status: VersionStatus, done: int, total: int) -> None:
    """Refuse a dirty row whose progress schemactl cannot have written (edited by hand)."""
    row = status.row
    assert row is not None
    sent = row.statement_sent
    if 0 <= done <= total and (sent is None or sent == done + 1 <= total):
        return
    raise LedgerStateError(
        f"the ledger row of migration {status.version} is inconsistent: statements_done = "
        f"{row.statements_done}, statement_sent = {sent}, for a file of {total} statements",
        detail="schemactl never writes these values; the row was edited or the file changed",
        hint=f"check what ran, then 'schemactl repair {status.version} --applied' or '--forget'",
    )


def plan_down(
    statuses: list[VersionStatus],
    *,
    count: int = 1,
    to: int | None = None,
    everything: bool = False,
    overrides: Overrides = Overrides(),
) -> Plan:
    """Steps to roll back applied migrations, newest first, or raise RefusedError.

    ``to`` keeps that version applied and rolls back everything above it; ``everything``
    rolls back all; otherwise the newest ``count``.
    """
    # A pending file below the applied ones does not stand in the way of rolling back.
    _refuse(statuses, replace(overrides, allow_out_of_order=True), ignore_dirty=False)
    applied = [s for s in reversed(statuses) if s.row is not None]
    if everything:
        chosen = applied
    elif to is not None:
        chosen = [s for s in applied if s.version > to]
    else:
        chosen = applied[:count]
    steps = []
    for status in chosen:
        migration = status.migration
        if migration is None:
            raise RefusedError(
                f"cannot roll back migration {status.version} {status.name}: its files are missing",
                hint="restore the files, or run 'schemactl repair --forget' for that version",
            )
        if migration.down is None:
            raise RefusedError(
                f"migration {migration.label} is irreversible and cannot be rolled back",
                detail=f"{migration.up.path} declares '-- schemactl:irreversible'",
            )
        # Only the down files this run would execute: a changed one further back stops the
        # run that reaches it, not this one.
        if not overrides.allow_modified:
            _refuse_down_change(status)
        steps.append(Step(migration, Direction.DOWN))
    return Plan(Direction.DOWN, tuple(steps))


def _refuse_down_change(status: VersionStatus) -> None:
    change = down_change(status)
    if change is None:
        return
    assert status.migration is not None and status.migration.down is not None
    path = status.migration.down.path
    if change is DownChange.ADDED:
        message = f"migration {status.version} {status.name} had no down file when it was applied"
        detail = f"{path} was added since; the ledger holds no checksum to check it against"
    else:
        message = (
            f"the down file of migration {status.version} {status.name} changed since it "
            "was applied"
        )
        detail = f"{path} no longer matches the down checksum recorded when it was applied"
    raise RefusedError(
        message,
        detail=detail,
        hint="restore the file, pass --allow-modified to run it as it is now, or record it "
        f"with 'schemactl repair {status.version} --accept'",
    )


def _refuse(statuses: list[VersionStatus], overrides: Overrides, *, ignore_dirty: bool) -> None:
    """Raise RefusedError for the first ledger state that forbids a run."""
    for status in statuses:
        if status.state is State.DIRTY and not ignore_dirty:
            raise dirty_error(status)
        if status.state is State.MODIFIED and not overrides.allow_modified:
            assert status.migration is not None
            raise RefusedError(
                f"migration {status.version} {status.name} was modified after it was applied",
                detail=f"{status.migration.up.path} no longer matches the applied checksum; "
                "'schemactl status' shows which statements changed",
                hint="restore the file, pass --allow-modified, or accept the new file with "
                f"'schemactl repair {status.version} --accept'",
            )
        if status.state is State.MISSING and not overrides.allow_missing:
            raise RefusedError(
                f"migration {status.version} {status.name} is applied but its file is missing",
                hint="restore the file, pass --allow-missing, or remove it from the ledger "
                f"with 'schemactl repair {status.version} --forget'",
            )
        if status.state is State.OUT_OF_ORDER and not overrides.allow_out_of_order:
            raise RefusedError(
                f"migration {status.version} {status.name} is pending but a higher version "
                "is already applied",
                hint="renumber it above the highest applied version, or pass "
                "--allow-out-of-order to apply it anyway",
            )


def dirty_error(status: VersionStatus) -> RefusedError:
    """The refusal for a dirty migration: which statements ran and what to do."""
    row = status.row
    assert row is not None
    done = row.statements_done or 0
    total = len(status.migration.up.statements) if status.migration else None
    of_total = f" of {total}" if total is not None else ""
    then = "the next one failed or was interrupted"
    if row.statement_sent is not None:
        then = (
            f"statement {row.statement_sent} was sent to the server before the run stopped, "
            "and whether it took effect is unknown"
        )
    return RefusedError(
        f"migration {status.version} {status.name} is dirty: a no-transaction run failed "
        f"while going {row.dirty_direction or 'up'}",
        detail=f"{done}{of_total} statements completed; {then}",
        hint="fix the cause, then 'schemactl up --resume' to continue from the failed "
        f"statement, or 'schemactl repair {status.version} --applied' / '--forget' "
        "once you have finished or undone it by hand",
    )


@dataclass(frozen=True)
class StatementChange:
    """One statement that differs between the applied and the current file."""

    kind: str  # "changed", "added", "removed"
    applied_index: int | None
    current_index: int | None
    applied: str | None
    current: str | None


def statement_changes(applied: list[str], current: list[str]) -> list[StatementChange]:
    """Statement-level diff of normalized statements (applied -> current)."""
    changes: list[StatementChange] = []
    import difflib  # only for a modified file

    matcher = difflib.SequenceMatcher(a=applied, b=current, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for offset in range(max(a2 - a1, b2 - b1)):
            ai, bi = a1 + offset, b1 + offset
            old = applied[ai] if ai < a2 else None
            new = current[bi] if bi < b2 else None
            kind = "changed" if old and new else "removed" if old else "added"
            changes.append(
                StatementChange(kind, ai if old else None, bi if new else None, old, new)
            )
    return changes
