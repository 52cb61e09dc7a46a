"""down-leaves-object: a down file does not remove an object its up file creates."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.files.migrations import Migration
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import Kind
from schemactl.lint.objects import Change, Effect
from schemactl.lint.reversal import left_after, new_objects

RULE = Rule(
    id="down-leaves-object",
    severity=Severity.ERROR,
    summary="a down file leaves in place an object its up file creates",
    why="after rolling back, the object is still there, so running the up again fails with "
    "'already exists' (or silently keeps the old object)",
    instead="drop every object the up creates, in reverse order; if it cannot be undone, declare "
    "'-- schemactl:irreversible' in the up and delete the down file",
)
_SHOWN = 5


def check(ctx: LintContext) -> Iterator[Finding]:
    """One finding per down file, listing what it leaves.

    Objects an earlier migration already created are skipped: this up replaced or re-created
    them, and its down restores rather than drops them. What PostgreSQL drops implicitly
    counts as dropped (see ``reversal.left_after``): an index with its column or table, a
    trigger with the function a DROP ... CASCADE takes, anything in a schema dropped with
    CASCADE.
    """
    new = new_objects(ctx.migrations)
    for migration in ctx.migrations.migrations:
        if migration.down is None:
            continue
        left = [e for e in left_after(new[migration.version], migration.down) if _known(e)]
        if left:
            yield _finding(migration, left)


def _known(effect: Effect) -> bool:
    """False for an existing index or sequence the up renamed: the files do not say which
    table it belongs to, so whether the down's DROP TABLE takes it cannot be told."""
    renamed_in = effect.change is Change.RENAME and effect.parent is None
    return not (renamed_in and effect.kind in (Kind.INDEX, Kind.SEQUENCE))


def _finding(migration: Migration, left: list[Effect]) -> Finding:
    assert migration.down is not None
    names = [f"{e.kind.value} {e.name}" for e in left[:_SHOWN]]
    more = f" and {len(left) - _SHOWN} more" if len(left) > _SHOWN else ""
    empty = "is empty and " if not migration.down.statements else ""
    return RULE.finding(
        migration.down.path,
        f"down {empty}leaves {', '.join(names)}{more} in place, which "
        f"{migration.up.path.name} creates",
        version=migration.version,
    )
