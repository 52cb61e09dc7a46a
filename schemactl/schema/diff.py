"""What differs between an expected and an actual schema, and the mechanical part of a fix.

Pure: two ``SchemaModel``s in, a sorted list of ``Change`` out; ``suggest_sql`` turns changes
into statements for a person to review. Nothing here queries or executes anything.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from schemactl.catalog.model import (
    CLASS_OF_TYPE,
    COLLECTION_OF,
    Column,
    Constraint,
    Domain,
    EnumType,
    Extension,
    Function,
    SchemaModel,
    SchemaObject,
    Sequence,
    Table,
    Trigger,
    View,
    object_type,
)
from schemactl.schema import ddl


class ChangeKind(enum.StrEnum):
    MISSING = "missing"  # in expected, not in actual
    UNEXPECTED = "unexpected"  # in actual, not in expected
    CHANGED = "changed"  # in both, with a property that differs


@dataclass(frozen=True)
class Change:
    """One difference between the expected and the actual schema.

    For CHANGED, ``expected`` and ``actual`` are the two values of ``property``; for MISSING
    and UNEXPECTED, the object itself on the side that has it (None on the other).
    ``table`` names the table a column, constraint, index, trigger or policy belongs to.
    """

    kind: ChangeKind
    object_type: str
    name: str
    property: str | None = None
    expected: Any = None
    actual: Any = None
    table: str | None = None


_COLLECTION_RANK = {name: rank for rank, (name, _) in enumerate(SchemaModel().collections())}
_KIND_RANK = {ChangeKind.UNEXPECTED: 0, ChangeKind.MISSING: 1, ChangeKind.CHANGED: 2}
_RELATIONS = ("table", "view", "materialized view")


def diff_models(expected: SchemaModel, actual: SchemaModel) -> list[Change]:
    """Every difference between ``expected`` and ``actual``; empty exactly when they are equal.

    The order is fixed: kind of object in dependency order (extensions first, policies last;
    a table's columns right after the table), then name, then property in model order.
    A missing or unexpected table or view stands for everything attached to it: its
    constraints, indexes, triggers and policies are not listed again. An object's whole
    ``definition`` is reported only when no more specific property explains the difference.
    """
    ranked = []
    for collection, wanted in expected.collections():
        rank = _COLLECTION_RANK[collection]
        for change in _diff_mapping(wanted, getattr(actual, collection)):
            order = (rank, change.name, _KIND_RANK[change.kind], _prop_rank(change))
            ranked.append((order, change))
    ranked.sort(key=lambda item: item[0])
    return _without_attached([change for _, change in ranked])


def _without_attached(changes: list[Change]) -> list[Change]:
    """``changes`` less those of objects attached to a missing or unexpected relation."""
    gone = {c.name for c in changes if c.kind != ChangeKind.CHANGED and c.object_type in _RELATIONS}
    return [c for c in changes if c.kind == ChangeKind.CHANGED or c.table not in gone]


def _diff_mapping(
    expected: dict[str, Any], actual: dict[str, Any], table: str | None = None
) -> Iterator[Change]:
    prefix = f"{table}." if table else ""
    for key in sorted(expected.keys() | actual.keys()):
        if key not in actual:
            yield _presence(ChangeKind.MISSING, prefix + key, expected[key], table)
        elif key not in expected:
            yield _presence(ChangeKind.UNEXPECTED, prefix + key, actual[key], table)
        else:
            yield from _diff_object(prefix + key, expected[key], actual[key], table)


def _presence(kind: ChangeKind, name: str, obj: Any, table: str | None) -> Change:
    expected, actual = (obj, None) if kind == ChangeKind.MISSING else (None, obj)
    return Change(kind, object_type(obj), name, None, expected, actual, _owner(obj, table))


def _diff_object(name: str, expected: Any, actual: Any, table: str | None) -> Iterator[Change]:
    summary = getattr(expected, "summary", None)
    compared = _COMPARED[type(expected)]
    differing = [p for p in compared if getattr(expected, p) != getattr(actual, p)]
    if not differing and summary and getattr(expected, summary) != getattr(actual, summary):
        differing = [summary]
    kind, owner = object_type(expected), _owner(expected, table)
    for prop in differing:
        before, after = getattr(expected, prop), getattr(actual, prop)
        yield Change(ChangeKind.CHANGED, kind, name, prop, before, after, owner)
    if isinstance(expected, Table):
        yield from _diff_mapping(expected.columns, actual.columns, expected.name)


def _compared(cls: type) -> tuple[str, ...]:
    """Fields compared one by one: not a table's nested columns, not the summary definition."""
    skipped = {getattr(cls, "summary", None), "columns" if cls is Table else None}
    return tuple(f.name for f in fields(cls) if f.name not in skipped)


_COMPARED = {cls: _compared(cls) for cls in CLASS_OF_TYPE.values()}


def _owner(obj: Any, table: str | None) -> str | None:
    return table or getattr(obj, "table", None)


def _prop_rank(change: Change) -> int:
    if change.property is None:
        return -1
    names = [f.name for f in fields(CLASS_OF_TYPE[change.object_type])]
    return names.index(change.property)


# --- suggested SQL ------------------------------------------------------------------------

# Where each statement goes. Drops come first, dependents before what they depend on; then
# creations and alterations in dependency order; comments; notes on what needs a person last.
_DROP_SLOT = {
    "policy": 0, "trigger": 1, "index": 2, "foreign key": 3, "constraint": 4, "view": 5,
    "materialized view": 5, "column": 6, "table": 7, "function": 8, "procedure": 8,
    "window function": 8, "sequence": 9, "domain": 10, "enum": 11, "schema": 12, "extension": 13,
}  # fmt: skip
_CREATE_SLOT = {
    "schema": 20, "extension": 21, "enum": 22, "domain": 23, "sequence": 24, "function": 25,
    "procedure": 25, "window function": 25, "table": 26, "column": 27, "view": 28,
    "materialized view": 28, "constraint": 29, "foreign key": 30, "index": 31, "owner": 32,
    "trigger": 33, "policy": 34, "comment": 35, "manual": 99,
}  # fmt: skip

Planned = list[tuple[int, str]]
Alteration = Callable[["Change", Any, Any, SchemaModel], Planned]


def suggest_sql(changes: list[Change], expected: SchemaModel, actual: SchemaModel) -> list[str]:
    """Statements that would bring ``actual`` to ``expected``, for a person to review.

    Only the mechanical part: creating and dropping objects, adding and dropping columns and
    constraints, altering defaults, nullability, sequence options and so on. What needs a
    decision (a changed partition key, a removed enum label, ...) becomes a ``-- manual:``
    comment line instead. Drops come first (dependents before what they depend on), then
    creations in dependency order. Never CASCADE; nothing here is ever executed.
    """
    planned: list[tuple[tuple[int, int, int, int], str]] = []
    order = _relation_order(expected, actual)
    for number, change in enumerate(changes):
        for index, (slot, text) in enumerate(_fix(change, expected, actual)):
            planned.append(((slot, order.get((slot, change.name), 0), number, index), text))
    planned.sort(key=lambda item: item[0])
    return list(dict.fromkeys(text for _, text in planned))


def _relation_order(expected: SchemaModel, actual: SchemaModel) -> dict[tuple[int, str], int]:
    """Positions that keep partitions after parents and views after the views they read."""
    order = {(_CREATE_SLOT["table"], t.name): n for n, t in enumerate(ddl.ordered_tables(expected))}
    order |= {(_CREATE_SLOT["view"], v.name): n for n, v in enumerate(ddl.ordered_views(expected))}
    dropped = ddl.ordered_views(actual)
    order |= {(_DROP_SLOT["view"], v.name): -n for n, v in enumerate(dropped)}
    return order


def _fix(change: Change, expected: SchemaModel, actual: SchemaModel) -> Planned:
    if change.kind == ChangeKind.MISSING:
        return _creation(change.expected, expected, change.table)
    if change.kind == ChangeKind.UNEXPECTED:
        return _removal(change.actual, change.table)
    if change.property == "comment":
        return [(_CREATE_SLOT["comment"], _comment_fix(change, expected))]
    alter = _ALTERATIONS.get(change.object_type, _manual)
    return alter(change, _find(expected, change), _find(actual, change), expected)


def _creation(obj: Any, model: SchemaModel, table: str | None) -> Planned:
    if isinstance(obj, Column):
        add = f"ALTER TABLE {table} ADD COLUMN {ddl.column_definition(obj)};"
        comment = [ddl.comment_on(f"COLUMN {table}.{obj.name}", obj.comment)] if obj.comment else []
        return [(_CREATE_SLOT["column"], text) for text in [add, *comment]]
    planned = [(_create_slot(obj), text) for text in ddl.create(obj)]
    if isinstance(obj, Sequence):
        planned += [(_CREATE_SLOT["owner"], text) for text in ddl.sequence_owner(obj)]
    if isinstance(obj, Table | View):
        for attached in _attached(model, obj.name):
            planned += _creation(attached, model, obj.name)
    return planned


def _attached(model: SchemaModel, relation: str) -> list[SchemaObject]:
    """Constraints, indexes, triggers and policies of ``relation``, by name."""
    found: list[SchemaObject] = []
    for mapping in (model.constraints, model.indexes, model.triggers, model.policies):
        found += [mapping[k] for k in sorted(mapping) if mapping[k].table == relation]
    return found


def _removal(obj: Any, table: str | None) -> Planned:
    if isinstance(obj, Column):
        return [(_DROP_SLOT["column"], f"ALTER TABLE {table} DROP COLUMN {obj.name};")]
    return [(_drop_slot(obj), ddl.drop(obj))]


def _rebuild(change: Change, wanted: Any, found: Any, model: SchemaModel) -> Planned:
    """Drop and create again; a dropped view takes its indexes and triggers with it."""
    return _removal(found, change.table) + _creation(wanted, model, change.table)


def _create_slot(obj: SchemaObject) -> int:
    if isinstance(obj, Constraint) and obj.kind == "foreign key":
        return _CREATE_SLOT["foreign key"]
    return _CREATE_SLOT[object_type(obj)]


def _drop_slot(obj: SchemaObject) -> int:
    if isinstance(obj, Constraint) and obj.kind == "foreign key":
        return _DROP_SLOT["foreign key"]
    return _DROP_SLOT[object_type(obj)]


def _find(model: SchemaModel, change: Change) -> Any:
    if change.object_type == "column" and change.table is not None:
        return model.tables[change.table].columns[change.name[len(change.table) + 1 :]]
    collection = COLLECTION_OF[CLASS_OF_TYPE[change.object_type]]
    return getattr(model, collection)[change.name]


def _comment_fix(change: Change, expected: SchemaModel) -> str:
    if change.object_type == "column":
        return ddl.comment_on(f"COLUMN {change.name}", change.expected)
    return ddl.comment_on(ddl.comment_target(_find(expected, change)), change.expected)


def _manual(change: Change, wanted: Any, found: Any, model: SchemaModel) -> Planned:
    what = f"{change.object_type} {change.name}: {change.property}"
    return [(_CREATE_SLOT["manual"], f"-- manual: {what} differs; change it by hand")]


def _alter_extension(
    change: Change, wanted: Extension, found: Extension, model: SchemaModel
) -> Planned:
    slot = _CREATE_SLOT["extension"]
    if change.property == "version":
        return [(slot, f"ALTER EXTENSION {wanted.name} UPDATE TO {ddl.literal(wanted.version)};")]
    return [(slot, f"ALTER EXTENSION {wanted.name} SET SCHEMA {wanted.schema};")]


def _alter_enum(change: Change, wanted: EnumType, found: EnumType, model: SchemaModel) -> Planned:
    labels = list(found.labels)
    if [label for label in wanted.labels if label in labels] != labels:
        return _manual(change, wanted, found, model)  # a label was removed or moved
    statements = []
    for position, label in enumerate(wanted.labels):
        if label in labels:
            continue
        where = _label_position(wanted.labels, position, labels)
        statements.append(f"ALTER TYPE {wanted.name} ADD VALUE {ddl.literal(label)}{where};")
        labels.insert(labels.index(wanted.labels[position - 1]) + 1 if position else 0, label)
    return [(_CREATE_SLOT["enum"], text) for text in statements]


def _label_position(wanted: tuple[str, ...], position: int, present: list[str]) -> str:
    if position:
        return f" AFTER {ddl.literal(wanted[position - 1])}"
    return f" BEFORE {ddl.literal(present[0])}" if present else ""


def _alter_domain(change: Change, wanted: Domain, found: Domain, model: SchemaModel) -> Planned:
    head = f"ALTER DOMAIN {wanted.name}"
    if change.property == "default":
        value = f"SET DEFAULT {wanted.default}" if wanted.default is not None else "DROP DEFAULT"
        statements = [f"{head} {value};"]
    elif change.property == "not_null":
        statements = [f"{head} {'SET' if wanted.not_null else 'DROP'} NOT NULL;"]
    elif change.property == "checks":
        statements = _domain_checks(head, wanted.checks, found.checks)
    else:
        return _manual(change, wanted, found, model)
    return [(_CREATE_SLOT["domain"], text) for text in statements]


def _domain_checks(head: str, wanted: dict[str, str], found: dict[str, str]) -> list[str]:
    drops = [f"{head} DROP CONSTRAINT {n};" for n in sorted(found) if wanted.get(n) != found[n]]
    adds = [
        f"{head} ADD CONSTRAINT {n} {wanted[n]};"
        for n in sorted(wanted)
        if found.get(n) != wanted[n]
    ]
    return drops + adds


_SEQUENCE_CLAUSES: dict[str, Callable[[Sequence], str]] = {
    "data_type": lambda s: f"AS {s.data_type}",
    "start": lambda s: f"START WITH {s.start}",
    "increment": lambda s: f"INCREMENT BY {s.increment}",
    "minimum": lambda s: f"MINVALUE {s.minimum}",
    "maximum": lambda s: f"MAXVALUE {s.maximum}",
    "cache": lambda s: f"CACHE {s.cache}",
    "cycle": lambda s: "CYCLE" if s.cycle else "NO CYCLE",
    "owned_by": lambda s: f"OWNED BY {s.owned_by or 'NONE'}",
}


def _alter_sequence(
    change: Change, wanted: Sequence, found: Sequence, model: SchemaModel
) -> Planned:
    clause = _SEQUENCE_CLAUSES[change.property or ""](wanted)
    slot = _CREATE_SLOT["owner" if change.property == "owned_by" else "sequence"]
    return [(slot, f"ALTER SEQUENCE {wanted.name} {clause};")]


def _alter_function(
    change: Change, wanted: Function, found: Function, model: SchemaModel
) -> Planned:
    # CREATE OR REPLACE cannot change the result type, argument names or the kind.
    if change.property in ("kind", "arguments", "returns"):
        return _rebuild(change, wanted, found, model)
    return [(_CREATE_SLOT["function"], text) for text in ddl.create(wanted)]


def _alter_table(change: Change, wanted: Table, found: Table, model: SchemaModel) -> Planned:
    slot = _CREATE_SLOT["comment"]
    if change.property in ("rls_enabled", "rls_forced"):
        rls = ddl.row_level_security(wanted, enabled=found.rls_enabled, forced=found.rls_forced)
        return [(slot, text) for text in rls]
    if change.property == "unlogged":
        return [(slot, f"ALTER TABLE {wanted.name} SET {'UN' if wanted.unlogged else ''}LOGGED;")]
    return _manual(change, wanted, found, model)


def _alter_column(change: Change, wanted: Column, found: Column, model: SchemaModel) -> Planned:
    head = f"ALTER TABLE {change.table} ALTER COLUMN {wanted.name}"
    text = _column_alteration(change.property or "", wanted, found)
    if text is None:
        return _manual(change, wanted, found, model)
    return [(_CREATE_SLOT["column"], f"{head} {text};")]


def _column_alteration(prop: str, wanted: Column, found: Column) -> str | None:
    if prop in ("type", "collation"):
        return f"TYPE {wanted.type}" + (f" COLLATE {wanted.collation}" if wanted.collation else "")
    if prop == "default":
        return f"SET DEFAULT {wanted.default}" if wanted.default is not None else "DROP DEFAULT"
    if prop == "not_null":
        return f"{'SET' if wanted.not_null else 'DROP'} NOT NULL"
    if prop == "identity":
        if found.identity is None:
            return f"ADD GENERATED {wanted.identity} AS IDENTITY".upper()
        return f"SET GENERATED {wanted.identity}".upper() if wanted.identity else "DROP IDENTITY"
    if prop == "generated" and wanted.generated is None:
        return "DROP EXPRESSION"
    return None


def _alter_view(change: Change, wanted: View, found: View, model: SchemaModel) -> Planned:
    if change.property == "definition" and not wanted.materialized:
        replace = ddl.create(wanted)[0].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
        return [(_CREATE_SLOT["view"], replace)]
    return _rebuild(change, wanted, found, model)


def _alter_constraint(
    change: Change, wanted: Constraint, found: Constraint, model: SchemaModel
) -> Planned:
    if change.property == "validated" and wanted.validated:
        text = f"ALTER TABLE {wanted.table} VALIDATE CONSTRAINT {wanted.name};"
        return [(_create_slot(wanted), text)]
    return _rebuild(change, wanted, found, model)


def _alter_trigger(change: Change, wanted: Trigger, found: Trigger, model: SchemaModel) -> Planned:
    if change.property == "enabled":
        return [(_CREATE_SLOT["trigger"], ddl.trigger_state(wanted))]
    return _rebuild(change, wanted, found, model)


_ALTERATIONS: dict[str, Alteration] = {
    "extension": _alter_extension,
    "enum": _alter_enum,
    "domain": _alter_domain,
    "sequence": _alter_sequence,
    "function": _alter_function,
    "procedure": _alter_function,
    "window function": _alter_function,
    "table": _alter_table,
    "column": _alter_column,
    "view": _alter_view,
    "materialized view": _alter_view,
    "constraint": _alter_constraint,
    "index": _rebuild,
    "trigger": _alter_trigger,
    "policy": _rebuild,
}
