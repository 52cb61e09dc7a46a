"""Every table reference in the up files, judged against the set's history at that point.

The up files are replayed in version order, following which tables (and views, sequences)
exist after each statement. A reference is fine if the table exists by then; otherwise it is
created only later, was dropped or renamed earlier, or is never created by the set at all (it
may then be in the database from before schemactl). A temporary table exists until the end of
the file that makes it: each migration runs in a session of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from schemactl.lint.context import LintContext, Located
from schemactl.lint.heads import RELATIONS
from schemactl.lint.objects import Change, Effect
from schemactl.lint.words import ObjectName

Position = tuple[int, int]


class Status(enum.Enum):
    """Whether a referenced table exists at that point of the set's history."""

    EXISTS = "exists"
    CREATED_LATER = "created later"
    GONE = "gone"
    NEVER_CREATED = "never created"


@dataclass(frozen=True)
class Reference:
    """A reference at ``at`` to ``table``, with where it is created or what removed it."""

    at: Located
    table: ObjectName
    status: Status
    created: Located | None = None
    removed: tuple[Located, str] | None = None


def table_references(ctx: LintContext) -> Iterator[Reference]:
    """Each up-file reference to a table, once per statement, with its status."""
    created = _first_creations(ctx)
    live: set[tuple[str, str]] = set()
    gone: dict[tuple[str, str], tuple[Located, str]] = {}
    temporary: set[tuple[str, str]] = set()  # made by the file being read
    script = None
    for at in ctx.up_statements():
        if at.script is not script:
            script = at.script
            live -= temporary
            temporary.clear()
        seen: set[tuple[str, str]] = set()
        for effect in at.effects:
            if effect.change is Change.CREATE and effect.temporary and effect.name.key not in live:
                temporary.add(effect.name.key)
            if effect.change is not Change.REFERENCE:
                _replay(effect, at, live, gone)
            elif not effect.tolerant and effect.name.key not in seen:
                seen.add(effect.name.key)
                yield _judge(at, effect.name, live, created, gone)


def _replay(
    effect: Effect,
    at: Located,
    live: set[tuple[str, str]],
    gone: dict[tuple[str, str], tuple[Located, str]],
) -> None:
    if effect.kind not in RELATIONS:
        return
    key = effect.name.key
    if effect.change is Change.CREATE:
        live.add(key)
        gone.pop(key, None)
    elif effect.change is Change.DROP:
        live.discard(key)
        gone[key] = (at, "drops")
    elif effect.change is Change.RENAME and effect.new_name is not None:
        live.discard(key)
        gone[key] = (at, "renames")
        live.add(effect.new_name.key)
        gone.pop(effect.new_name.key, None)


def _judge(
    at: Located,
    table: ObjectName,
    live: set[tuple[str, str]],
    created: dict[tuple[str, str], Located],
    gone: dict[tuple[str, str], tuple[Located, str]],
) -> Reference:
    key = table.key
    if key in live:
        return Reference(at, table, Status.EXISTS)
    creation = created.get(key)
    if creation is not None and _position(creation) > _position(at):
        return Reference(at, table, Status.CREATED_LATER, created=creation)
    if key in gone:
        return Reference(at, table, Status.GONE, removed=gone[key])
    return Reference(at, table, Status.NEVER_CREATED)


def _first_creations(ctx: LintContext) -> dict[tuple[str, str], Located]:
    found: dict[tuple[str, str], Located] = {}
    for at in ctx.up_statements():
        for effect in at.effects:
            if effect.kind not in RELATIONS or effect.temporary:
                continue
            if effect.change is Change.CREATE:
                found.setdefault(effect.name.key, at)
            elif effect.change is Change.RENAME and effect.new_name is not None:
                found.setdefault(effect.new_name.key, at)
    return found


def _position(at: Located) -> Position:
    return at.migration.version, at.statement.index
