"""Reading the catalogs of a real database into a SchemaModel."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.catalog.load import KINDS, load_schema, query_text
from schemactl.catalog.model import (
    EMPTY,
    Column,
    Constraint,
    Extension,
    Index,
    Policy,
    SchemaModel,
    Trigger,
)
from schemactl.errors import SnapshotError
from schemactl.schema.diff import diff_models
from tests.db.conftest import RICH_SCHEMA, count_queries, execute_script

LEDGER = ("public", "schemactl_migrations")


@pytest.fixture
def rich(conn: psycopg.Connection) -> SchemaModel:
    execute_script(conn, RICH_SCHEMA)
    return load_schema(conn)


def test_an_empty_database_has_only_the_public_schema(conn):
    model = load_schema(conn)

    assert model == SchemaModel(schemas=model.schemas)
    assert list(model.schemas) == ["public"]


def test_every_catalog_query_runs_as_plain_sql(conn):
    # What a DBA would paste into psql: no placeholders, one statement each.
    for kind in KINDS:
        text = query_text(kind)
        assert "%s" not in text and "%(" not in text
        conn.execute("SET search_path = pg_catalog, pg_temp")
        conn.execute(text)


def test_columns_carry_type_nullability_default_identity_generated_and_collation(rich):
    users = rich.tables["app.users"]

    assert list(users.columns) == ["id", "email", "mood", "name", "shout", "token"]
    assert users.columns["id"] == Column("id", "bigint", not_null=True, identity="always")
    assert users.columns["email"] == Column("email", "app.email", comment="where to write")
    assert users.columns["mood"].default == "'ok'::app.mood"
    assert users.columns["name"].collation == '"C"'
    assert users.columns["shout"].generated == "upper(name)"
    assert users.columns["token"].default == "gen_random_uuid()"
    assert rich.tables["app.orders"].columns["total"].type == "numeric(10,2)"


def test_constraints_carry_their_kind_and_foreign_key_actions(rich):
    fk = rich.constraints["app.orders.orders_user_id_fkey"]

    assert (fk.kind, fk.columns, fk.references, fk.referenced_columns) == (
        "foreign key",
        ("user_id",),
        "app.users",
        ("id",),
    )
    assert (fk.on_delete, fk.on_update, fk.match) == ("cascade", "no action", "simple")
    assert (fk.deferrable, fk.initially_deferred) == (True, True)
    assert rich.constraints["app.orders.no_overlap"].kind == "exclusion"
    assert rich.constraints["app.orders.small_total"].validated is False
    assert rich.constraints["app.orders.positive_total"].comment == "no refunds here"
    assert {c.kind for c in rich.constraints.values()} == {
        "primary key",
        "unique",
        "foreign key",
        "check",
        "exclusion",
    }


def test_indexes_carry_method_keys_include_predicate_and_uniqueness(rich):
    partial = rich.indexes["app.orders_user_idx"]

    assert partial == Index(
        name="app.orders_user_idx",
        table="app.orders",
        definition=partial.definition,
        method="btree",
        columns=("user_id DESC NULLS LAST",),
        include=("total",),
        predicate="total > 10::numeric",
    )
    assert rich.indexes["app.users_lower_name_idx"].unique is True
    assert rich.indexes["app.users_lower_name_idx"].columns == ("lower(name)",)
    assert rich.indexes["app.orders_total_hash"].method == "hash"
    assert "app.order_totals_user_idx" in rich.indexes  # on a materialized view


def test_indexes_owned_by_constraints_come_with_the_constraint(rich):
    assert "app.users_pkey" not in rich.indexes
    assert "app.users_email_key" not in rich.indexes
    assert "app.users.users_pkey" in rich.constraints


def test_a_partition_lists_its_bound_but_not_copies_of_its_parents_objects(rich):
    partition = rich.tables["app.events_2024"]

    assert partition.partition_of == "app.events"
    assert partition.partition_bound.startswith("FOR VALUES FROM ('2024-01-01 00:00:00+00')")
    assert rich.tables["app.events"].partition_key == "RANGE (at)"
    assert [i for i in rich.indexes.values() if i.table == "app.events_2024"] == []


def test_types_sequences_views_and_functions(rich):
    assert rich.enums["app.mood"].labels == ("sad", "ok", "happy")
    assert rich.enums["app.mood"].comment == "how it went"
    email = rich.domains["app.email"]
    assert (email.base_type, email.not_null, email.collation) == ("text", True, '"C"')
    assert email.checks == {"email_check": "CHECK (VALUE ~~ '%@%'::text)"}
    numbers = rich.sequences["app.invoice_numbers"]
    assert (numbers.start, numbers.increment, numbers.cache, numbers.cycle) == (1000, 10, 5, True)
    assert rich.sequences["app.orders_id_seq"].owned_by == "app.orders.id"
    assert rich.views["app.order_totals"].materialized is True
    assert rich.views["app.big_order_ids"].options == ("security_barrier=true",)
    add = rich.functions["app.add(integer,integer)"]
    assert (add.arguments, add.returns, add.volatility) == (
        "a integer, b integer DEFAULT 1",
        "integer",
        "immutable",
    )
    assert add.body == "RETURN (a + b)"  # a SQL-standard body lives in the definition
    assert rich.functions["app.touch()"].config == ("search_path=app",)
    assert rich.functions["app.archive(date)"].kind == "procedure"


def test_triggers_and_policies(rich):
    touch = rich.triggers["app.orders.orders_touch"]

    assert (touch.timing, touch.events, touch.level, touch.function) == (
        "before",
        ("insert", "update"),
        "row",
        "app.touch()",
    )
    assert rich.triggers["app.users.users_touch"].enabled == "disabled"
    assert rich.policies["app.orders.own_orders"] == Policy(
        table="app.orders",
        name="own_orders",
        command="select",
        permissive=False,
        roles=("public",),
        using="user_id IS NOT NULL",
    )
    orders = rich.tables["app.orders"]
    assert (orders.rls_enabled, orders.rls_forced) == (True, True)


def test_names_are_quoted_only_where_sql_needs_it(rich):
    odd = rich.tables['public."Odd Schema Table"']

    assert list(odd.columns) == ['"Mixed Case"', '"select"']


def test_extension_members_are_attributed_to_the_extension(rich):
    assert rich.extensions == {"pgcrypto": Extension("pgcrypto", "public", "1.3")}
    assert not [f for f in rich.functions if "digest" in f or "crypt" in f]


def test_foreign_key_triggers_are_not_listed_as_triggers(rich):
    assert all(isinstance(t, Trigger) for t in rich.triggers.values())
    assert sorted(rich.triggers) == ["app.orders.orders_touch", "app.users.users_touch"]


def test_excluded_tables_are_left_out_with_everything_attached(conn):
    execute_script(
        conn,
        """
        CREATE TABLE public.schemactl_migrations (version bigint PRIMARY KEY, name text);
        CREATE INDEX ledger_name_idx ON public.schemactl_migrations (name);
        CREATE TABLE public.kept (id int PRIMARY KEY);
        """,
    )

    model = load_schema(conn, exclude=[LEDGER])

    assert list(model.tables) == ["public.kept"]
    assert list(model.constraints) == ["public.kept.kept_pkey"]
    assert model.indexes == {}


def test_system_schemas_never_appear(conn):
    conn.execute("CREATE TEMPORARY TABLE scratch_temp (id int)")

    model = load_schema(conn)

    assert list(model.schemas) == ["public"]
    assert model.tables == {}


@pytest.mark.parametrize("tables", [2, 60])
def test_the_number_of_queries_does_not_depend_on_the_number_of_tables(conn, tables):
    statements = [
        f"CREATE TABLE t{n} (id int PRIMARY KEY, ref int REFERENCES t{max(n - 1, 0)} (id));"
        f"CREATE INDEX t{n}_ref_idx ON t{n} (ref);"
        for n in range(tables)
    ]
    execute_script(conn, "\n".join(statements))

    load_schema(count_queries(conn))

    assert conn.queries_sent == len(KINDS) + 1


def test_loading_inside_a_transaction_leaves_the_session_settings_alone(postgresql):
    postgresql.execute("SET search_path = public")
    postgresql.execute("SET TimeZone = 'Asia/Tokyo'")
    postgresql.execute("SELECT 1")  # now inside the caller's transaction

    load_schema(postgresql)

    assert postgresql.execute("SHOW search_path").fetchone() == ("public",)
    assert postgresql.execute("SHOW TimeZone").fetchone() == ("Asia/Tokyo",)


def test_the_same_schema_built_in_another_order_loads_equal(conn, second_database):
    execute_script(
        conn,
        """
        CREATE TABLE b (id int PRIMARY KEY);
        CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b, note text);
        CREATE INDEX a_note_idx ON a (note);
        """,
    )
    execute_script(
        second_database,
        """
        CREATE TABLE a (id int PRIMARY KEY, b_id int);
        CREATE TABLE b (id int PRIMARY KEY);
        CREATE INDEX a_note_idx ON a ((1));
        DROP INDEX a_note_idx;
        ALTER TABLE a ADD COLUMN note text;
        CREATE INDEX a_note_idx ON a (note);
        ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;
        """,
    )

    first, second = load_schema(conn), load_schema(second_database)

    assert diff_models(first, second) == []
    assert first == second


def test_a_snapshot_reads_back_equal(rich):
    text = rich.to_json()

    assert SchemaModel.from_json(text) == rich
    assert SchemaModel.from_json(text).to_json() == text


def test_a_snapshot_of_nothing_is_the_empty_model():
    assert SchemaModel.from_json(EMPTY.to_json()) == EMPTY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"tables": []}', "not a schemactl schema snapshot"),
        ('{"format": "schemactl-schema", "version": 99}', "unsupported snapshot version"),
        ('{"format": "schemactl-schema", "version": 1, "tables": [{}]}', "does not describe"),
    ],
)
def test_a_file_that_is_not_a_snapshot_is_refused(text, message):
    with pytest.raises(SnapshotError, match=message):
        SchemaModel.from_json(text)


def test_constraint_model_keys_by_table_and_name():
    constraint = Constraint("public.t", "t_pkey", "primary key", "PRIMARY KEY (id)")

    assert SchemaModel.of(constraint).constraints == {"public.t.t_pkey": constraint}
