"""A realistic migration history: a schema that grows and is reworked over hundreds of files.

    .venv/bin/python bench/corpus.py --migrations 300                 # bench/out/realistic-300/
    .venv/bin/python bench/corpus.py --migrations 300 --tables 200 --seed 7

The synthetic corpus (generate.py) creates one table a migration and never touches it again,
so every step of ``check`` sees a small change to a schema no object refers into. Real
histories are shaped otherwise: tables gain, rename, retype and lose columns for years; views
and materialized views over them must be dropped and created again around each such change;
trigger functions are replaced; enums gain values (a down must rebuild the type); indexes are
built (some concurrently, in no-transaction files), dropped and rebuilt. This module writes
such a history, deterministically from a seed, with every down exact: it keeps a model of the
schema and writes each down against the state its up left.

The shape is given by parameters (``Shape``): how many migrations, how many tables they build
(created over the first 70% of the history), how many views per table and which share of them
are materialized, so that check's cost can be measured against the history's length and
against the schema's size separately.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

import generate

NO_TRANSACTION = generate.NO_TRANSACTION

NOUNS = [
    "account",
    "invoice",
    "order",
    "payment",
    "customer",
    "product",
    "shipment",
    "address",
    "session",
    "token",
    "event",
    "audit",
    "report",
    "ticket",
    "comment",
    "review",
    "coupon",
    "refund",
    "stock",
    "warehouse",
    "supplier",
    "contract",
    "subscription",
    "plan",
    "feature",
    "team",
    "member",
    "role",
    "grant",
    "project",
    "task",
    "note",
    "attachment",
]
WORDS = [
    "label",
    "title",
    "code",
    "kind",
    "region",
    "score",
    "weight",
    "level",
    "source",
    "channel",
    "origin",
    "reason",
    "memo",
    "rating",
    "quota",
    "limit",
    "flag",
    "stage",
    "tier",
    "batch",
    "ref",
    "summary",
    "detail",
    "extra",
]

# A plain column's type and what a retype turns it into (and back, on the down).
RETYPE = {
    "integer": "bigint",
    "bigint": "integer",
    "varchar(80)": "varchar(160)",
    "varchar(160)": "varchar(80)",
    "numeric(10,2)": "numeric(14,2)",
    "numeric(14,2)": "numeric(10,2)",
    "text": "varchar(200)",
    "varchar(200)": "text",
}
PLAIN_TYPES = ("integer", "varchar(80)", "numeric(10,2)", "text", "boolean", "date", "jsonb")
INDEXABLE = {t for t in RETYPE} | {"boolean", "date"}
NUMERIC = {"integer", "bigint", "numeric(10,2)", "numeric(14,2)"}


@dataclass(frozen=True)
class Shape:
    """What the history looks like; every count is a target the generator reaches exactly."""

    migrations: int = 300
    tables: int = 120
    views_per_table: float = 0.6
    materialized_share: float = 0.3
    seed: int = 1

    @property
    def name(self) -> str:
        default = default_shape(self.migrations)
        if replace(self, migrations=default.migrations) == default:
            return f"realistic-{self.migrations}"
        return (
            f"realistic-{self.migrations}-t{self.tables}-v{self.views_per_table:g}"
            f"-m{self.materialized_share:g}-s{self.seed}"
        )


def default_shape(migrations: int) -> Shape:
    """About the proportions of public histories: some 0.4 tables per migration."""
    return Shape(migrations=migrations, tables=max(10, migrations * 2 // 5))


# --- the schema as the generator sees it ---------------------------------------------------


@dataclass
class Column:
    name: str
    type: str
    kind: str  # "id", "fk", "enum", "plain", "stamp"
    not_null: bool = False
    default: str | None = None
    comment: str | None = None

    def ddl(self) -> str:
        parts = [self.name, self.type]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        return " ".join(parts)


@dataclass
class Table:
    name: str
    columns: list[Column]
    parent: str | None = None  # the table its fk column refers to
    audit: int = 0  # version of its audit trigger function's body (0: none)
    serial: int = 0  # for unique column names

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def plain(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "plain"]


@dataclass
class Index:
    name: str
    table: str
    columns: list[str]
    partial: str | None = None  # WHERE <column> IS NOT NULL
    concurrently: bool = False

    def create(self, concurrently: bool = False) -> str:
        how = "CONCURRENTLY " if concurrently else ""
        where = f" WHERE {self.partial} IS NOT NULL" if self.partial else ""
        return f"CREATE INDEX {how}{self.name} ON {self.table} ({', '.join(self.columns)}){where};"

    def drop(self, concurrently: bool = False) -> str:
        return f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}{self.name};"

    def uses(self, table: str, column: str) -> bool:
        return self.table == table and (column in self.columns or column == self.partial)


@dataclass
class View:
    name: str
    table: str
    columns: list[tuple[str, str]]  # (source column, output name)
    materialized: bool = False
    parent: str | None = None  # joined through the table's parent_id
    parent_columns: list[tuple[str, str]] = field(default_factory=list)
    unique_index: bool = False

    def uses(self, table: str, column: str) -> bool:
        if self.table == table and any(src == column for src, _ in self.columns):
            return True
        return self.parent == table and any(src == column for src, _ in self.parent_columns)

    def create(self) -> str:
        kind = "MATERIALIZED VIEW" if self.materialized else "VIEW"
        items = ["t.id"] + [f"t.{src} AS {alias}" for src, alias in self.columns]
        items += [f"p.{src} AS {alias}" for src, alias in self.parent_columns]
        join = f"\n  LEFT JOIN {self.parent} AS p ON p.id = t.parent_id" if self.parent else ""
        select = f"SELECT {', '.join(items)}\n  FROM {self.table} AS t{join}"
        text = f"CREATE {kind} {self.name} AS\n{select};"
        if self.unique_index:
            text += f"\nCREATE UNIQUE INDEX {self.name}_id_idx ON {self.name} (id);"
        return text

    def drop(self) -> str:
        return f"DROP {'MATERIALIZED VIEW' if self.materialized else 'VIEW'} {self.name};"


@dataclass
class Check:
    name: str
    table: str
    column: str


@dataclass
class State:
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)
    serial: int = 0

    def fresh(self, stem: str) -> str:
        self.serial += 1
        return f"{stem}_{self.serial}"

    def views_using(self, table: str, column: str) -> list[View]:
        return [v for v in self.views.values() if v.uses(table, column)]

    def pinned(self, table: str, column: str) -> bool:
        """Whether an index or check names the column (a drop would take them with it)."""
        return any(i.uses(table, column) for i in self.indexes.values()) or any(
            c.table == table and c.column == column for c in self.checks.values()
        )


@dataclass
class Step:
    """Part of a migration: its up and down statements, and a name for the file."""

    name: str
    up: list[str]
    down: list[str]
    no_transaction: bool = False


# --- the steps a history is made of -------------------------------------------------------


class History:
    def __init__(self, shape: Shape):
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.state = State()

    # Each step changes self.state to the schema after its up and returns its SQL; None when
    # the schema offers nothing to apply it to.

    def setup(self) -> Step:
        enums = max(2, self.shape.tables // 15)
        up = [
            "CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND\n$$;"
        ]
        down: list[str] = []
        for n in range(1, enums + 1):
            name = f"status_{n}"
            self.state.enums[name] = ["draft", "active", "closed"]
            up.append(f"CREATE TYPE {name} AS ENUM ('draft', 'active', 'closed');")
            down.insert(0, f"DROP TYPE {name};")
        down.append("DROP FUNCTION set_updated_at();")
        return Step("create_base_types", up, down)

    def create_table(self) -> Step:
        s = self.state
        name = f"{self.rng.choice(NOUNS)}_{len(s.tables) + 1}"
        columns = [Column("id", "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "id")]
        parent = self.rng.choice(list(s.tables)) if s.tables and self.rng.random() < 0.6 else None
        if parent:
            columns.append(
                Column("parent_id", f"bigint REFERENCES {parent} (id) ON DELETE CASCADE", "fk")
            )
        if self.rng.random() < 0.5:
            enum = self.rng.choice(list(s.enums))
            columns.append(Column("status", enum, "enum", True, "'draft'"))
        table = Table(name, columns, parent)
        for _ in range(self.rng.randint(2, 5)):
            columns.append(self._new_plain(table))
        columns.append(Column("created_at", "timestamptz", "stamp", True, "now()"))
        columns.append(Column("updated_at", "timestamptz", "stamp", True, "now()"))
        body = ",\n".join(f"    {c.ddl()}" for c in columns)
        up = [f"CREATE TABLE {name} (\n{body}\n);"]
        if parent:
            index = Index(f"{name}_parent_id_idx", name, ["parent_id"])
            s.indexes[index.name] = index
            up.append(index.create())
        up.append(
            f"CREATE TRIGGER {name}_updated_at BEFORE UPDATE ON {name}\n"
            "    FOR EACH ROW EXECUTE FUNCTION set_updated_at();"
        )
        down = []
        if self.rng.random() < 0.3:
            table.audit = 1
            up.append(self._audit_function(table))
            up.append(
                f"CREATE TRIGGER {name}_audit AFTER INSERT OR UPDATE ON {name}\n"
                f"    FOR EACH ROW EXECUTE FUNCTION audit_{name}();"
            )
            down.append(f"DROP FUNCTION audit_{name}();")
        # The column types in a table's DDL are written whole; kept short in the model.
        columns[0].type = "bigint"
        if parent:
            columns[1].type = "bigint"
        s.tables[name] = table
        down.insert(0, f"DROP TABLE {name};")
        return Step(f"create_{name}", up, down)

    def _audit_function(self, table: Table) -> str:
        return (
            f"CREATE OR REPLACE FUNCTION audit_{table.name}() RETURNS trigger\n"
            "    LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    -- audit rules, revision {table.audit}\n"
            f"    IF NEW.id < {table.audit} THEN\n"
            "        RAISE NOTICE 'old row %', NEW.id;\n    END IF;\n    RETURN NEW;\nEND\n$$;"
        )

    def _new_plain(self, table: Table, type_: str | None = None) -> Column:
        table.serial += 1
        name = f"{self.rng.choice(WORDS)}_{table.serial}"
        type_ = type_ or self.rng.choice(PLAIN_TYPES)
        if type_ == "boolean" and self.rng.random() < 0.7:
            return Column(name, type_, "plain", True, "false")
        return Column(name, type_, "plain")

    def _table(self, want: str = "") -> Table | None:
        tables = list(self.state.tables.values())
        if want == "plain":
            tables = [t for t in tables if t.plain()]
        elif want == "audit":
            tables = [t for t in tables if t.audit]
        elif want == "enum":
            tables = [t for t in tables if any(c.kind == "enum" for c in t.columns)]
        return self.rng.choice(tables) if tables else None

    def add_column(self) -> Step | None:
        table = self._table()
        if table is None:
            return None
        column = self._new_plain(table)
        up = [f"ALTER TABLE {table.name} ADD COLUMN {column.ddl()};"]
        down = [f"ALTER TABLE {table.name} DROP COLUMN {column.name};"]
        rebuilt = self._views_of(table)
        if rebuilt and self.rng.random() < 0.5:
            # The views that show the table gain the column: dropped and made again.
            view = self.rng.choice(rebuilt)
            old = _copy(view)
            table.columns.append(column)
            view.columns.append((column.name, column.name))
            up = [old.drop(), *up, view.create()]
            down = [view.drop(), *down, old.create()]
            return Step(f"add_{column.name}_to_{table.name}_and_{view.name}", up, down)
        table.columns.append(column)
        return Step(f"add_{column.name}_to_{table.name}", up, down)

    def _views_of(self, table: Table) -> list[View]:
        return [v for v in self.state.views.values() if v.table == table.name]

    @staticmethod
    def _around_views(
        before: list[View], after: list[View], change: list[str], undo: list[str]
    ) -> tuple[list[str], list[str]]:
        """``change`` wrapped in dropping the views that read a column (``before``) and making
        them again as they read after it (``after``); the down the other way round."""
        up = [v.drop() for v in before] + change + [v.create() for v in after]
        down = [v.drop() for v in after] + undo + [v.create() for v in before]
        return up, down

    def rename_column(self) -> Step | None:
        table = self._table("plain")
        if table is None:
            return None
        column = self.rng.choice(table.plain())
        table.serial += 1
        new = f"{column.name.rsplit('_', 1)[0]}_r{table.serial}"
        up = [f"ALTER TABLE {table.name} RENAME COLUMN {column.name} TO {new};"]
        down = [f"ALTER TABLE {table.name} RENAME COLUMN {new} TO {column.name};"]
        # Views, indexes and checks follow a renamed column by themselves.
        for view in self.state.views.values():
            view.columns = self._renamed(view.columns, view.table, table.name, column.name, new)
            view.parent_columns = self._renamed(
                view.parent_columns, view.parent, table.name, column.name, new
            )
        for index in self.state.indexes.values():
            if index.table == table.name:
                index.columns = [new if c == column.name else c for c in index.columns]
                index.partial = new if index.partial == column.name else index.partial
        for check in self.state.checks.values():
            if check.table == table.name and check.column == column.name:
                check.column = new
        name = f"rename_{table.name}_{column.name}"
        column.name = new
        return Step(name, up, down)

    @staticmethod
    def _renamed(
        items: list[tuple[str, str]], owner: str | None, table: str, old: str, new: str
    ) -> list[tuple[str, str]]:
        if owner != table:
            return items
        return [(new if src == old else src, alias) for src, alias in items]

    def retype_column(self) -> Step | None:
        tables = [t for t in self.state.tables.values() if self._retypable(t)]
        if not tables:
            return None
        table = self.rng.choice(tables)
        column = self.rng.choice(self._retypable(table))
        old, new = column.type, RETYPE[column.type]
        change = [f"ALTER TABLE {table.name} ALTER COLUMN {column.name} TYPE {new};"]
        undo = [f"ALTER TABLE {table.name} ALTER COLUMN {column.name} TYPE {old};"]
        views = [_copy(v) for v in self.state.views_using(table.name, column.name)]
        up, down = self._around_views(views, views, change, undo)
        column.type = new
        return Step(f"retype_{table.name}_{column.name}", up, down)

    @staticmethod
    def _retypable(table: Table) -> list[Column]:
        # A default would be converted along (''::varchar::text), which no down undoes.
        return [c for c in table.plain() if c.type in RETYPE and c.default is None]

    def drop_column(self) -> Step | None:
        s = self.state
        candidates = [
            (t, c)
            for t in s.tables.values()
            for c in t.plain()
            if not s.pinned(t.name, c.name) and c.comment is None
        ]
        if not candidates:
            return None
        table, column = self.rng.choice(candidates)
        before = [_copy(v) for v in s.views_using(table.name, column.name)]
        for view in s.views_using(table.name, column.name):
            if view.table == table.name:
                view.columns = [(c, a) for c, a in view.columns if c != column.name]
            if view.parent == table.name:
                view.parent_columns = [(c, a) for c, a in view.parent_columns if c != column.name]
        after = [s.views[v.name] for v in before]
        up, down = self._around_views(
            before,
            after,
            [f"ALTER TABLE {table.name} DROP COLUMN {column.name};"],
            [f"ALTER TABLE {table.name} ADD COLUMN {column.ddl()};"],
        )
        table.columns.remove(column)
        return Step(f"drop_{table.name}_{column.name}", up, down)

    def random_step(self) -> Step | None:
        """One change of a kind drawn by WEIGHTS that the schema allows (None: none found)."""
        kinds = list(WEIGHTS)
        views_wanted = round(self.shape.tables * self.shape.views_per_table)
        for _ in range(20):
            kind = self.rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
            if kind == "create_view" and len(self.state.views) >= views_wanted:
                continue
            step: Step | None = getattr(self, kind)()
            if step is not None:
                return step
        return None

    def create_view(self) -> Step | None:
        table = self._table("plain")
        if table is None:
            return None
        materialized = self.rng.random() < self.shape.materialized_share
        kind = "mv" if materialized else "v"
        name = self.state.fresh(f"{kind}_{table.name}")
        picks = self.rng.sample(table.plain(), k=min(len(table.plain()), self.rng.randint(1, 3)))
        view = View(name, table.name, [(c.name, c.name) for c in picks], materialized)
        parent = self.state.tables.get(table.parent or "")
        if parent and parent.plain() and self.rng.random() < 0.6:
            pick = self.rng.choice(parent.plain())
            view.parent = parent.name
            view.parent_columns = [(pick.name, f"parent_{pick.name}")]
        view.unique_index = materialized and self.rng.random() < 0.7
        self.state.views[name] = view
        return Step(f"create_{name}", [view.create()], [view.drop()])

    def extend_view(self) -> Step | None:
        views = [
            v
            for v in self.state.views.values()
            if len(self.state.tables[v.table].plain()) > len(v.columns)
        ]
        if not views:
            return None
        view = self.rng.choice(views)
        shown = {src for src, _ in view.columns}
        unused = [c for c in self.state.tables[view.table].plain() if c.name not in shown]
        pick = self.rng.choice(unused)
        old = _copy(view)
        view.columns.append((pick.name, pick.name))
        if view.materialized or view.parent_columns:
            up = [old.drop(), view.create()]
        else:
            # A view may gain columns at its end in place (its parent's columns come after its
            # own); taking one away needs a new view.
            up = [view.create().replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)]
        down = [view.drop(), old.create()]
        return Step(f"show_{pick.name}_in_{view.name}", up, down)

    def replace_function(self) -> Step | None:
        table = self._table("audit")
        if table is None:
            return None
        old = self._audit_function(table)
        table.audit += 1
        return Step(f"revise_audit_{table.name}", [self._audit_function(table)], [old])

    def add_enum_value(self) -> Step | None:
        s = self.state
        enum = self.rng.choice(list(s.enums))
        labels = s.enums[enum]
        label = f"state_{len(labels) + 1}"
        users = [(t.name, c) for t in s.tables.values() for c in t.columns if c.type == enum]
        no_transaction = self.rng.random() < 0.5
        up = [f"ALTER TYPE {enum} ADD VALUE '{label}';"]
        # No DROP VALUE: the down builds the type again and moves every column over to it.
        quoted = ", ".join(f"'{x}'" for x in labels)
        down = [
            f"ALTER TYPE {enum} RENAME TO {enum}_old;",
            f"CREATE TYPE {enum} AS ENUM ({quoted});",
        ]
        for table, column in users:
            down += [
                f"ALTER TABLE {table} ALTER COLUMN {column.name} DROP DEFAULT;",
                f"ALTER TABLE {table} ALTER COLUMN {column.name} TYPE {enum} "
                f"USING {column.name}::text::{enum};",
                f"ALTER TABLE {table} ALTER COLUMN {column.name} SET DEFAULT {column.default};",
            ]
        down.append(f"DROP TYPE {enum}_old;")
        s.enums[enum] = [*labels, label]
        return Step(f"add_{label}_to_{enum}", up, down, no_transaction)

    def add_index(self) -> Step | None:
        s = self.state
        table = self._table("plain")
        if table is None:
            return None
        columns = [c for c in table.plain() if c.type in INDEXABLE]
        if not columns:
            return None
        column = self.rng.choice(columns)
        index = Index(s.fresh(f"{table.name}_{column.name}_idx"), table.name, [column.name])
        s.indexes[index.name] = index
        if self.rng.random() < 0.4:
            index.concurrently = True
            return Step(f"index_{index.name}", [index.create(True)], [index.drop(True)], True)
        return Step(f"index_{index.name}", [index.create()], [index.drop()])

    def drop_index(self) -> Step | None:
        candidates = [i for i in self.state.indexes.values() if i.columns != ["parent_id"]]
        if not candidates:
            return None
        index = self.rng.choice(candidates)
        del self.state.indexes[index.name]
        return Step(f"drop_{index.name}", [index.drop()], [index.create()])

    def rebuild_index(self) -> Step | None:
        candidates = [i for i in self.state.indexes.values() if i.columns != ["parent_id"]]
        if not candidates:
            return None
        index = self.rng.choice(candidates)
        old = replace(index, columns=list(index.columns))
        table = self.state.tables[index.table]
        others = [
            c.name for c in table.plain() if c.type in INDEXABLE and c.name not in index.columns
        ]
        if others and self.rng.random() < 0.5:
            index.columns.append(self.rng.choice(others))
        else:
            index.partial = None if index.partial else index.columns[0]
        up = [old.drop(), index.create()]
        down = [index.drop(), old.create()]
        return Step(f"rebuild_{index.name}", up, down)

    def add_check(self) -> Step | None:
        s = self.state
        candidates = [
            (t, c)
            for t in s.tables.values()
            for c in t.plain()
            if c.type in NUMERIC
            and not any(k.table == t.name and k.column == c.name for k in s.checks.values())
        ]
        if not candidates:
            return None
        table, column = self.rng.choice(candidates)
        check = Check(s.fresh(f"{table.name}_{column.name}_positive"), table.name, column.name)
        s.checks[check.name] = check
        up = [f"ALTER TABLE {table.name} ADD CONSTRAINT {check.name} CHECK ({column.name} >= 0);"]
        down = [f"ALTER TABLE {table.name} DROP CONSTRAINT {check.name};"]
        return Step(f"check_{check.name}", up, down)

    def comment(self) -> Step | None:
        table = self._table("plain")
        if table is None:
            return None
        column = self.rng.choice(table.plain())
        old = column.comment
        column.comment = f"{self.rng.choice(WORDS)} of the {table.name.split('_')[0]}"
        target = f"COLUMN {table.name}.{column.name}"
        up = [f"COMMENT ON {target} IS '{column.comment}';"]
        down = [f"COMMENT ON {target} IS {f'{old!r}' if old else 'NULL'};"]
        return Step(f"describe_{table.name}_{column.name}", up, down)

    def backfill(self) -> Step | None:
        table = self._table("plain")
        if table is None:
            return None
        column = self.rng.choice(table.plain())
        up = [f"UPDATE {table.name} SET updated_at = now() WHERE {column.name} IS NULL;"]
        return Step(f"backfill_{table.name}", up, ["-- the backfill's rows stay as they are"])


# How often each kind of change comes, once the tables it needs exist.
WEIGHTS = {
    "add_column": 16,
    "rename_column": 6,
    "retype_column": 8,
    "drop_column": 5,
    "create_view": 12,
    "extend_view": 6,
    "replace_function": 5,
    "add_enum_value": 4,
    "add_index": 8,
    "drop_index": 3,
    "rebuild_index": 4,
    "add_check": 4,
    "comment": 4,
    "backfill": 3,
}


def history(shape: Shape) -> list[generate.Migration]:
    """The migrations of ``shape``, in order; every down restores the schema before its up.

    Tables are created on a schedule that reaches ``shape.tables`` at 70% of the history;
    the other migrations make one to three changes of the kinds in WEIGHTS. A no-transaction
    change always has a file of its own.
    """
    h = History(shape)
    migrations = [h.setup()]
    created = 0
    pending: Step | None = None
    for n in range(1, shape.migrations):
        due = min(shape.tables, -(-shape.tables * (n + 1) * 10 // (shape.migrations * 7)))
        steps: list[Step] = []
        while created < due:
            steps.append(h.create_table())
            created += 1
        if not steps and pending is not None:
            steps, pending = [pending], None
        while not steps or (
            len(steps) < h.rng.choice((1, 1, 1, 2, 3)) and not steps[0].no_transaction
        ):
            step = h.random_step()
            if step is None:
                break
            if step.no_transaction and steps:
                pending = step
                break
            steps.append(step)
        migrations.append(_merge(steps) if steps else h.create_table())
    return [_migration(n, step) for n, step in enumerate(migrations, start=1)]


def _merge(steps: list[Step]) -> Step:
    name = steps[0].name if len(steps) == 1 else f"{steps[0].name}_and_{len(steps) - 1}_more"
    up = [stmt for s in steps for stmt in s.up]
    down = [stmt for s in reversed(steps) for stmt in s.down]
    return Step(name, up, down, any(s.no_transaction for s in steps))


def _copy(view: View) -> View:
    return replace(view, columns=list(view.columns), parent_columns=list(view.parent_columns))


def _migration(version: int, step: Step) -> generate.Migration:
    header = f"{NO_TRANSACTION}\n\n" if step.no_transaction else ""
    up = header + "\n\n".join(step.up) + "\n"
    down = header + "\n\n".join(step.down) + "\n"
    name = step.name[:60].rstrip("_")
    return generate.Migration(version, name, up, down, not step.no_transaction)


def realistic_corpus(shape: Shape) -> Path:
    """bench/out/<shape.name>, written unless it is already complete."""
    out = generate.OUT / shape.name
    if (out / "all.down.sql").exists():
        return out
    return generate.write_corpus(history(shape), out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--tables", type=int, help="tables built (default: 0.4 a migration)")
    parser.add_argument("--views-per-table", type=float, default=0.6)
    parser.add_argument("--materialized-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="output directory (default: under bench/out)")
    args = parser.parse_args()
    shape = replace(
        default_shape(args.migrations),
        views_per_table=args.views_per_table,
        materialized_share=args.materialized_share,
        seed=args.seed,
    )
    if args.tables is not None:
        shape = replace(shape, tables=args.tables)
    migrations = history(shape)
    out = args.out or generate.OUT / shape.name
    generate.write_corpus(migrations, out)
    print(f"{len(migrations)} migrations written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
