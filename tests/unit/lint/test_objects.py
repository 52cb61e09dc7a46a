"""Reading statements: object names (qualified, quoted) and what each statement does to them."""

from __future__ import annotations

import pytest

from schemactl.files.statements import split_statements
from schemactl.lint.objects import effects


def effects_of(sql: str) -> list[tuple[str, str, tuple[str, str], bool]]:
    [statement] = split_statements(sql)
    return [(e.change.value, e.kind.value, e.name.key, e.tolerant) for e in effects(statement)]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ('CREATE TABLE IF NOT EXISTS app."Users" (id int)',
         [("create", "table", ("app", "Users"), True)]),
        ("CREATE TABLE t (id int REFERENCES public.users (id), LIKE tmpl) INHERITS (base)",
         [("create", "table", ("public", "t"), False),
          ("reference", "table", ("public", "users"), False),
          ("reference", "table", ("public", "tmpl"), False),
          ("reference", "table", ("public", "base"), False)]),
        ("CREATE TABLE t (name text CHECK (name LIKE other))",
         [("create", "table", ("public", "t"), False)]),
        ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY app.t (x)",
         [("reference", "table", ("app", "t"), False), ("create", "index", ("app", "i"), True)]),
        ("CREATE INDEX ON t (x)", [("reference", "table", ("public", "t"), False)]),
        ("DROP TABLE IF EXISTS a, b.c CASCADE",
         [("drop", "table", ("public", "a"), True), ("drop", "table", ("b", "c"), True)]),
        ("DROP FUNCTION f(int, text), g()",
         [("drop", "function", ("public", "f"), False),
          ("drop", "function", ("public", "g"), False)]),
        ("ALTER TABLE IF EXISTS ONLY t ADD COLUMN c int, RENAME TO u",
         [("reference", "table", ("public", "t"), True),
          ("create", "column", ("public", "c"), False),
          ("rename", "table", ("public", "t"), False)]),
        ("COMMENT ON COLUMN app.t.c IS 'CREATE TABLE x (y int)'",
         [("reference", "table", ("app", "t"), False)]),
        ("INSERT INTO ONLY t VALUES (1)", [("reference", "table", ("public", "t"), False)]),
        ("TRUNCATE TABLE a, ONLY b", [("reference", "table", ("public", "a"), False),
                                      ("reference", "table", ("public", "b"), False)]),
        ('CREATE EXTENSION IF NOT EXISTS "uuid-ossp"',
         [("create", "extension", ("public", "uuid-ossp"), True)]),
        ("CREATE SCHEMA AUTHORIZATION bob", []),
        ("DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN CREATE TYPE mood AS ENUM ('a'); END IF; "
         "END $$", [("create", "type", ("public", "mood"), False)]),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ CREATE TABLE x (y int) $$",
         [("create", "function", ("public", "f"), False)]),
    ],
)  # fmt: skip
def test_effects(sql, expected):
    assert effects_of(sql) == expected
