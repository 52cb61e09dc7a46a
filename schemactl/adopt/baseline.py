"""``baseline``: adopt a database whose schema already exists, recording without running.

The versions to adopt are every file through a VERSION, or those another tool's ledger says it
applied. They are replayed on a scratch database and that schema is compared with the live one
(the ledgers left out), with the same machinery as ``diff``; only when they are equal, or with
``force``, are the versions recorded, all in one transaction under the run lock, each row
marked with what vouched for it. Nothing is recorded otherwise, and the other tool's ledger is
only ever read.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from schemactl.adopt import ledgers
from schemactl.adopt.ledgers import Claim
from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.config import Settings
from schemactl.dsn import describe
from schemactl.errors import BaselineRefusedError, ForeignLedgerError, UsageError
from schemactl.files.migrations import Migration, MigrationSet, load_directory
from schemactl.operations import Hooks
from schemactl.run import control, ledger
from schemactl.run.ledger import LedgerTable
from schemactl.run.plan import LedgerRow, State, compute_status
from schemactl.run.runner import entry_for
from schemactl.schema.compare import without_empty_schema
from schemactl.schema.diff import Change, diff_models
from schemactl.schema.expected import expected_schema
from schemactl.schema.scratch import open_scratch

# The marker of rows adopted on a person's word that the schema is through VERSION; rows
# adopted from another tool's ledger carry that tool's name.
BASELINE = "baseline"


@dataclass(frozen=True)
class BaselineResult:
    """What ``baseline`` compared and what it recorded.

    ``migrations`` are the versions it covers; ``already`` those of them the ledger recorded
    before; ``recorded`` those it recorded now (none when the schemas differ without
    ``forced``, or when every version was recorded already).
    """

    source: str
    ledger_table: str
    foreign_table: str | None
    migrations: tuple[Migration, ...]
    already: frozenset[int]
    recorded: tuple[int, ...]
    changes: tuple[Change, ...]
    live_label: str
    files_label: str
    forced: bool

    @property
    def identical(self) -> bool:
        return not self.changes


def baseline(
    settings: Settings,
    *,
    version: int | None = None,
    tool: str | None = None,
    from_table: str | None = None,
    force: bool = False,
    scratch_mode: str = "auto",
    hooks: Hooks = Hooks(),
) -> BaselineResult:
    """Adopt the live database at ``version`` (every file through it), or at what ``tool``'s
    ledger records (``version`` then, when given, must be its newest).

    Raises UsageError for a VERSION with no file or bad arguments, ForeignLedgerError for what
    the other ledger holds that cannot be adopted, BaselineRefusedError when schemactl's own
    ledger disagrees. A schema that differs is a result (nothing recorded unless ``force``).
    """
    if version is None and tool is None:
        raise UsageError(
            "give the VERSION the database is at, or --from TOOL to read another tool's ledger",
            hint=f"--from takes one of {', '.join(ledgers.TOOLS)}",
        )
    if from_table is not None and tool is None:
        raise UsageError("--from-table goes with --from TOOL")
    if tool is not None:
        ledgers.layout_of(tool)
    migrations = load_directory(settings.dir)
    if version is not None and version not in migrations.by_version:
        raise UsageError(
            f"there is no migration with version {version} in {migrations.directory}",
            hint="a baseline names the version of an existing file; 'schemactl status' lists them",
        )
    with control.run_lock(settings, "baseline", hooks.on_lock_wait, hooks.on_migration_wait) as (
        conn,
        table,
    ):
        present = ledger.columns(conn, table)
        rows = ledger.read(conn, table, present)
        chosen, foreign = _chosen(conn, migrations, version, tool, from_table)
        already = _agreeing(migrations, rows, chosen, table)
        source = tool or BASELINE
        todo = [m for m in chosen if m.version not in already]

        def result(recorded: list[Migration], changes: list[Change]) -> BaselineResult:
            return BaselineResult(
                source=source,
                ledger_table=str(table),
                foreign_table=str(foreign) if foreign is not None else None,
                migrations=tuple(chosen),
                already=already,
                recorded=tuple(m.version for m in recorded),
                changes=tuple(changes),
                live_label=describe(settings.database_url),
                files_label=_files_label(migrations, chosen),
                forced=force,
            )

        if not todo:
            return result([], [])
        excluded = [table, *ledgers.known_ledgers(conn), *([foreign] if foreign else [])]
        changes = diff_models(_expected(settings, scratch_mode, chosen), _live(conn, excluded))
        if changes and not force:
            return result([], changes)
        with conn.transaction():
            ledger.ensure(conn, table, present)
            ledger.record_baselined(conn, table, [entry_for(m) for m in todo], source)
        return result(todo, changes)


def _chosen(
    conn: psycopg.Connection,
    migrations: MigrationSet,
    version: int | None,
    tool: str | None,
    from_table: str | None,
) -> tuple[list[Migration], LedgerTable | None]:
    """The migrations the baseline covers, and the other tool's ledger that named them."""
    if tool is None:
        assert version is not None
        return [m for m in migrations.migrations if m.version <= version], None
    foreign = ledgers.find(conn, tool, from_table)
    claim = ledgers.read_claim(conn, tool, foreign)
    chosen = _claimed(claim, migrations)
    _check_newest(claim, chosen, version)
    return chosen, foreign


def _files_label(migrations: MigrationSet, chosen: list[Migration]) -> str:
    """The expected side named by its versions: "through N" only when that is every file up
    to N, since another tool's ledger may have skipped some."""
    newest = chosen[-1].version
    if [m.version for m in migrations.migrations if m.version <= newest] == [
        m.version for m in chosen
    ]:
        return f"migration files through {newest}"
    return "migration files " + ", ".join(str(m.version) for m in chosen)


def _claimed(claim: Claim, migrations: MigrationSet) -> list[Migration]:
    """The schemactl files of the versions ``claim`` names; refused when one has none, since
    schemactl could neither verify nor later roll back a version it has no file for."""
    lost = sorted(v for v in claim.named if v not in migrations.by_version)
    if lost:
        raise ForeignLedgerError(
            f"{claim.tool}'s ledger {claim.table} records version(s) with no schemactl file in "
            f"{migrations.directory}: " + ", ".join(map(str, lost)),
            hint="add each as NNNN_name.up.sql (and .down.sql) with the same version number "
            "and the SQL that tool ran",
        )
    through = claim.through
    return [
        m
        for m in migrations.migrations
        if m.version in claim.versions or (through is not None and m.version <= through)
    ]


def _check_newest(claim: Claim, chosen: list[Migration], version: int | None) -> None:
    """A VERSION given with --from is the version the user believes the database is at: it
    must be what the other ledger says, not a second opinion schemactl would have to pick."""
    newest = chosen[-1].version
    if version is not None and version != newest:
        raise UsageError(
            f"{claim.tool}'s ledger {claim.table} is at version {newest}, not {version}",
            hint="leave VERSION out to adopt what that ledger records",
        )


def _agreeing(
    migrations: MigrationSet,
    rows: list[LedgerRow],
    chosen: list[Migration],
    table: LedgerTable,
) -> frozenset[int]:
    """The versions schemactl's ledger already records, when each is an applied, unchanged
    version the baseline covers; refused otherwise, since the baseline would contradict it."""
    wanted = {m.version for m in chosen}
    covered = chosen[-1].version if chosen else 0
    for status in compute_status(migrations, rows):
        if status.row is None:
            continue
        if status.state is not State.APPLIED:
            raise BaselineRefusedError(
                f"the ledger {table} records version {status.version} {status.name} as "
                f"{status.state.value.replace('_', ' ')}: a baseline would hide that",
                hint="'schemactl status' shows it; settle it (up --resume, repair) first",
            )
        if status.version not in wanted:
            raise BaselineRefusedError(
                f"the ledger {table} records version {status.version} {status.name} as "
                f"applied, which the baseline (through {covered}) does not include",
                hint="baseline at a version that includes every recorded one, or check "
                "--ledger-table",
            )
    return frozenset(row.version for row in rows)


def _expected(settings: Settings, mode: str, chosen: list[Migration]) -> SchemaModel:
    with open_scratch(
        scratch_url=settings.scratch_url, server_url=settings.database_url, mode=mode
    ) as url:
        return expected_schema(url, chosen)


def _live(conn: psycopg.Connection, excluded: list[LedgerTable]) -> SchemaModel:
    """The live schema without the ledgers (schemactl's and other tools'), nor the schemas
    that hold nothing else."""
    model = load_schema(conn, exclude=[(t.schema, t.name) for t in excluded])
    for schema in {t.schema for t in excluded}:
        model = without_empty_schema(model, schema)
    return model
