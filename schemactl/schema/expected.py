"""The schema the migration files produce: replayed into a scratch database and inspected.

Which migrations count is the caller's choice: the versions a live ledger records as
applied (so ``diff`` compares like with like), or every version up to ``--to``.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.errors import UsageError
from schemactl.files.migrations import Migration, MigrationSet
from schemactl.run import db
from schemactl.schema.replay import apply_ups


def through(migrations: MigrationSet, to: int | None) -> list[Migration]:
    """The migrations up to and including version ``to`` (all when None; none for 0)."""
    if to is not None and to not in migrations.by_version and to != 0:
        raise UsageError(
            f"there is no migration with version {to} in {migrations.directory}",
            hint="'schemactl status' lists the versions",
        )
    return [m for m in migrations.migrations if to is None or m.version <= to]


def of_versions(migrations: MigrationSet, versions: Iterable[int]) -> list[Migration]:
    """The migrations whose versions are given (those with files), in version order."""
    wanted = set(versions)
    return [m for m in migrations.migrations if m.version in wanted]


def expected_schema(scratch_url: str, migrations: list[Migration]) -> SchemaModel:
    """Replay the up files of ``migrations`` into the empty database at ``scratch_url``.

    Raises MigrationFailedError (with file and line) when one of them fails there.
    """
    with db.connect(scratch_url, purpose="scratch") as conn:
        apply_ups(conn, migrations)
        return load_schema(conn)
