"""The same schema on every PostgreSQL version tested: equal models, dumps and digest answers.

The session's server (whichever SCHEMACTL_TEST_PG chose) is compared with a throwaway cluster
of each other version installed here (tests/matrix/clusters.py: 15 from the distribution, 16
and 18 from the test extra's wheels), so one run of this file covers them all.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemactl.catalog.digest import SchemaDigests, fingerprint
from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.errors import UsageError
from schemactl.schema.ddl import render_schema_sql
from schemactl.schema.diff import diff_models
from tests.db.conftest import RICH_SCHEMA, execute_script
from tests.matrix import clusters

VERSIONS = ("pg15", "pg16", "pg18")

# The wheels ship no pgcrypto; gen_random_uuid(), which the schema uses, is core since 13.
SCHEMA = RICH_SCHEMA.replace("CREATE EXTENSION IF NOT EXISTS pgcrypto;\n", "") + (
    """
    -- 18 keeps NOT NULL constraints in pg_constraint, with names; earlier versions drop them.
    CREATE TABLE app.notes (id int CONSTRAINT notes_id_required NOT NULL, body text NOT NULL);
    CREATE TABLE app.notes_2 () INHERITS (app.notes);
    -- Bodies and joins that every version deparses alike.
    CREATE FUNCTION app.order_count() RETURNS bigint LANGUAGE sql STABLE
        BEGIN ATOMIC SELECT count(*) FROM app.orders WHERE total > 0; END;
    CREATE VIEW app.user_totals AS
        SELECT u.name, o.total FROM app.users AS u JOIN app.orders AS o ON o.user_id = u.id;
    """
)

Connect = Callable[[], psycopg.Connection]


@pytest.fixture(scope="module")
def other_clusters(postgresql_server: Any) -> Iterator[list[clusters.Cluster]]:
    """A cluster of each other version installed here than the session server's."""
    server = psycopg.connect(
        host=postgresql_server.host,
        port=postgresql_server.port,
        user=postgresql_server.user,
        password=postgresql_server.password,
        dbname="postgres",
    )
    with server:
        session_major = server.info.server_version // 10000
    started: list[clusters.Cluster] = []
    try:
        for version in clusters.available(VERSIONS):
            if version != f"pg{session_major}":
                started.append(clusters.start(version))
        yield started
    finally:
        for cluster in started:
            clusters.stop(cluster)


@pytest.fixture
def databases(
    conn: psycopg.Connection, other_clusters: list[clusters.Cluster]
) -> Iterator[dict[int, Connect]]:
    """Per major version, a factory of fresh empty databases (autocommit) on that version."""
    made: list[tuple[psycopg.Connection, psycopg.Connection, str]] = []

    def on(admin_url: str) -> Connect:
        def make() -> psycopg.Connection:
            admin = psycopg.connect(admin_url, autocommit=True)
            name = f"schemactl_versions_{secrets.token_hex(4)}"
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            made.append((admin, psycopg.connect(admin_url, dbname=name, autocommit=True), name))
            return made[-1][1]

        return make

    session_major = conn.info.server_version // 10000
    factories: dict[int, Connect] = {session_major: lambda: conn}
    for cluster in other_clusters:
        factories.setdefault(cluster.major, on(cluster.url()))
    if len(factories) < 2:
        pytest.fail(
            "only one PostgreSQL version is installed here: install the test extra"
            " (pip install -e '.[test]'), whose wheels bring 16 and 18"
        )
    yield factories
    for admin, database, name in made:
        database.close()
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def built(connect: Connect) -> psycopg.Connection:
    database = connect()
    execute_script(database, SCHEMA)
    return database


def comparable(model: SchemaModel, majors: set[int]) -> SchemaModel:
    """``model`` with what a version legitimately renders its own way made alike.

    Only one thing so far: 16 no longer qualifies the column names of a view that reads one
    relation (15 wrote ``SELECT orders.id ... FROM app.orders``, 16 writes ``SELECT id``), as
    the server's own deparser decides. Where the versions compared straddle 16, qualifiers
    are dropped from every view's text on all sides.
    """
    if min(majors) >= 16 or max(majors) < 16:
        return model
    views = {
        key: replace(view, definition=_QUALIFIER.sub("", view.definition))
        for key, view in model.views.items()
    }
    return replace(model, views=views)


_QUALIFIER = re.compile(r'(?<![\w."])(?:\w+|"[^"]+")\.(?=[\w"])')


def test_the_same_schema_loads_equal_and_dumps_the_same_on_every_version(databases):
    majors = set(databases)
    models = {
        major: comparable(load_schema(built(connect)), majors)
        for major, connect in databases.items()
    }

    first, *others = sorted(models)
    for major in others:
        assert diff_models(models[first], models[major]) == [], f"{first} against {major}"
        assert models[major] == models[first], f"{first} against {major}"
        assert render_schema_sql(models[major]) == render_schema_sql(models[first])


def test_a_dump_made_on_one_version_applies_on_every_other_and_reads_back_equal(conn, databases):
    session_major = conn.info.server_version // 10000
    text = render_schema_sql(load_schema(built(databases[session_major])))

    for major, connect in databases.items():
        if major == session_major:
            continue
        copy = connect()
        execute_script(copy, text)
        own = load_schema(built(connect))
        assert diff_models(own, load_schema(copy)) == [], f"{session_major}'s dump on {major}"


# Each step after the first undoes the one before it, or is undone by the next.
STEPS = (
    SCHEMA,
    "ALTER TABLE app.orders ADD COLUMN note text",
    "ALTER TABLE app.orders DROP COLUMN note",
    "ALTER TABLE app.notes ALTER COLUMN body DROP NOT NULL",
    "ALTER TABLE app.notes ALTER COLUMN body SET NOT NULL",
    "ALTER VIEW app.big_orders RENAME TO large_orders",
    "ALTER VIEW app.large_orders RENAME TO big_orders",
)


def test_digests_tell_the_same_changes_apart_on_every_version(databases):
    answers = {}
    for major, connect in databases.items():
        database = connect()
        digests = SchemaDigests(database)
        taken = [digests.take()]
        for step in STEPS:
            execute_script(database, step)
            taken.append(digests.take())
        assert str(taken[-1]) == fingerprint(database), f"incremental and full differ on {major}"
        answers[major] = [[a == b for b in taken] for a in taken]

    first, *others = sorted(answers)
    for major in others:
        assert answers[major] == answers[first], f"{first} against {major}"
    # The steps that undo the one before come back to the same digest.
    assert answers[first][1][3] and answers[first][3][5] and answers[first][5][7]


@pytest.fixture
def on_18(databases) -> psycopg.Connection:
    if 18 not in databases:
        pytest.fail("no PostgreSQL 18 here: install the test extra (pip install -e '.[test]')")
    return databases[18]()


def test_a_not_null_constraint_a_column_cannot_express_is_a_constraint_on_18(on_18):
    execute_script(
        on_18,
        """
        CREATE TABLE t (a int, b int, c int NOT NULL NO INHERIT);
        ALTER TABLE t ADD CONSTRAINT b_present NOT NULL b NOT VALID;
        """,
    )
    model = load_schema(on_18)

    columns = model.tables["public.t"].columns
    assert [c.not_null for c in columns.values()] == [False, False, False]
    assert {k: (c.kind, c.definition, c.validated) for k, c in model.constraints.items()} == {
        "public.t.b_present": ("not null", "NOT NULL b NOT VALID", False),
        "public.t.t_c_not_null": ("not null", "NOT NULL c NO INHERIT", True),
    }
    on_18.execute("DROP TABLE t")
    execute_script(on_18, render_schema_sql(model))
    assert load_schema(on_18) == model


def test_a_virtual_generated_column_is_refused_with_its_name_on_18(on_18):
    on_18.execute("CREATE TABLE t (a int, twice int GENERATED ALWAYS AS (a * 2) VIRTUAL)")

    with pytest.raises(UsageError, match=r"public\.t\.twice is a virtual generated column"):
        load_schema(on_18)
