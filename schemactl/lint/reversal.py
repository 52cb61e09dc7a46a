"""What an up file leaves behind, and what its down file takes away.

Both are read from the statements' effects, net of the file's own steps: an up that creates a
staging table and drops it again leaves nothing; a table created and then renamed is left
under its new name. Names match as PostgreSQL would resolve them on the default search path:
an unqualified name matches the same name in any schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from schemactl.files.migrations import MigrationSet, Script
from schemactl.lint.heads import Kind
from schemactl.lint.objects import Change, Effect, effects


def among(effect: Effect, others: Iterable[Effect]) -> bool:
    """True if ``effect`` is on the same object as one of ``others``."""
    return any(effect.same_object(other) for other in others)


def made_by(script: Script) -> list[Effect]:
    """The objects ``script`` creates and does not drop again, in creation order.

    Constraints are left out: most have names PostgreSQL makes up, and they go with their
    column or table.
    """
    made: list[Effect] = []
    for statement in script.statements:
        for effect in effects(statement):
            if effect.change is Change.CREATE and effect.kind is not Kind.CONSTRAINT:
                made = [m for m in made if not m.same_object(effect)] + [effect]
            elif effect.change is Change.DROP:
                made = [m for m in made if not m.same_object(effect)]
            elif effect.change is Change.RENAME and effect.new_name and among(effect, made):
                made = [
                    replace(m, name=effect.new_name) if m.same_object(effect) else m for m in made
                ]
    return made


def new_objects(migrations: MigrationSet) -> dict[int, list[Effect]]:
    """For each version, what its up creates that no earlier migration had created.

    An object created again (``CREATE OR REPLACE`` of an earlier function, say) is replaced,
    not new: its down restores it rather than dropping it.
    """
    # Bucketed by bare name, since same_object needs equal names: a set of a thousand
    # migrations is then linear, not quadratic.
    before: dict[str, list[Effect]] = {}
    found: dict[int, list[Effect]] = {}
    for migration in migrations.migrations:
        made = made_by(migration.up)
        found[migration.version] = [e for e in made if not among(e, before.get(e.name.name, []))]
        for effect in made:
            before.setdefault(effect.name.name, []).append(effect)
    return found


def removed_by(script: Script) -> list[Effect]:
    """The objects ``script`` drops or renames away."""
    return [
        effect
        for statement in script.statements
        for effect in effects(statement)
        if effect.change in (Change.DROP, Change.RENAME)
    ]
