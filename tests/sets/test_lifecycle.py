"""What every migration set under sql/ promises, whatever its product.

Against a real database: all ups apply on an empty database, a second ``up`` does nothing,
``down --all`` gives back exactly the catalog of a fresh database, and every migration
round-trips (up, down, up gives the same catalog as the first up). From the files: the layout
(pgcrypto first and only pgcrypto, then the shared ``updated_at`` function, then one table per
migration with its own indexes), comments on everything, and a README.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from schemactl import operations
from schemactl.files.migrations import Migration, load_directory
from tests.sets.conftest import (
    SET_NAMES,
    SQL_ROOT,
    catalog_snapshot,
    settings_for,
    snapshot_differences,
    up_files,
)

MIGRATIONS = [
    (set_name, path) for set_name in SET_NAMES for path in up_files(set_name)
]  # every (set, up file)

CREATE_TABLE = re.compile(r"^create table (?:if not exists )?(?:public\.)?([a-z_][a-z0-9_]*) ")
CREATE_INDEX = re.compile(
    r"^create (?:unique )?index (?:concurrently )?(?:if not exists )?(?:[a-z_][a-z0-9_]* )?"
    r"on (?:only )?(?:public\.)?([a-z_][a-z0-9_]*)"
)
CREATE_TRIGGER = re.compile(
    r"^create (?:or replace )?trigger [a-z_][a-z0-9_]* .*? on (?:public\.)?([a-z_][a-z0-9_]*) "
)
COMMENT_ON = re.compile(r"^comment on (table|column) (?:public\.)?([a-z_][a-z0-9_]*)")


def migrations_of(set_name: str) -> tuple[Migration, ...]:
    return load_directory(SQL_ROOT / set_name).migrations


def flat(text: str) -> str:
    """A statement in lower case on one line, for matching how it starts."""
    return " ".join(text.split()).lower()


def statements(migration: Migration) -> list[str]:
    return [flat(s.text) for s in migration.up.statements]


def down_statements(migration: Migration) -> list[str]:
    assert migration.down is not None, f"{migration.up.path.name} has no down file"
    return [flat(s.text) for s in migration.down.statements]


def user_tables(conn: psycopg.Connection) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            """SELECT relname FROM pg_class
                WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                  AND relname <> 'schemactl_migrations'"""
        ).fetchall()
    }


# -- against the database ------------------------------------------------------------------------


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_all_ups_apply_on_an_empty_database_and_a_second_up_does_nothing(
    conn: psycopg.Connection, set_name: str
) -> None:
    settings = settings_for(conn, set_name)
    assert user_tables(conn) == set()

    first = operations.up(settings)
    expected = [(m.version, m.name) for m in migrations_of(set_name)]
    assert [(r.step.migration.version, r.step.migration.name) for r in first.results] == expected
    ledger = conn.execute("SELECT version FROM schemactl_migrations ORDER BY version").fetchall()
    assert [v for (v,) in ledger] == [v for v, _ in expected]
    applied = catalog_snapshot(conn)

    second = operations.up(settings)
    assert second.plan.steps == ()
    assert second.results == ()
    assert snapshot_differences(applied, catalog_snapshot(conn)) == {}


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_down_all_returns_the_database_to_a_fresh_catalog(
    conn: psycopg.Connection, set_name: str
) -> None:
    settings = settings_for(conn, set_name)
    fresh = catalog_snapshot(conn)

    operations.up(settings)
    applied = catalog_snapshot(conn)
    assert len(applied["objects"]) > len(fresh["objects"])
    result = operations.down(settings, everything=True)

    assert len(result.results) == len(migrations_of(set_name))
    assert conn.execute("SELECT count(*) FROM schemactl_migrations").fetchone() == (0,)
    assert snapshot_differences(fresh, catalog_snapshot(conn)) == {}
    # Spelled out, the kinds of object a careless down leaves behind.
    assert user_tables(conn) == set()
    assert conn.execute("SELECT extname FROM pg_extension").fetchall() == [("plpgsql",)]
    leftovers = conn.execute(
        """SELECT 'function ' || oid::regprocedure::text FROM pg_proc
            WHERE pronamespace = 'public'::regnamespace
           UNION ALL
           SELECT 'type ' || oid::regtype::text FROM pg_type
            WHERE typnamespace = 'public'::regnamespace
              AND typname NOT IN ('schemactl_migrations', '_schemactl_migrations')
           UNION ALL
           SELECT 'sequence ' || relname FROM pg_class
            WHERE relnamespace = 'public'::regnamespace AND relkind = 'S'"""
    ).fetchall()
    assert leftovers == []


@pytest.mark.parametrize(
    ("set_name", "path"),
    MIGRATIONS,
    ids=[f"{set_name}/{path.name.removesuffix('.up.sql')}" for set_name, path in MIGRATIONS],
)
def test_migration_round_trips(conn: psycopg.Connection, set_name: str, path: Path) -> None:
    """Up, down, up: the down takes away exactly what the up made, and the up makes it again."""
    settings = settings_for(conn, set_name)
    version = int(path.name.split("_", 1)[0])
    operations.up(settings, to=version - 1)
    before = catalog_snapshot(conn)

    operations.up(settings, to=version)
    after_up = catalog_snapshot(conn)
    assert snapshot_differences(before, after_up) != {}, "the up file created nothing"

    rolled_back = operations.down(settings)
    assert [r.step.migration.version for r in rolled_back.results] == [version]
    assert snapshot_differences(before, catalog_snapshot(conn)) == {}

    operations.up(settings, to=version)
    assert snapshot_differences(after_up, catalog_snapshot(conn)) == {}


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_every_table_and_column_is_commented(conn: psycopg.Connection, set_name: str) -> None:
    operations.up(settings_for(conn, set_name))
    missing = conn.execute(
        """SELECT c.relname || coalesce('.' || a.attname, '')
             FROM pg_class c
             LEFT JOIN pg_attribute a
               ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
              AND c.relname <> 'schemactl_migrations'
              AND (coalesce(obj_description(c.oid, 'pg_class'), '') = ''
                   OR coalesce(col_description(c.oid, a.attnum), '') = '')"""
    ).fetchall()
    assert missing == []


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_updated_at_is_kept_by_the_sets_one_trigger_function(
    conn: psycopg.Connection, set_name: str
) -> None:
    settings = settings_for(conn, set_name)
    operations.up(settings, to=2)
    function = f"{set_name}_set_updated_at"
    functions = conn.execute(
        """SELECT proname FROM pg_proc p
            WHERE pronamespace = 'public'::regnamespace AND prorettype = 'trigger'::regtype"""
    ).fetchall()
    assert functions == [(function,)], "0002 creates the shared function, and only it"

    operations.up(settings)
    with_column = {
        table
        for (table,) in conn.execute(
            """SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                  AND a.attname = 'updated_at' AND NOT a.attisdropped"""
        ).fetchall()
    }
    # tgtype bits: 1 = FOR EACH ROW, 2 = BEFORE, 16 = UPDATE.
    with_trigger = {
        table
        for (table,) in conn.execute(
            """SELECT t.tgrelid::regclass::text FROM pg_trigger t
                WHERE NOT t.tgisinternal AND t.tgfoid = %s::regproc
                  AND t.tgtype & (1 | 2 | 16) = (1 | 2 | 16) AND t.tgenabled = 'O'""",
            (function,),
        ).fetchall()
    }
    assert with_column
    assert with_trigger == with_column
    assert conn.execute(
        "SELECT count(*) FROM pg_proc WHERE prorettype = 'trigger'::regtype"
        " AND pronamespace = 'public'::regnamespace"
    ).fetchone() == (1,)


# -- from the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_first_migration_enables_pgcrypto_and_does_nothing_else(set_name: str) -> None:
    first = migrations_of(set_name)[0]
    assert first.version == 1
    assert statements(first) == ["create extension if not exists pgcrypto"]
    assert down_statements(first) == ["drop extension if exists pgcrypto"]


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_second_migration_creates_the_shared_updated_at_function_only(set_name: str) -> None:
    second = migrations_of(set_name)[1]
    assert second.version == 2
    created = [s for s in statements(second) if not s.startswith("comment on ")]
    assert len(created) == 1
    signature = (
        rf"create or replace function {set_name}_set_updated_at\s*\(\s*\)\s+returns trigger\b"
    )
    assert re.match(signature, created[0]), created[0]


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_each_later_migration_creates_one_table_with_its_own_indexes(set_name: str) -> None:
    for migration in migrations_of(set_name)[2:]:
        texts = statements(migration)
        tables = [m.group(1) for s in texts if (m := CREATE_TABLE.match(s))]
        assert len(tables) == 1, migration.up.path.name
        assert migration.name == f"create_{tables[0]}"
        for text in texts:
            pattern = next(
                (p for p in (CREATE_INDEX, CREATE_TRIGGER, COMMENT_ON) if p.match(text)), None
            )
            if text.startswith("create table"):
                continue
            assert pattern is not None, f"{migration.up.path.name}: unexpected {text[:60]}"
            match = pattern.match(text)
            assert match is not None
            target = match.group(match.lastindex or 1)
            assert target == tables[0], f"{migration.up.path.name}: {text[:80]}"
        assert down_statements(migration) == [f"drop table if exists {tables[0]}"]


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_extensions_are_created_only_if_not_there(set_name: str) -> None:
    for migration in migrations_of(set_name):
        for text in statements(migration):
            if text.startswith("create extension"):
                assert text.startswith("create extension if not exists "), text


@pytest.mark.parametrize("set_name", SET_NAMES)
def test_readme_describes_the_set(set_name: str) -> None:
    readme = (SQL_ROOT / set_name / "README.md").read_text(encoding="utf-8")
    tables = [
        m.group(1)
        for g in migrations_of(set_name)
        for s in statements(g)
        if (m := CREATE_TABLE.match(s))
    ]
    assert tables
    for table in tables:
        assert f"`{table}`" in readme, table
    assert "```mermaid" in readme
    assert "## Deviations from the design" in readme
    assert f"schemactl up --dir sql/{set_name}" in readme
    assert f"schemactl down --all --yes --dir sql/{set_name}" in readme
