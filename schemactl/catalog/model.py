"""A plain, comparable model of a database schema: frozen dataclasses keyed by qualified names.

Every name in the model is SQL as PostgreSQL's ``quote_ident`` writes it (quoted only where
needed), so a key such as ``public.users`` or ``"Odd Schema"."T"`` can be pasted into a
statement as is. Types and expressions are as the server renders them with ``search_path`` set
to ``pg_catalog``: anything outside ``pg_catalog`` is schema-qualified. Nothing in the model
depends on OIDs, owners or creation order; two models are equal exactly when ``diff_models``
finds no change between them.

A table's columns are kept in column order for rendering, but compared by name (dict equality
ignores order), so a column added by a later migration does not make two schemas differ.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar, cast

from schemactl.errors import SnapshotError

SNAPSHOT_FORMAT = "schemactl-schema"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Extension:
    name: str
    schema: str
    version: str

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class EnumType:
    name: str
    labels: tuple[str, ...]
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    checks: dict[str, str] = field(default_factory=dict)  # constraint name -> CHECK (...)
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Sequence:
    name: str
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    minimum: int = 1
    maximum: int = 9223372036854775807
    cache: int = 1
    cycle: bool = False
    owned_by: str | None = None  # "schema.table.column"
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: str | None = None  # "always" or "by default"
    generated: str | None = None  # the expression of a stored generated column
    collation: str | None = None  # only when it differs from the type's default
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: dict[str, Column] = field(default_factory=dict)
    unlogged: bool = False
    rls_enabled: bool = False
    rls_forced: bool = False
    partition_key: str | None = None  # "RANGE (created_at)" on a partitioned table
    partition_of: str | None = None  # the parent of a partition
    partition_bound: str | None = None  # "FOR VALUES ..." of a partition
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Constraint:
    """A primary key, unique, foreign key, check or exclusion constraint of a table."""

    summary: ClassVar[str] = "definition"

    table: str
    name: str
    kind: str  # "primary key", "unique", "foreign key", "check", "exclusion"
    definition: str
    columns: tuple[str, ...] = ()
    references: str | None = None
    referenced_columns: tuple[str, ...] = ()
    on_update: str | None = None  # "no action", "restrict", "cascade", "set null", ...
    on_delete: str | None = None
    match: str | None = None  # "simple", "full", "partial"
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True
    comment: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass(frozen=True, slots=True)
class Index:
    """An index that no constraint owns (those come with their constraint)."""

    summary: ClassVar[str] = "definition"

    name: str
    table: str
    definition: str
    unique: bool = False
    method: str = "btree"
    columns: tuple[str, ...] = ()  # key columns and expressions, with DESC/NULLS/opclass
    include: tuple[str, ...] = ()
    predicate: str | None = None
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class View:
    name: str
    definition: str
    materialized: bool = False
    options: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Function:
    """A function or procedure; ``signature`` (name and argument types) is its key."""

    summary: ClassVar[str] = "definition"

    signature: str
    name: str
    definition: str  # CREATE OR REPLACE ..., as pg_get_functiondef writes it
    kind: str = "function"  # "function", "procedure", "window function"
    arguments: str = ""  # with names and defaults
    returns: str | None = None
    language: str = "sql"
    body: str = ""
    volatility: str = "volatile"
    strict: bool = False
    security_definer: bool = False
    leakproof: bool = False
    parallel: str = "unsafe"
    config: tuple[str, ...] = ()
    comment: str | None = None

    @property
    def key(self) -> str:
        return self.signature


@dataclass(frozen=True, slots=True)
class Trigger:
    summary: ClassVar[str] = "definition"

    table: str
    name: str
    definition: str  # CREATE TRIGGER ..., as pg_get_triggerdef writes it
    timing: str = "after"  # "before", "after", "instead of"
    events: tuple[str, ...] = ()
    level: str = "row"
    function: str = ""
    enabled: str = "enabled"  # "enabled", "disabled", "replica", "always"
    comment: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass(frozen=True, slots=True)
class Policy:
    table: str
    name: str
    command: str = "all"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None

    @property
    def key(self) -> str:
        return f"{self.table}.{self.name}"


SchemaObject = (
    Extension
    | Schema
    | EnumType
    | Domain
    | Sequence
    | Table
    | View
    | Function
    | Index
    | Constraint
    | Trigger
    | Policy
)
Obj = TypeVar("Obj", bound=SchemaObject)
Part = TypeVar("Part", bound=SchemaObject | Column)  # what a snapshot holds


@dataclass(frozen=True, slots=True)
class SchemaModel:
    """Every object of the inspected schemas, one mapping per kind, keyed by qualified name.

    The mappings are the model's own: treat them as read-only. Field order is dependency
    order (what a later kind may need exists in an earlier one).
    """

    extensions: dict[str, Extension] = field(default_factory=dict)
    schemas: dict[str, Schema] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)

    @classmethod
    def of(cls, *objects: SchemaObject) -> SchemaModel:
        """A model holding ``objects``, each filed under its kind and key."""
        buckets: dict[str, dict[str, Any]] = {f.name: {} for f in fields(cls)}
        for obj in objects:
            buckets[COLLECTION_OF[type(obj)]][obj.key] = obj
        return cls(**buckets)

    def collections(self) -> list[tuple[str, dict[str, Any]]]:
        """(collection name, mapping) pairs in dependency order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    def to_json(self) -> str:
        """A saved snapshot: stable, sorted JSON that ``from_json`` reads back to an equal model."""
        document: dict[str, Any] = {"format": SNAPSHOT_FORMAT, "version": SNAPSHOT_VERSION}
        for name, objects in self.collections():
            document[name] = [_plain(objects[key]) for key in sorted(objects)]
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SchemaModel:
        """The model of a snapshot written by ``to_json``; raises SnapshotError otherwise."""
        document = _snapshot_document(text)
        try:
            objects: list[SchemaObject] = [
                _thawed(CLASS_OF[name], item)
                for name, _ in EMPTY.collections()
                for item in document.get(name, [])
            ]
        except (KeyError, TypeError, AttributeError) as exc:
            raise SnapshotError(
                "the snapshot does not describe a schema", detail=f"unexpected content: {exc}"
            ) from None
        return cls.of(*objects)


EMPTY = SchemaModel()

COLLECTION_OF: dict[type, str] = {
    Extension: "extensions",
    Schema: "schemas",
    EnumType: "enums",
    Domain: "domains",
    Sequence: "sequences",
    Function: "functions",
    Table: "tables",
    View: "views",
    Constraint: "constraints",
    Index: "indexes",
    Trigger: "triggers",
    Policy: "policies",
}
CLASS_OF: dict[str, type] = {name: cls for cls, name in COLLECTION_OF.items()}

_OBJECT_TYPES: dict[type, str] = {
    Extension: "extension",
    Schema: "schema",
    EnumType: "enum",
    Domain: "domain",
    Sequence: "sequence",
    Table: "table",
    Column: "column",
    Constraint: "constraint",
    Index: "index",
    Trigger: "trigger",
    Policy: "policy",
}


# Each user-facing object type and the class that models it.
CLASS_OF_TYPE: dict[str, type] = {
    **{name: cls for cls, name in _OBJECT_TYPES.items()},
    "procedure": Function,
    "function": Function,
    "window function": Function,
    "view": View,
    "materialized view": View,
}


def object_type(obj: SchemaObject | Column) -> str:
    """What a user calls ``obj``: "table", "materialized view", "procedure", ..."""
    if isinstance(obj, Function):
        return obj.kind
    if isinstance(obj, View):
        return "materialized view" if obj.materialized else "view"
    return _OBJECT_TYPES[type(obj)]


def to_plain(value: object) -> Any:
    """``value`` as JSON-ready data: dataclasses become dicts, tuples lists (recursively)."""
    return _plain(value)


def _plain(value: object) -> Any:
    if isinstance(value, Table):
        plain = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        plain["columns"] = [_plain(c) for c in value.columns.values()]
        return plain
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(cast(Any, value))}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    return value


def _thawed(cls: type[Part], data: dict[str, Any]) -> Part:
    values = {f.name: frozen(data[f.name]) for f in fields(cls) if f.name in data}
    if cls is Table:
        values["columns"] = {c["name"]: _thawed(Column, c) for c in data.get("columns", [])}
    return cls(**values)


def frozen(value: Any) -> Any:
    """A field's value as a model holds it: lists as tuples, strings interned.

    A model repeats its names and types (a table's in each of its columns, constraints and
    indexes), and two models of one database share them: held this way a model takes half
    the memory, which check, holding several at once, needs.
    """
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, list):
        return tuple(sys.intern(item) if isinstance(item, str) else item for item in value)
    return value


def _snapshot_document(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError("the snapshot is not valid JSON", detail=str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            "the file is not a schemactl schema snapshot",
            hint=f'a snapshot is a JSON object with "format": "{SNAPSHOT_FORMAT}"',
        )
    if document.get("version") != SNAPSHOT_VERSION:
        raise SnapshotError(
            f"unsupported snapshot version {document.get('version')!r}",
            hint=f"this schemactl reads version {SNAPSHOT_VERSION}; write the snapshot again",
        )
    return document
