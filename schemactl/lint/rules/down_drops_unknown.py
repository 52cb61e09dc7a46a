"""down-drops-unknown: a down file drops something its up file did not create."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from schemactl.files.migrations import Migration
from schemactl.lint.columns import SERIAL_TYPES
from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.heads import RELATIONS, Kind
from schemactl.lint.objects import Change, Effect, creates_unnamed_index
from schemactl.lint.reversal import among, made_by

RULE = Rule(
    id="down-drops-unknown",
    severity=Severity.ERROR,
    summary="a down file drops an object its up file does not create",
    why="rolling back would destroy something that existed before the migration (often a "
    "copy-paste slip: the up creates a, the down drops b)",
    instead="drop exactly what the up creates, and restore what it changed",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each DROP in a down file of an object its up does not leave behind.

    Dropping part of a table the up creates is fine, also once the down has renamed it; so is
    dropping an object the down made itself (renamed away, say) or makes again later in the
    file (an enum dropped and re-created without a value, a column re-added to change its
    place), an index when the up creates one without a name, and a sequence when the up adds
    a serial or identity column. A table the up only renamed is not one it creates: its
    columns were there before.
    """
    with_sequences = _adding_sequences(ctx)
    for migration in ctx.migrations.migrations:
        if migration.down is None:
            continue
        made = made_by(migration.up)
        # What the down leaves in place at its end is not lost: it makes it again.
        own = made_by(migration.down)
        tables = [m for m in made if m.kind in RELATIONS and m.change is Change.CREATE]
        implicit = _implicit_kinds(ctx, migration, with_sequences)
        for at in ctx.located(migration, migration.down):
            for effect in at.effects:
                if effect.change is Change.DROP and not _accounted(
                    effect, [*made, *own], tables, implicit
                ):
                    yield at.finding(RULE, _message(effect, migration))
                _follow(effect, own, tables)


def _follow(effect: Effect, own: list[Effect], tables: list[Effect]) -> None:
    """Note what the down statement ``effect`` makes: an object, or a table the up created
    under a new name."""
    if effect.change is Change.CREATE:
        own.append(effect)
        if effect.kind in RELATIONS:
            tables.append(effect)
    elif effect.change is Change.RENAME and effect.new_name:
        renamed = replace(effect, change=Change.CREATE, name=effect.new_name)
        own.append(renamed)
        if among(effect, tables):
            tables.append(renamed)


def _accounted(
    effect: Effect, known: list[Effect], tables: list[Effect], implicit: set[Kind]
) -> bool:
    if effect.kind in implicit or effect.kind is Kind.CONSTRAINT:
        return True
    if among(effect, known):
        return True
    parent = effect.parent
    return parent is not None and any(t.name.same(parent) for t in tables)


def _adding_sequences(ctx: LintContext) -> set[Path]:
    """The up files that add a serial or identity column (read once for every migration)."""
    return {
        at.script.path
        for at, _, column in ctx.column_definitions()
        if column.base_type in SERIAL_TYPES or column.identity
    }


def _implicit_kinds(ctx: LintContext, migration: Migration, with_sequences: set[Path]) -> set[Kind]:
    """Kinds the up may create under names PostgreSQL makes up."""
    kinds: set[Kind] = set()
    if any(creates_unnamed_index(at.words) for at in ctx.located(migration, migration.up)):
        kinds.add(Kind.INDEX)
    if migration.up.path in with_sequences:
        kinds.add(Kind.SEQUENCE)
    return kinds


def _message(effect: Effect, migration: Migration) -> str:
    what = f"{effect.kind.value} {effect.name}"
    if effect.parent is not None:
        what += f" on {effect.parent}"
    return f"down drops {what}, which {migration.up.path.name} does not create"
