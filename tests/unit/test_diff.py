"""diff_models, suggest_sql and their rendering, on models built by hand (no database)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from rich.console import Console

from schemactl.catalog.model import (
    EMPTY,
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
    Sequence,
    Table,
    Trigger,
    View,
)
from schemactl.render.diff import changes_to_json, render_changes, suggestions_text, value_text
from schemactl.schema.diff import Change, ChangeKind, diff_models, suggest_sql

MISSING, UNEXPECTED, CHANGED = ChangeKind.MISSING, ChangeKind.UNEXPECTED, ChangeKind.CHANGED


def table(name: str, *columns: Column, **props) -> Table:
    return Table(name, {c.name: c for c in columns}, **props)


def fk(table_name: str, name: str, ref: str, on_delete: str = "no action") -> Constraint:
    action = "" if on_delete == "no action" else f" ON DELETE {on_delete.upper()}"
    return Constraint(
        table_name,
        name,
        "foreign key",
        f"FOREIGN KEY (ref) REFERENCES {ref}(id){action}",
        columns=("ref",),
        references=ref,
        referenced_columns=("id",),
        on_update="no action",
        on_delete=on_delete,
        match="simple",
    )


def pk(table_name: str) -> Constraint:
    bare = table_name.split(".")[-1]
    return Constraint(table_name, f"{bare}_pkey", "primary key", "PRIMARY KEY (id)", ("id",))


ID = Column("id", "integer", not_null=True)
USERS = table("public.users", ID, Column("email", "text"))


def test_equal_models_have_no_changes():
    model = SchemaModel.of(USERS, pk("public.users"))

    assert diff_models(model, model) == []
    assert diff_models(EMPTY, EMPTY) == []


def test_missing_and_unexpected_objects_carry_the_object():
    expected = SchemaModel.of(USERS)
    actual = SchemaModel.of(Schema("app"))

    assert diff_models(expected, actual) == [
        Change(UNEXPECTED, "schema", "app", actual=Schema("app")),
        Change(MISSING, "table", "public.users", expected=USERS),
    ]


@pytest.mark.parametrize(
    ("actual_column", "prop", "before", "after"),
    [
        (Column("email", "varchar(100)"), "type", "text", "varchar(100)"),
        (Column("email", "text", not_null=True), "not_null", False, True),
        (Column("email", "text", default="''::text"), "default", None, "''::text"),
        (Column("email", "text", collation='"C"'), "collation", None, '"C"'),
        (Column("email", "text", comment="where"), "comment", None, "where"),
    ],
)
def test_a_changed_column_names_the_property(actual_column, prop, before, after):
    changes = diff_models(
        SchemaModel.of(USERS), SchemaModel.of(table("public.users", ID, actual_column))
    )

    assert changes == [
        Change(CHANGED, "column", "public.users.email", prop, before, after, "public.users")
    ]


def test_column_order_is_not_a_difference():
    reordered = table("public.users", Column("email", "text"), ID)

    assert diff_models(SchemaModel.of(USERS), SchemaModel.of(reordered)) == []
    assert SchemaModel.of(USERS) == SchemaModel.of(reordered)


def test_a_specific_property_is_reported_instead_of_the_whole_definition():
    expected = SchemaModel.of(USERS, fk("public.users", "users_ref_fkey", "public.x", "cascade"))
    actual = SchemaModel.of(USERS, fk("public.users", "users_ref_fkey", "public.x"))

    assert [(c.property, c.expected, c.actual) for c in diff_models(expected, actual)] == [
        ("on_delete", "cascade", "no action")
    ]


def test_index_and_constraint_columns_are_compared_as_properties():
    before = Index("public.i", "public.users", "CREATE INDEX i ... (email)", columns=("email",))
    after = Index("public.i", "public.users", "CREATE INDEX i ... (id)", columns=("id",))

    changes = diff_models(SchemaModel.of(before), SchemaModel.of(after))

    assert [(c.property, c.expected, c.actual) for c in changes] == [
        ("columns", ("email",), ("id",))
    ]


def test_the_definition_is_reported_when_nothing_more_specific_differs():
    check = Constraint("public.users", "positive", "check", "CHECK (id > 0)", ("id",))
    other = Constraint("public.users", "positive", "check", "CHECK (id > 1)", ("id",))

    changes = diff_models(SchemaModel.of(USERS, check), SchemaModel.of(USERS, other))

    assert [(c.property, c.expected, c.actual) for c in changes] == [
        ("definition", "CHECK (id > 0)", "CHECK (id > 1)")
    ]


def test_a_missing_table_stands_for_its_constraints_indexes_triggers_and_policies():
    attached = [
        pk("public.users"),
        Index("public.users_email_idx", "public.users", "CREATE INDEX ..."),
        Trigger("public.users", "touch", "CREATE TRIGGER ..."),
        Policy("public.users", "own"),
    ]

    changes = diff_models(SchemaModel.of(USERS, *attached), EMPTY)

    assert [(c.kind, c.object_type, c.name) for c in changes] == [
        (MISSING, "table", "public.users")
    ]


def test_changes_come_in_dependency_order_then_by_name():
    expected = SchemaModel.of(
        Extension("pgcrypto", "public", "1.3"),
        table("public.b", ID),
        table("public.a", ID),
        Policy("public.zz", "p"),
        View("public.v", " SELECT 1;"),
        Function("public.f()", "public.f", "CREATE ..."),
    )

    names = [(c.object_type, c.name) for c in diff_models(expected, EMPTY)]

    assert names == [
        ("extension", "pgcrypto"),
        ("function", "public.f()"),
        ("table", "public.a"),
        ("table", "public.b"),
        ("view", "public.v"),
        ("policy", "public.zz.p"),
    ]


def test_a_tables_columns_follow_the_table():
    expected = SchemaModel.of(table("public.a", ID, rls_enabled=True), table("public.b", ID))
    actual = SchemaModel.of(table("public.a"), table("public.b"))

    names = [(c.object_type, c.name, c.property) for c in diff_models(expected, actual)]

    assert names == [
        ("table", "public.a", "rls_enabled"),
        ("column", "public.a.id", None),
        ("column", "public.b.id", None),
    ]


def test_the_object_type_names_procedures_and_materialized_views():
    expected = SchemaModel.of(
        Function("public.p()", "public.p", "CREATE ...", kind="procedure"),
        View("public.m", " SELECT 1;", materialized=True),
    )

    assert [c.object_type for c in diff_models(expected, EMPTY)] == [
        "procedure",
        "materialized view",
    ]


# --- suggest_sql ---------------------------------------------------------------------------


def fix(expected: SchemaModel, actual: SchemaModel) -> list[str]:
    return suggest_sql(diff_models(expected, actual), expected, actual)


def test_nothing_to_suggest_for_equal_models():
    assert fix(SchemaModel.of(USERS), SchemaModel.of(USERS)) == []


def test_a_missing_table_comes_with_its_constraints_after_every_table_exists():
    orders = table("public.orders", ID, Column("ref", "integer"))
    expected = SchemaModel.of(
        USERS, orders, pk("public.users"), fk("public.orders", "orders_ref_fkey", "public.users")
    )

    assert fix(expected, EMPTY) == [
        "CREATE TABLE public.orders (\n    id integer NOT NULL,\n    ref integer\n);",
        "CREATE TABLE public.users (\n    id integer NOT NULL,\n    email text\n);",
        "ALTER TABLE public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);",
        "ALTER TABLE public.orders ADD CONSTRAINT orders_ref_fkey "
        "FOREIGN KEY (ref) REFERENCES public.users(id);",
    ]


def test_drops_come_first_and_dependents_before_what_they_depend_on():
    actual = SchemaModel.of(
        USERS,
        pk("public.users"),
        table("public.orders", ID, Column("ref", "integer")),
        fk("public.orders", "orders_ref_fkey", "public.users"),
    )
    expected = SchemaModel.of(USERS)

    assert fix(expected, actual) == [
        "ALTER TABLE public.users DROP CONSTRAINT users_pkey;",
        "DROP TABLE public.orders;",
    ]


def test_column_changes_become_alter_column_statements():
    expected = SchemaModel.of(
        table("public.t", Column("c", "bigint", not_null=True, default="0", identity=None))
    )
    actual = SchemaModel.of(table("public.t", Column("c", "integer")))

    assert fix(expected, actual) == [
        "ALTER TABLE public.t ALTER COLUMN c TYPE bigint;",
        "ALTER TABLE public.t ALTER COLUMN c SET NOT NULL;",
        "ALTER TABLE public.t ALTER COLUMN c SET DEFAULT 0;",
    ]


def test_a_changed_foreign_key_is_dropped_and_added_again():
    expected = SchemaModel.of(USERS, fk("public.users", "f", "public.x", "cascade"))
    actual = SchemaModel.of(USERS, fk("public.users", "f", "public.x"))

    assert fix(expected, actual) == [
        "ALTER TABLE public.users DROP CONSTRAINT f;",
        "ALTER TABLE public.users ADD CONSTRAINT f "
        "FOREIGN KEY (ref) REFERENCES public.x(id) ON DELETE CASCADE;",
    ]


def test_new_enum_labels_are_added_in_place():
    expected = SchemaModel.of(EnumType("public.mood", ("bad", "sad", "ok", "good")))
    actual = SchemaModel.of(EnumType("public.mood", ("sad", "good")))

    assert fix(expected, actual) == [
        "ALTER TYPE public.mood ADD VALUE 'bad' BEFORE 'sad';",
        "ALTER TYPE public.mood ADD VALUE 'ok' AFTER 'sad';",
    ]


def test_what_is_not_mechanical_becomes_a_note_for_a_person():
    expected = SchemaModel.of(EnumType("public.mood", ("ok", "sad")))
    actual = SchemaModel.of(EnumType("public.mood", ("sad", "ok")))

    assert fix(expected, actual) == [
        "-- manual: enum public.mood: labels differs; change it by hand"
    ]


def test_domain_and_sequence_changes_are_alter_statements():
    expected = SchemaModel.of(
        Domain("public.d", "text", not_null=True, checks={"c": "CHECK (VALUE <> '')"}),
        Sequence("public.s", increment=5, cycle=True),
    )
    actual = SchemaModel.of(Domain("public.d", "text"), Sequence("public.s"))

    assert fix(expected, actual) == [
        "ALTER DOMAIN public.d SET NOT NULL;",
        "ALTER DOMAIN public.d ADD CONSTRAINT c CHECK (VALUE <> '');",
        "ALTER SEQUENCE public.s INCREMENT BY 5;",
        "ALTER SEQUENCE public.s CYCLE;",
    ]


def test_comments_are_quoted_and_removed_with_null():
    expected = SchemaModel.of(table("public.t", Column("c", "text", comment="it's")), Schema("s"))
    actual = SchemaModel.of(table("public.t", Column("c", "text")), Schema("s", comment="x"))

    assert fix(expected, actual) == [
        "COMMENT ON SCHEMA s IS NULL;",
        "COMMENT ON COLUMN public.t.c IS 'it''s';",
    ]


def test_suggestions_never_cascade():
    actual = SchemaModel.of(USERS, Schema("app"), View("public.v", " SELECT 1;"))

    assert not [s for s in fix(EMPTY, actual) if "CASCADE" in s]


# --- rendering -------------------------------------------------------------------------------


def rendered(changes: list[Change], **labels: str) -> str:
    out = io.StringIO()
    render_changes(Console(file=out, width=120, color_system=None), changes, **labels)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def test_the_report_groups_missing_unexpected_and_changed():
    expected = SchemaModel.of(USERS, Schema("app"))
    actual = SchemaModel.of(table("public.users", ID, Column("email", "varchar(9)")), Schema("x"))

    text = rendered(diff_models(expected, actual), actual_label="live")

    assert text.splitlines() == [
        "3 differences: 1 missing, 1 unexpected, 1 changed",
        "",
        "missing (in expected, not in live)",
        "  schema app",
        "",
        "unexpected (in live, not in expected)",
        "  schema x",
        "",
        "changed",
        "object                     property  expected  live",
        "column public.users.email  type      text      varchar(9)",
    ]


def test_an_empty_report_says_so():
    assert rendered([]) == "no differences\n"


def test_json_changes_hold_plain_values():
    expected = SchemaModel.of(EnumType("public.mood", ("a", "b")), Schema("s"))
    actual = SchemaModel.of(EnumType("public.mood", ("a",)))

    document = changes_to_json(diff_models(expected, actual))

    assert json.loads(json.dumps(document)) == [
        {
            "kind": "missing",
            "object_type": "schema",
            "name": "s",
            "table": None,
            "property": None,
            "expected": {"name": "s", "comment": None},
            "actual": None,
        },
        {
            "kind": "changed",
            "object_type": "enum",
            "name": "public.mood",
            "table": None,
            "property": "labels",
            "expected": ["a", "b"],
            "actual": ["a"],
        },
    ]


def test_suggestions_are_marked_as_unreviewed():
    text = suggestions_text(["DROP TABLE t;"])

    assert text.startswith("-- Suggested statements")
    assert "never runs these" in text
    assert text.endswith("DROP TABLE t;\n")


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "(none)"), (True, "yes"), (("a", "b"), "a, b"), ((), "(none)"), ({"c": "x"}, "c: x")],
)
def test_values_read_as_words(value, text):
    assert value_text(value) == text


def test_a_hand_built_model_survives_a_snapshot():
    model = SchemaModel.of(
        USERS,
        pk("public.users"),
        Domain("public.d", "text", checks={"c": "CHECK (true)"}),
        EnumType("public.e", ("x",)),
        Trigger("public.users", "t", "CREATE TRIGGER ...", events=("insert",)),
    )

    assert SchemaModel.from_json(model.to_json()) == model


def test_the_pure_modules_import_no_database_driver():
    probe = (
        "import sys\n"
        "import schemactl.schema.diff, schemactl.schema.ddl\n"
        "import schemactl.render.diff, schemactl.catalog.model\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))\n"
    )

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)

    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
