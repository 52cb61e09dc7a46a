"""``diff`` across a fleet: each target's live schema against the schema its files produce.

Each target's live schema and ledger are read in parallel. The expected schema is built once
per distinct set of applied versions (and server major version, whose catalogs may spell a
schema differently), on a scratch database of the first such target's server, not once per
target: a fleet at one version builds it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.config import Settings
from schemactl.errors import UsageError
from schemactl.files.migrations import MigrationSet, load_directory
from schemactl.fleet.rollout import OnFailure, Policy, TargetProgress, roll_out
from schemactl.fleet.summary import FleetResult, Outcome, TargetResult
from schemactl.fleet.targets import Fleet, Target
from schemactl.run import db, ledger
from schemactl.run.ledger import LedgerTable
from schemactl.schema.compare import without_empty_schema
from schemactl.schema.diff import Change, diff_models, suggest_sql
from schemactl.schema.expected import expected_schema, of_versions, through
from schemactl.schema.scratch import open_scratch


@dataclass(frozen=True)
class TargetDiff:
    """One target's comparison: the versions its expected schema replays, and the changes
    that would turn its live schema into that one (never run)."""

    versions: tuple[int, ...]
    changes: list[Change]
    suggestions: list[str]
    notes: tuple[str, ...] = ()

    @property
    def identical(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class _Live:
    model: SchemaModel
    versions: tuple[int, ...]
    major: int
    notes: tuple[str, ...]


def fleet_diff(
    settings: Settings,
    fleet: Fleet,
    *,
    to: int | None,
    scratch_mode: str,
    parallel: int,
) -> FleetResult[TargetDiff]:
    """Compare every target with the files (those its ledger records, or those through
    ``to``); a target that cannot be read fails alone.

    Raises MigrationFailedError when a file fails on the scratch database (that is the
    files' fault, the same for every target), UsageError when ``--scratch-url`` would have to
    hold more than one expected schema.
    """
    migrations = load_directory(settings.dir)
    table = LedgerTable.parse(settings.ledger_table)
    if to is not None:
        through(migrations, to)  # an unknown version is refused before any target is read

    def read(target: Target, progress: TargetProgress) -> _Live:
        return _read_live(target, table, migrations, to)

    live = roll_out(fleet, read, Policy(parallel=parallel, on_failure=OnFailure.CONTINUE))
    expected = _expected_models(settings, migrations, live, scratch_mode)
    return FleetResult(
        tuple(_compared(result, expected, settings) for result in live.results), live.stopped
    )


def _read_live(
    target: Target, table: LedgerTable, migrations: MigrationSet, to: int | None
) -> _Live:
    with db.connect(target.url, purpose="diff") as conn:
        model = without_empty_schema(
            load_schema(conn, exclude=[(table.schema, table.name)]), table.schema
        )
        major = conn.info.server_version // 10000
        notes: list[str] = []
        if to is not None:
            versions = [m.version for m in through(migrations, to)]
        elif ledger.exists(conn, table):
            recorded = [row.version for row in ledger.read(conn, table)]
            versions = [m.version for m in of_versions(migrations, recorded)]
            lost = sorted(set(recorded) - set(versions))
            if lost:
                notes.append(
                    "the ledger records versions with no files: "
                    + ", ".join(map(str, lost))
                    + "; the expected schema leaves them out"
                )
        else:
            versions = []
            notes.append(f"no ledger table {table}: compared with the schema of no migrations")
    return _Live(model, tuple(versions), major, tuple(notes))


_Key = tuple[tuple[int, ...], int]


def _key(live: _Live, settings: Settings) -> _Key:
    # A given scratch database is on one server: its major version is the only one there.
    return live.versions, 0 if settings.scratch_url else live.major


def _expected_models(
    settings: Settings, migrations: MigrationSet, live: FleetResult[_Live], scratch_mode: str
) -> dict[_Key, SchemaModel]:
    servers: dict[_Key, str] = {}
    for result in live.succeeded():
        assert result.value is not None
        servers.setdefault(_key(result.value, settings), result.target.url)
    if settings.scratch_url and len(servers) > 1:
        raise UsageError(
            f"the targets are at {len(servers)} different sets of versions, and --scratch-url "
            "holds one expected schema",
            hint="leave --scratch-url out (a throwaway database is made for each), or give "
            "--to VERSION",
        )
    models = {}
    for key, server in servers.items():
        chosen = of_versions(migrations, key[0])
        with open_scratch(
            scratch_url=settings.scratch_url, server_url=server, mode=scratch_mode
        ) as url:
            models[key] = expected_schema(url, chosen)
    return models


def _compared(
    result: TargetResult[_Live], expected: dict[_Key, SchemaModel], settings: Settings
) -> TargetResult[TargetDiff]:
    live = result.value
    if result.outcome is not Outcome.SUCCEEDED or live is None:
        return TargetResult(
            result.target, result.wave, result.outcome, error=result.error, seconds=result.seconds
        )
    wanted = expected[_key(live, settings)]
    changes = diff_models(wanted, live.model)
    value = TargetDiff(live.versions, changes, suggest_sql(changes, wanted, live.model), live.notes)
    return TargetResult(
        result.target, result.wave, Outcome.SUCCEEDED, value=value, seconds=result.seconds
    )
