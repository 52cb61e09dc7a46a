"""What an up file leaves behind, and what its down file takes away.

Both are read from the statements' effects, net of the file's own steps: an up that creates a
staging table and drops it again leaves nothing; a table created and then renamed is left
under its new name. Names match as PostgreSQL would resolve them on the default search path:
an unqualified name matches the same name in any schema. Temporary objects are not made at
all: they go with the session that made them, and each migration runs in a session of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import replace

from schemactl.files.migrations import MigrationSet, Script
from schemactl.lint.heads import RELATIONS, Kind
from schemactl.lint.objects import Change, Effect, effects
from schemactl.lint.words import ObjectName


def among(effect: Effect, others: Iterable[Effect]) -> bool:
    """True if ``effect`` is on the same object as one of ``others``."""
    return any(effect.same_object(other) for other in others)


def made_by(script: Script) -> list[Effect]:
    """The objects ``script`` creates and does not drop again (see ``_made_by``); a new list."""
    return list(_made_by(script))


@functools.lru_cache(maxsize=4096)
def _made_by(script: Script) -> tuple[Effect, ...]:
    """The objects ``script`` creates and does not drop again, in creation order.

    A rename follows the object: one the file made is left under its new name, and one it did
    not make (an existing table renamed) is made under the new name, since the down has to
    take the name away again. A table's columns, indexes and triggers follow its renames.
    Constraints are left out: most have names PostgreSQL makes up, and they go with their
    column or table.
    """
    made: list[Effect] = []
    dropped: list[Effect] = []  # objects from before the file that it drops
    temporary = _Temporary()
    for statement in script.statements:
        for effect in effects(statement):
            if temporary.takes(effect):
                continue
            if effect.change is Change.CREATE and effect.kind is not Kind.CONSTRAINT:
                made = [m for m in made if not m.same_object(effect)] + [effect]
            elif effect.change is Change.DROP:
                if not among(effect, made):
                    dropped.append(effect)
                made = left_after_drop(made, effect)
            elif effect.change is Change.RENAME and effect.new_name:
                made = _renamed(made, dropped, effect, effect.new_name)
            elif effect.change is Change.OWN:
                made = [
                    replace(m, parent=effect.parent, uses=effect.uses)
                    if m.same_object(effect)
                    else m
                    for m in made
                ]
    return tuple(made)


class _Temporary:
    """The temporary relations one file makes, so that what is made on them (an index, a
    trigger, a column, a view over them: temporary too) is not made either."""

    def __init__(self) -> None:
        self._names: dict[str, list[ObjectName]] = {}

    def takes(self, effect: Effect) -> bool:
        """True if ``effect`` is on a temporary object, noting the relations it makes."""
        if effect.change is Change.CREATE:
            temporary = effect.temporary or self._on_one(effect)
            if temporary and effect.kind in RELATIONS:
                self._names.setdefault(effect.name.name, []).append(effect.name)
            return temporary
        if effect.change is Change.RENAME and effect.new_name and self._is_one(effect.name):
            self._names.setdefault(effect.new_name.name, []).append(effect.new_name)
            return True
        # An unqualified name finds a temporary relation before any other of that name.
        return (effect.kind in RELATIONS and self._is_one(effect.name)) or self._on_one(effect)

    def _is_one(self, name: ObjectName) -> bool:
        return any(name.same(t) for t in self._names.get(name.name, ()))

    def _on_one(self, effect: Effect) -> bool:
        if effect.parent is not None and self._is_one(effect.parent):
            return True
        # PostgreSQL makes a view over a temporary table temporary itself.
        views = (Kind.VIEW, Kind.MATERIALIZED_VIEW)
        return effect.kind in views and any(name in self._names for name in effect.uses)


def _renamed(
    made: list[Effect], dropped: list[Effect], rename: Effect, new: ObjectName
) -> list[Effect]:
    kept: list[Effect] = []
    for m in made:
        if m.same_object(rename):
            m = replace(m, name=new)
        elif rename.kind in RELATIONS and m.parent is not None and m.parent.same(rename.name):
            m = replace(m, parent=new)
        kept.append(m)
    if rename.kind is Kind.CONSTRAINT or among(rename, made):
        return kept
    renamed_in = Effect(Change.RENAME, rename.kind, new, rename.parent)
    # Renamed into the name of an object the file dropped: a replacement, as old as the name.
    if not among(renamed_in, dropped):
        kept.append(renamed_in)
    return kept


def new_objects(migrations: MigrationSet) -> dict[int, list[Effect]]:
    """For each version, what its up creates that no earlier migration had created.

    An object created again (``CREATE OR REPLACE`` of an earlier function, say) is replaced,
    not new: its down restores it rather than dropping it.
    """
    # Bucketed by bare name, since same_object needs equal names: a set of a thousand
    # migrations is then linear, not quadratic.
    before: dict[str, list[Effect]] = {}
    found: dict[int, list[Effect]] = {}
    partitions = _Partitions()
    for migration in migrations.migrations:
        made = partitions.attach(made_by(migration.up))
        found[migration.version] = [e for e in made if not among(e, before.get(e.name.name, []))]
        for effect in made:
            before.setdefault(effect.name.name, []).append(effect)
    return found


class _Partitions:
    """The partitions the set has made so far, by their partitioned table's bare name."""

    def __init__(self) -> None:
        self._of: dict[str, list[tuple[ObjectName, ObjectName]]] = {}

    def attach(self, made: list[Effect]) -> list[Effect]:
        """``made`` (one up file's objects, in order), each partition's index that an index
        on its partitioned table made after it attaches marked ``attached_to`` that index.

        PostgreSQL builds an index on a partitioned table by attaching, on each partition,
        an index with the same definition that is not yet attached to another, and making
        one where there is none (under a name the files do not show); dropping the
        partitioned table's index drops them all.
        """
        out: list[Effect] = []
        for m in made:
            if m.kind is Kind.TABLE and m.parent is not None:
                self._of.setdefault(m.parent.name, []).append((m.parent, m.name))
            elif m.kind is Kind.INDEX and m.definition is not None and m.parent is not None:
                out = self._attach_to(m, out)
            out.append(m)
        return out

    def _attach_to(self, index: Effect, earlier: list[Effect]) -> list[Effect]:
        assert index.parent is not None
        parent = index.parent
        children = [c for p, c in self._of.get(parent.name, ()) if p.same(parent)]
        if not children:
            return earlier
        attached: list[ObjectName] = []  # one index on each partition
        out = []
        for m in earlier:
            table = m.parent
            if (
                m.kind is Kind.INDEX
                and m.attached_to is None
                and m.definition == index.definition
                and table is not None
                and any(table.same(c) for c in children)
                and not any(table.same(a) for a in attached)
            ):
                attached.append(table)
                m = replace(m, attached_to=index.name)
            out.append(m)
        return out


def left_after(made: list[Effect], script: Script) -> list[Effect]:
    """What of ``made`` is still in place after ``script`` runs.

    PostgreSQL's implicit drops count: a table takes its columns, indexes, triggers, policies
    and the sequences it owns; a column takes the indexes on it and the sequence it owns; a
    DROP ... CASCADE takes whatever the files show depends on the object (a view over a
    table, a trigger calling a function, a column of a type), and what depends on those. An
    object renamed away is no longer in place under its name.
    """
    left = list(made)
    for statement in script.statements:
        for effect in effects(statement):
            if effect.change is Change.DROP:
                left = left_after_drop(left, effect)
            elif effect.change is Change.RENAME and effect.new_name:
                left = _renamed_away(left, effect, effect.new_name)
    return left


def _renamed_away(left: list[Effect], rename: Effect, new: ObjectName) -> list[Effect]:
    """The object renamed away is no longer in place under its name; the columns, indexes and
    triggers of a renamed table are, on the table's new name."""
    kept: list[Effect] = []
    for m in left:
        if m.same_object(rename):
            continue
        if rename.kind in RELATIONS and m.parent is not None and m.parent.same(rename.name):
            m = replace(m, parent=new)
        if rename.kind is Kind.INDEX and _attached(m, rename.name):
            m = replace(m, attached_to=new)
        kept.append(m)
    return kept


def _attached(m: Effect, index: ObjectName) -> bool:
    return m.attached_to is not None and m.attached_to.same(index)


def left_after_drop(made: list[Effect], drop: Effect) -> list[Effect]:
    """``made`` without what ``drop`` takes, directly or as a dependent (see ``left_after``)."""
    gone = [m for m in made if _taken_by(m, drop)]
    left = [m for m in made if m not in gone]
    while gone:
        gone = [m for m in left if any(_depends_on(m, g, drop.cascade) for g in gone)]
        left = [m for m in left if m not in gone]
    return left


# Kinds whose definition another DROP ... CASCADE can take whole; a table only loses a column
# or a foreign key, and a schema or an extension stays.
_CASCADE_TAKES = frozenset(Kind) - {Kind.TABLE, Kind.FOREIGN_TABLE, Kind.SCHEMA, Kind.EXTENSION}


def _taken_by(m: Effect, drop: Effect) -> bool:
    """True if ``drop`` (a DROP or a rename away) takes ``m`` with it."""
    if m.same_object(drop):
        return True
    if drop.kind in RELATIONS and m.parent is not None and m.parent.same(drop.name):
        return True
    if drop.kind is Kind.INDEX and _attached(m, drop.name):
        return True
    if drop.kind is Kind.SCHEMA and drop.cascade and m.name.schema == drop.name.name:
        return True
    if drop.change is not Change.DROP:
        return False
    if drop.kind is Kind.COLUMN:
        return _column_takes(m, drop)
    return drop.cascade and m.kind in _CASCADE_TAKES and drop.name.name in m.uses


def _column_takes(m: Effect, drop: Effect) -> bool:
    """A dropped column takes the indexes on it and the sequence it owns; with CASCADE, what
    mentions both the column and its table (a view)."""
    table = drop.parent
    if table is None or drop.name.name not in m.uses:
        return False
    on_table = m.parent is not None and m.parent.same(table)
    if on_table and m.kind in (Kind.INDEX, Kind.SEQUENCE):
        return True
    return drop.cascade and m.kind in _CASCADE_TAKES and (on_table or table.name in m.uses)


def _depends_on(m: Effect, gone: Effect, cascade: bool) -> bool:
    """True if ``m`` goes with ``gone``: an index on a dropped view always, a view over it
    only under CASCADE."""
    if gone.kind in RELATIONS and m.parent is not None and m.parent.same(gone.name):
        return True
    if gone.kind is Kind.INDEX and _attached(m, gone.name):
        return True
    if gone.kind in (Kind.COLUMN, Kind.CONSTRAINT):
        return False
    return cascade and m.kind in _CASCADE_TAKES and gone.name.name in m.uses
