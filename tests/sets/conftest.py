"""Fixtures for the migration sets under sql/, and a catalog snapshot to compare databases by."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemactl import config, operations
from tests.conftest import url_for

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"
SET_NAMES = sorted(p.name for p in SQL_ROOT.iterdir() if p.is_dir()) if SQL_ROOT.is_dir() else []

# The ledger schemactl creates on first use; it stays after ``down --all`` and is not part of
# any set, so snapshots leave it (and everything named after it) out.
LEDGER = "schemactl_migrations"


def up_files(set_name: str) -> list[Path]:
    """The set's up files in numeric order."""
    files = (SQL_ROOT / set_name).glob("*.up.sql")
    return sorted(files, key=lambda p: int(p.name.split("_", 1)[0]))


def settings_for(conn: psycopg.Connection, set_name: str) -> config.Settings:
    """Settings that point schemactl at ``set_name`` and the test database."""
    flags = {"database_url": url_for(conn), "dir": SQL_ROOT / set_name}
    return config.resolve(flags, env={}, cwd=SQL_ROOT)


@pytest.fixture
def apply_set(conn: psycopg.Connection) -> Callable[[str], psycopg.Connection]:
    """Apply a whole set with schemactl to the test database; returns an autocommit connection."""

    def apply(set_name: str) -> psycopg.Connection:
        operations.up(settings_for(conn, set_name))
        return conn

    return apply


# -- catalog snapshots --------------------------------------------------------------------------
#
# Two views of the database, both free of OIDs so that a dropped and re-created object compares
# equal:
#
# - "objects": every object created after initdb (OID >= 16384, FirstNormalObjectId) in every
#   per-database catalog, described by pg_describe_object. Whatever kind of object a migration
#   leaves behind (table, type, function, sequence, extension, cast, operator, schema, ...), it
#   shows up here. TOAST tables are named after their table's OID and are left out (they come
#   and go with their table), as are the internal triggers of foreign keys.
# - the definitions of what can be defined: columns, constraints, indexes, triggers, functions,
#   sequences, types, views, extensions and every comment.

_CATALOGS = """
    SELECT c.oid::regclass::text
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'oid'
     WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r'
       AND NOT c.relisshared AND has_table_privilege(c.oid, 'SELECT')
     ORDER BY 1"""

_PUBLIC_RELATION = "relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)"  # noqa: E501

DEFINITION_QUERIES = {
    "relations": f"""
        SELECT c.oid::regclass::text, c.relkind, c.relpersistence, c.reloptions, c.relacl
          FROM pg_class c
         WHERE {_PUBLIC_RELATION} AND c.relkind <> 't'""",
    "columns": f"""
        SELECT c.oid::regclass::text, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
               a.attcollation::regcollation::text
          FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE {_PUBLIC_RELATION} AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, contypid::regtype::text, conname,
               pg_get_constraintdef(oid), condeferrable, condeferred, convalidated
          FROM pg_constraint
         WHERE oid >= 16384""",
    "indexes": """
        SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled
          FROM pg_trigger WHERE NOT tgisinternal""",
    "functions": """
        SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
          FROM pg_proc p
         WHERE p.oid >= 16384 AND p.prokind IN ('f', 'p', 'w')""",
    "sequences": """
        SELECT schemaname, sequencename, data_type::text, start_value, min_value, max_value,
               increment_by, cycle, cache_size
          FROM pg_sequences
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "types": """
        SELECT t.oid::regtype::text, t.typtype, t.typbasetype::regtype::text, t.typnotnull,
               t.typdefault,
               (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid)
          FROM pg_type t
         WHERE t.oid >= 16384 AND t.typnamespace <> 'pg_toast'::regnamespace""",
    "views": """
        SELECT schemaname, viewname, definition FROM pg_views
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "extensions": """
        SELECT e.extname, e.extversion, e.extnamespace::regnamespace::text
          FROM pg_extension e""",
    "comments": """
        SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
          FROM pg_description d
         WHERE d.objoid >= 16384""",
}


def _kept(value: Any) -> bool:
    text = repr(value)
    # Foreign keys' internal triggers are named after OIDs too; the constraints stand for them.
    return not any(name in text for name in (LEDGER, "pg_toast", "RI_ConstraintTrigger_"))


def catalog_snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the database holds beyond initdb's catalog, except schemactl's ledger."""
    catalogs = [name for (name,) in conn.execute(_CATALOGS).fetchall()]
    union = " UNION ALL ".join(
        f"SELECT pg_describe_object('{name}'::regclass, oid, 0) FROM {name} WHERE oid >= 16384"
        for name in catalogs
    )
    snapshot = {"objects": sorted(r for r in conn.execute(union).fetchall() if _kept(r))}
    for name, query in DEFINITION_QUERIES.items():
        rows = [tuple(r) for r in conn.execute(query).fetchall() if _kept(r)]
        snapshot[name] = sorted(rows, key=repr)
    return snapshot


def snapshot_differences(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Per part of the snapshot, the rows only in ``before`` ("gone") and only in ``after``
    ("new"); empty when the two are the same. Reads better in a failed assert than a diff of
    two whole snapshots."""
    differences = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        gone = [r for r in old if r not in new]
        added = [r for r in new if r not in old]
        if gone or added:
            differences[name] = {"gone": gone, "new": added}
    return differences
