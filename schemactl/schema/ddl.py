"""DDL text for model objects: the statements that create or drop each one, and whole-schema dumps.

Pure: it reads a ``SchemaModel`` and returns text. ``render_schema_sql`` writes a schema as
one deterministic, readable SQL file (no data, owners or privileges) that applies to an empty
database; ``diff.suggest_sql`` builds its suggestions from the same statements.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from schemactl.catalog.model import (
    Column,
    Constraint,
    Domain,
    EnumType,
    Extension,
    Function,
    Index,
    Policy,
    Schema,
    SchemaModel,
    SchemaObject,
    Sequence,
    Table,
    Trigger,
    View,
    object_type,
)

Obj = TypeVar("Obj")

HEADER = (
    "-- Schema written by schemactl dump: objects only; no data, owners or privileges.\n"
    "-- Function bodies are checked when they run, so functions can precede their tables.\n"
    "SET check_function_bodies = false;"
)
DEFAULT_PUBLIC_COMMENT = "standard public schema"

_TRIGGER_STATES = {
    "enabled": "ENABLE TRIGGER",
    "disabled": "DISABLE TRIGGER",
    "replica": "ENABLE REPLICA TRIGGER",
    "always": "ENABLE ALWAYS TRIGGER",
}


def literal(text: str) -> str:
    """``text`` as a SQL string literal (standard_conforming_strings, on since 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def render_schema_sql(model: SchemaModel) -> str:
    """The whole schema as plain SQL, in an order that applies to an empty database.

    The same model always gives the same text: objects are sorted by name within each section,
    except where one must precede another (partitions after their parent, views after the
    views they read). Each object's comment follows it. Empty sections are left out.
    """
    parts = [HEADER]
    for title, statements in _sections(model):
        if statements:
            parts.append(f"-- {title}\n\n" + "\n\n".join(statements))
    return "\n\n\n".join(parts) + "\n"


def _sections(model: SchemaModel) -> list[tuple[str, list[str]]]:
    functions = _functions_by_stage(model)
    inline, later = _split_constraints(model)
    return [
        ("Schemas", _each(_dumped_schemas(model))),
        ("Extensions", _each(_by_key(model.extensions))),
        ("Types", _each([*_by_key(model.enums), *_by_key(model.domains)])),
        ("Sequences", _each(_by_key(model.sequences))),
        ("Functions", _each(functions[0])),
        ("Tables", _tables(model, inline)),
        ("Functions that use tables", _each(functions[1])),
        ("Views", _each(ordered_views(model))),
        ("Functions that use views", _each(functions[2])),
        ("Constraints", _each(later)),
        ("Indexes", _each(_by_key(model.indexes))),
        ("Sequence ownership", [s for q in _by_key(model.sequences) for s in sequence_owner(q)]),
        ("Triggers", _each(_by_key(model.triggers))),
        ("Row-level security policies", _each(_by_key(model.policies))),
    ]


def _by_key(objects: Mapping[str, Obj]) -> list[Obj]:
    return [objects[key] for key in sorted(objects)]


def _each(objects: Iterable[SchemaObject]) -> list[str]:
    return [text for obj in objects for text in create(obj)]


def _dumped_schemas(model: SchemaModel) -> list[Schema]:
    # public exists in every new database; only a changed comment is worth a statement.
    return sorted(
        (s for s in model.schemas.values() if s.name != "public" or _has_own_comment(s)),
        key=lambda s: s.name,
    )


def _has_own_comment(schema: Schema) -> bool:
    return schema.comment != DEFAULT_PUBLIC_COMMENT


def _tables(model: SchemaModel, inline: dict[str, list[Constraint]]) -> list[str]:
    return [text for t in ordered_tables(model) for text in create_table(t, inline.get(t.name, []))]


def _split_constraints(
    model: SchemaModel,
) -> tuple[dict[str, list[Constraint]], list[Constraint]]:
    """Constraints written inside CREATE TABLE, by table, and those added after all tables."""
    inline: dict[str, list[Constraint]] = {}
    later: list[Constraint] = []
    for key in sorted(model.constraints):
        constraint = model.constraints[key]
        table = model.tables.get(constraint.table)
        if _is_inline(constraint) and table is not None and table.partition_of is None:
            inline.setdefault(constraint.table, []).append(constraint)
        else:
            later.append(constraint)
    return inline, later


def _is_inline(constraint: Constraint) -> bool:
    """True when ``constraint`` can be written inside its CREATE TABLE.

    Foreign keys are added after every table exists; a NOT VALID constraint only exists
    through ALTER TABLE.
    """
    return constraint.kind != "foreign key" and constraint.validated


def ordered_tables(model: SchemaModel) -> list[Table]:
    """Tables by name, except that a partition comes after the table it is a partition of."""

    def depth(table: Table) -> int:
        seen = 0
        while table.partition_of in model.tables and seen < len(model.tables):
            table, seen = model.tables[table.partition_of], seen + 1
        return seen

    return sorted(model.tables.values(), key=lambda t: (depth(t), t.name))


def ordered_views(model: SchemaModel) -> list[View]:
    """Views by name, except that a view comes after the views its definition reads."""
    names = _names_pattern(model.views)
    pending = {
        name: _mentioned(model.views[name].definition, names) - {name}
        for name in sorted(model.views)
    }
    ordered: list[View] = []
    while pending:
        ready = [name for name, needs in pending.items() if not needs & pending.keys()]
        # A cycle cannot exist in a real database; fall back to name order rather than loop.
        for name in ready or [min(pending)]:
            ordered.append(model.views[name])
            del pending[name]
    return ordered


def _names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern matching any of ``names`` as a whole qualified name, longest first."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf'(?<![\w".$])(?:{alternatives})(?![\w"$])') if alternatives else None


def _mentioned(text: str, pattern: re.Pattern[str] | None) -> set[str]:
    return set(pattern.findall(text)) if pattern else set()


def _functions_by_stage(model: SchemaModel) -> list[list[Function]]:
    """Functions in three groups: before tables, after tables, after views.

    With check_function_bodies off, only a signature that names a table's or view's row type,
    or a SQL-standard body (parsed when created), needs those relations to exist first.
    """
    stages: list[list[Function]] = [[], [], []]
    tables, views = _names_pattern(model.tables), _names_pattern(model.views)
    for key in sorted(model.functions):
        text = _function_dependencies_text(model.functions[key])
        stage = 2 if _mentioned(text, views) else 1 if _mentioned(text, tables) else 0
        stages[stage].append(model.functions[key])
    return stages


def _function_dependencies_text(function: Function) -> str:
    signature = f"{function.arguments} {function.returns or ''}"
    if function.language == "sql" and function.body.startswith(("BEGIN ATOMIC", "RETURN")):
        return f"{signature} {function.body}"
    return signature


# --- one object ---------------------------------------------------------------------------


def create(obj: SchemaObject) -> list[str]:
    """The statements that create ``obj`` on its own, followed by its comment.

    A table is created with its columns only (see ``create_table`` for inline constraints); a
    sequence without its owner (``sequence_owner``).
    """
    if isinstance(obj, Table):
        return create_table(obj)
    statements = [_CREATORS[type(obj)](obj)]
    if isinstance(obj, Trigger) and obj.enabled != "enabled":
        statements.append(trigger_state(obj))
    return statements + _comment(obj)


def drop(obj: SchemaObject) -> str:
    """The statement that drops ``obj`` (never CASCADE: dependents must be dealt with first)."""
    if isinstance(obj, Constraint):
        return f"ALTER TABLE {obj.table} DROP CONSTRAINT {obj.name};"
    if isinstance(obj, Trigger | Policy):
        return f"DROP {object_type(obj).upper()} {obj.name} ON {obj.table};"
    return f"DROP {sql_kind(obj)} {obj.key};"


def sql_kind(obj: SchemaObject) -> str:
    """The SQL keyword(s) naming the kind of ``obj``: TABLE, MATERIALIZED VIEW, TYPE, ..."""
    if isinstance(obj, EnumType):
        return "TYPE"
    if isinstance(obj, Function):
        return "PROCEDURE" if obj.kind == "procedure" else "FUNCTION"
    return object_type(obj).upper()


def comment_on(target: str, comment: str | None) -> str:
    """COMMENT ON ``target`` (such as ``TABLE public.t``); a None comment removes it."""
    return f"COMMENT ON {target} IS {literal(comment) if comment is not None else 'NULL'};"


def comment_target(obj: SchemaObject) -> str:
    """What follows COMMENT ON for ``obj``: ``TABLE public.t``, ``TRIGGER t ON public.x``."""
    if isinstance(obj, Constraint | Trigger | Policy):
        return f"{object_type(obj).upper()} {obj.name} ON {obj.table}"
    return f"{sql_kind(obj)} {obj.key}"


def _comment(obj: SchemaObject) -> list[str]:
    comment = getattr(obj, "comment", None)
    return [comment_on(comment_target(obj), comment)] if comment is not None else []


def create_table(table: Table, inline: Iterable[Constraint] = ()) -> list[str]:
    """CREATE TABLE with its columns and ``inline`` constraints, then RLS and comments."""
    head = f"CREATE {'UNLOGGED ' if table.unlogged else ''}TABLE {table.name}"
    constraints = list(inline)
    if table.partition_of:
        text = f"{head} PARTITION OF {table.partition_of}\n    {table.partition_bound}"
    else:
        body = [column_definition(c) for c in table.columns.values()]
        body += [f"CONSTRAINT {c.name} {c.definition}" for c in constraints]
        text = f"{head} (\n" + ",\n".join(f"    {line}" for line in body) + "\n)"
    if table.partition_key:
        text += f"\nPARTITION BY {table.partition_key}"
    statements = [text + ";", *row_level_security(table, enabled=False, forced=False)]
    statements += _comment(table)
    statements += [
        comment_on(f"COLUMN {table.name}.{c.name}", c.comment)
        for c in table.columns.values()
        if c.comment is not None
    ]
    return statements + [text for c in constraints for text in _comment(c)]


def column_definition(column: Column) -> str:
    """``name type [COLLATE] [GENERATED ... | DEFAULT ...] [NOT NULL]``."""
    parts = [column.name, column.type]
    if column.collation:
        parts.append(f"COLLATE {column.collation}")
    if column.generated is not None:
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) STORED")
    elif column.identity:
        parts.append(f"GENERATED {column.identity.upper()} AS IDENTITY")
    elif column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if column.not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def row_level_security(table: Table, *, enabled: bool, forced: bool) -> list[str]:
    """The ALTER TABLE statements that take RLS from (enabled, forced) to the table's state."""
    statements = []
    if table.rls_enabled != enabled:
        verb = "ENABLE" if table.rls_enabled else "DISABLE"
        statements.append(f"ALTER TABLE {table.name} {verb} ROW LEVEL SECURITY;")
    if table.rls_forced != forced:
        verb = "FORCE" if table.rls_forced else "NO FORCE"
        statements.append(f"ALTER TABLE {table.name} {verb} ROW LEVEL SECURITY;")
    return statements


def _create_sequence(sequence: Sequence) -> str:
    return (
        f"CREATE SEQUENCE {sequence.name}\n"
        f"    AS {sequence.data_type}\n"
        f"    START WITH {sequence.start}\n"
        f"    INCREMENT BY {sequence.increment}\n"
        f"    MINVALUE {sequence.minimum}\n"
        f"    MAXVALUE {sequence.maximum}\n"
        f"    CACHE {sequence.cache}\n"
        f"    {'CYCLE' if sequence.cycle else 'NO CYCLE'};"
    )


def sequence_owner(sequence: Sequence) -> list[str]:
    """ALTER SEQUENCE ... OWNED BY, for a sequence that a column owns (serial)."""
    if sequence.owned_by is None:
        return []
    return [f"ALTER SEQUENCE {sequence.name} OWNED BY {sequence.owned_by};"]


def trigger_state(trigger: Trigger) -> str:
    """The ALTER TABLE that sets whether ``trigger`` fires (enabled, disabled, replica, ...)."""
    return f"ALTER TABLE {trigger.table} {_TRIGGER_STATES[trigger.enabled]} {trigger.name};"


def _create_extension(extension: Extension) -> str:
    return f"CREATE EXTENSION IF NOT EXISTS {extension.name} WITH SCHEMA {extension.schema};"


def _create_schema(schema: Schema) -> str:
    # public exists already in a new database; the statement stays runnable either way.
    if schema.name == "public":
        return "CREATE SCHEMA IF NOT EXISTS public;"
    return f"CREATE SCHEMA {schema.name};"


def _create_enum(enum: EnumType) -> str:
    labels = ", ".join(literal(label) for label in enum.labels)
    return f"CREATE TYPE {enum.name} AS ENUM ({labels});"


def _create_domain(domain: Domain) -> str:
    lines = [f"CREATE DOMAIN {domain.name} AS {domain.base_type}"]
    if domain.collation:
        lines.append(f"COLLATE {domain.collation}")
    if domain.default is not None:
        lines.append(f"DEFAULT {domain.default}")
    if domain.not_null:
        lines.append("NOT NULL")
    lines += [f"CONSTRAINT {name} {check}" for name, check in sorted(domain.checks.items())]
    return "\n    ".join(lines) + ";"


def _create_function(function: Function) -> str:
    return function.definition.rstrip() + ";"


def _create_view(view: View) -> str:
    options = f" WITH ({', '.join(view.options)})" if view.options else ""
    query = view.definition.rstrip().rstrip(";")
    if view.materialized:
        return f"CREATE MATERIALIZED VIEW {view.name}{options} AS\n{query}\nWITH NO DATA;"
    return f"CREATE VIEW {view.name}{options} AS\n{query};"


def _add_constraint(constraint: Constraint) -> str:
    return (
        f"ALTER TABLE {constraint.table} ADD CONSTRAINT {constraint.name} {constraint.definition};"
    )


def _create_index(index: Index) -> str:
    # An index on a partitioned table reads "ON ONLY" (pg_dump then attaches each partition's
    # copy); without ONLY, PostgreSQL builds the copies itself, which the model leaves out.
    return index.definition.replace(" ON ONLY ", " ON ", 1) + ";"


def _create_trigger(trigger: Trigger) -> str:
    return trigger.definition + ";"


def _create_policy(policy: Policy) -> str:
    lines = [
        f"CREATE POLICY {policy.name} ON {policy.table}",
        f"AS {'PERMISSIVE' if policy.permissive else 'RESTRICTIVE'}",
        f"FOR {policy.command.upper()}",
        f"TO {', '.join(policy.roles)}",
    ]
    if policy.using is not None:
        lines.append(f"USING ({policy.using})")
    if policy.with_check is not None:
        lines.append(f"WITH CHECK ({policy.with_check})")
    return "\n    ".join(lines) + ";"


_CREATORS: dict[type, Callable[[Any], str]] = {
    Extension: _create_extension,
    Schema: _create_schema,
    EnumType: _create_enum,
    Domain: _create_domain,
    Sequence: _create_sequence,
    Function: _create_function,
    View: _create_view,
    Constraint: _add_constraint,
    Index: _create_index,
    Trigger: _create_trigger,
    Policy: _create_policy,
}
