"""The digest must change whenever the model does: check trusts equal digests without models.

Each case is a schema and a change to it that ``load_schema``/``diff_models`` report; the
digest (fingerprint.sql) must differ too, or ``check`` passes a round trip it should fail.
"""

from __future__ import annotations

import secrets

import pytest

from schemactl.catalog.digest import fingerprint
from schemactl.catalog.load import load_schema
from schemactl.schema.diff import diff_models
from tests.db.conftest import execute_script

TRIGGER_FUNCTION = (
    "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;"
)
C_COLLATION = "CREATE COLLATION c1 (provider = libc, locale = 'C');"

CASES = {
    # Objects the digest does not list at all, but the model names (collations, operator
    # classes, text search configurations): renaming one keeps every OID the digest holds.
    "collation renamed, column uses it": (
        C_COLLATION + "CREATE TABLE t (a text COLLATE c1);",
        "ALTER COLLATION c1 RENAME TO c2",
    ),
    "collation renamed, domain uses it": (
        C_COLLATION + "CREATE DOMAIN d AS text COLLATE c1;",
        "ALTER COLLATION c1 RENAME TO c2",
    ),
    "collation renamed, index uses it": (
        C_COLLATION + "CREATE TABLE t (a text); CREATE INDEX i ON t (a COLLATE c1);",
        "ALTER COLLATION c1 RENAME TO c2",
    ),
    "collation renamed, trigger WHEN uses it": (
        C_COLLATION
        + TRIGGER_FUNCTION
        + "CREATE TABLE t (b text); CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW"
        " WHEN (NEW.b COLLATE c1 > 'a') EXECUTE FUNCTION f();",
        "ALTER COLLATION c1 RENAME TO c2",
    ),
    "operator class renamed, index uses it": (
        "CREATE TABLE t (a int); CREATE OPERATOR CLASS my_ops FOR TYPE int USING btree AS"
        " OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,"
        " FUNCTION 1 btint4cmp(int, int); CREATE INDEX i ON t (a my_ops);",
        "ALTER OPERATOR CLASS my_ops USING btree RENAME TO your_ops",
    ),
    "text search configuration renamed, policy uses it": (
        "CREATE TEXT SEARCH CONFIGURATION cfg1 (COPY = pg_catalog.simple);"
        " CREATE TABLE t (b text);"
        " CREATE POLICY p ON t USING (to_tsvector('cfg1', b) @@ 'x'::tsquery);",
        "ALTER TEXT SEARCH CONFIGURATION cfg1 RENAME TO cfg2",
    ),
    "text search configuration renamed, function default uses it": (
        "CREATE TEXT SEARCH CONFIGURATION cfg1 (COPY = pg_catalog.simple);"
        " CREATE FUNCTION g(c regconfig DEFAULT 'cfg1') RETURNS int LANGUAGE sql"
        " AS 'SELECT 1';",
        "ALTER TEXT SEARCH CONFIGURATION cfg1 RENAME TO cfg2",
    ),
    # Catalog columns the digest leaves out.
    "foreign key ON DELETE SET NULL gains a column list (confdelsetcols)": (
        "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));"
        " CREATE TABLE ch (a int, b int,"
        " CONSTRAINT f FOREIGN KEY (a, b) REFERENCES p ON DELETE SET NULL);",
        "ALTER TABLE ch DROP CONSTRAINT f,"
        " ADD CONSTRAINT f FOREIGN KEY (a, b) REFERENCES p ON DELETE SET NULL (b)",
    ),
    "constraint trigger FROM another table (tgconstrrelid)": (
        "CREATE TABLE a (x int); CREATE TABLE b (x int); CREATE TABLE c (x int);"
        + TRIGGER_FUNCTION
        + "CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON a FROM b"
        " FOR EACH ROW EXECUTE FUNCTION f();",
        "DROP TRIGGER tr ON a; CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON a FROM c"
        " FOR EACH ROW EXECUTE FUNCTION f();",
    ),
}


@pytest.mark.parametrize(("schema", "change"), CASES.values(), ids=list(CASES))
def test_a_change_the_model_sees_changes_the_digest(conn, schema, change):
    execute_script(conn, schema)
    digest, model = fingerprint(conn), load_schema(conn)

    execute_script(conn, change)

    assert diff_models(model, load_schema(conn)), "the case must change the model"
    assert fingerprint(conn) != digest


def test_a_policy_role_renamed_changes_the_digest(conn):
    # Policies hold role OIDs; the model shows role names.
    old, new = (f"schemactl_policy_role_{secrets.token_hex(4)}" for _ in range(2))
    execute_script(conn, f"CREATE ROLE {old}")
    try:
        execute_script(conn, f"CREATE TABLE t (x int); CREATE POLICY p ON t TO {old} USING (true)")
        digest, model = fingerprint(conn), load_schema(conn)

        execute_script(conn, f"ALTER ROLE {old} RENAME TO {new}")

        assert diff_models(model, load_schema(conn))
        assert fingerprint(conn) != digest
    finally:
        execute_script(conn, "DROP TABLE IF EXISTS t")
        execute_script(conn, f"DROP ROLE IF EXISTS {old}; DROP ROLE IF EXISTS {new}")
