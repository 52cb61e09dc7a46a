"""down-leaves-object: a down file does not remove an object its up file creates."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.files.migrations import Migration
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import RELATIONS, Kind
from schemactl.lint.objects import Effect
from schemactl.lint.reversal import among, new_objects, removed_by

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
    them, and its down restores rather than drops them. An index, trigger, policy or column
    goes with its table, and anything in a schema the down drops with CASCADE goes with it.
    """
    new = new_objects(ctx.migrations)
    for migration in ctx.migrations.migrations:
        if migration.down is None:
            continue
        removed = removed_by(migration.down)
        left = [e for e in new[migration.version] if not _gone(e, removed)]
        if left:
            yield _finding(migration, left)


def _gone(effect: Effect, removed: list[Effect]) -> bool:
    if among(effect, removed):
        return True
    parent = effect.parent
    for drop in removed:
        if drop.kind in RELATIONS and parent is not None and drop.name.same(parent):
            return True
        if drop.kind is Kind.SCHEMA and drop.cascade and effect.name.schema == drop.name.name:
            return True
    return False


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
