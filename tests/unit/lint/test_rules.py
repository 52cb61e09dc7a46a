"""Every lint rule: a set that triggers it beside a near-identical set that does not."""

from __future__ import annotations

import pytest

from schemactl.lint.registry import LINT_RULE_IDS
from tests.conftest import MigrationSpec

USERS = (
    "CREATE TABLE users (id bigint PRIMARY KEY, email text, org_id bigint);",
    "DROP TABLE users;",
)
ORGS = ("CREATE TABLE orgs (id bigint PRIMARY KEY);", "DROP TABLE orgs;")
NO_TX = "-- schemactl:no-transaction\n"
# A partitioned table: CLUSTER and REINDEX of it cannot run in a transaction block.
EVENTS = {"0001_events": ("CREATE TABLE events (at date) PARTITION BY RANGE (at);",
                          "DROP TABLE events;")}  # fmt: skip
IRREVERSIBLE = "-- schemactl:irreversible\n"


def on_users(up: str, down: str = "SELECT 1;") -> MigrationSpec:
    """A users table in 0001, then ``up`` in 0002: the table is existing there."""
    return {"0001_users": USERS, "0002_change": (up, down)}


def in_users(statement: str) -> MigrationSpec:
    """``statement`` in the same migration that creates users: the table is new there."""
    return {"0001_users": (USERS[0] + "\n" + statement, USERS[1])}


# (rule, set that triggers it, near-identical set that does not)
CASES: list[tuple[str, MigrationSpec, MigrationSpec]] = [
    (
        "version-gap",
        {"0001_users": USERS, "0003_orgs": ORGS},
        {"0001_users": USERS, "0002_orgs": ORGS},
    ),
    (
        "unknown-rule-in-directive",
        {"0001_users": ("-- schemactl:disable=no-such-rule\n" + USERS[0], USERS[1])},
        {"0001_users": ("-- schemactl:disable=ban-drop-table\n" + USERS[0], USERS[1])},
    ),
    (
        "requires-no-transaction",
        {**EVENTS, "0002_reindex": ("REINDEX TABLE events;", "SELECT 1;")},
        {**EVENTS, "0002_reindex": (NO_TX + "REINDEX TABLE events;", "SELECT 1;")},
    ),
    (
        "multi-statement-no-transaction",
        on_users(NO_TX + "CREATE INDEX CONCURRENTLY a ON users (email);\nVACUUM users;"),
        on_users(NO_TX + "CREATE INDEX CONCURRENTLY a ON users (email);"),
    ),
    (
        "require-extension-if-not-exists",
        {"0001_ext": ("CREATE EXTENSION pgcrypto;", "DROP EXTENSION pgcrypto;")},
        {"0001_ext": ("CREATE EXTENSION IF NOT EXISTS pgcrypto;", "DROP EXTENSION pgcrypto;")},
    ),
    (
        "missing-extension",
        {"0001_users": ("CREATE TABLE users (pw text DEFAULT crypt('x', gen_salt('bf')));",
                        USERS[1])},
        {"0001_users": ("CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
                        "CREATE TABLE users (pw text DEFAULT crypt('x', gen_salt('bf')));",
                        "DROP TABLE users;\nDROP EXTENSION pgcrypto;")},
    ),
    (
        "require-concurrent-index",
        on_users("CREATE INDEX users_email ON users (email);", "DROP INDEX users_email;"),
        in_users("CREATE INDEX users_email ON users (email);"),
    ),
    (
        "require-concurrent-reindex",
        on_users(NO_TX + "REINDEX TABLE users;"),
        on_users(NO_TX + "REINDEX TABLE CONCURRENTLY users;"),
    ),
    (
        "adding-required-field",
        on_users("ALTER TABLE users ADD COLUMN name text NOT NULL;"),
        on_users("ALTER TABLE users ADD COLUMN name text NOT NULL DEFAULT '';"),
    ),
    (
        "adding-field-with-default",
        on_users("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
        on_users("ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now();"),
    ),
    (
        "adding-not-nullable-field",
        on_users("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
        {
            "0001_users": USERS,
            "0002_check": (
                "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) "
                "NOT VALID;",
                "ALTER TABLE users DROP CONSTRAINT users_email_nn;",
            ),
            "0003_validate": ("ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;", "SELECT 1;"),
            "0004_not_null": ("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "SELECT 1;"),
        },
    ),
    (
        "constraint-missing-not-valid",
        {"0001_orgs": ORGS, "0002_users": USERS, "0003_fk": (
            "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs;",
            "ALTER TABLE users DROP CONSTRAINT users_org_fk;")},
        {"0001_orgs": ORGS, "0002_users": USERS, "0003_fk": (
            "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs "
            "NOT VALID;",
            "ALTER TABLE users DROP CONSTRAINT users_org_fk;")},
    ),
    (
        "disallowed-unique-constraint",
        on_users("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
        on_users("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_e;"),
    ),
    (
        "changing-column-type",
        on_users("ALTER TABLE users ALTER COLUMN email TYPE varchar(100);"),
        in_users("ALTER TABLE users ALTER COLUMN email TYPE varchar(100);"),
    ),
    (
        "renaming-column",
        on_users("ALTER TABLE users RENAME COLUMN email TO mail;"),
        in_users("ALTER TABLE users RENAME COLUMN email TO mail;"),
    ),
    (
        "renaming-table",
        on_users("ALTER TABLE users RENAME TO accounts;", "ALTER TABLE accounts RENAME TO users;"),
        in_users("ALTER TABLE users RENAME TO accounts;"),
    ),
    (
        "ban-drop-column",
        on_users("ALTER TABLE users DROP COLUMN email;", "ALTER TABLE users ADD COLUMN email int;"),
        on_users("ALTER TABLE users ADD COLUMN phone int;", "ALTER TABLE users DROP COLUMN phone;"),
    ),
    (
        "ban-drop-table",
        {"0001_users": USERS, "0002_drop": IRREVERSIBLE + "DROP TABLE users;"},
        {"0001_users": USERS, "0002_orgs": ORGS},
    ),
    (
        "ban-truncate-cascade",
        on_users("TRUNCATE users CASCADE;"),
        on_users("TRUNCATE users;"),
    ),
    (
        "ban-vacuum-full",
        on_users(NO_TX + "VACUUM FULL users;"),
        on_users(NO_TX + "VACUUM users;"),
    ),
    (
        "ban-cluster",
        on_users("CLUSTER users USING users_pkey;"),
        on_users("ANALYZE users;"),
    ),
    (
        "require-concurrent-partition-detach",
        on_users("ALTER TABLE users DETACH PARTITION users_old;"),
        on_users(NO_TX + "ALTER TABLE users DETACH PARTITION users_old CONCURRENTLY;"),
    ),
    (
        "identifier-too-long",
        {"0001_t": (f"CREATE TABLE {'t' * 64} (id bigint);", f"DROP TABLE {'t' * 64};")},
        {"0001_t": (f"CREATE TABLE {'t' * 63} (id bigint);", f"DROP TABLE {'t' * 63};")},
    ),
    (
        "prefer-timestamptz",
        in_users("ALTER TABLE users ADD COLUMN seen timestamp;"),
        in_users("ALTER TABLE users ADD COLUMN seen timestamptz;"),
    ),
    (
        "prefer-bigint-over-int",
        {"0001_t": ("CREATE TABLE t (id integer PRIMARY KEY);", "DROP TABLE t;")},
        {"0001_t": ("CREATE TABLE t (id bigint PRIMARY KEY);", "DROP TABLE t;")},
    ),
    (
        "prefer-identity",
        {"0001_t": ("CREATE TABLE t (id bigserial PRIMARY KEY);", "DROP TABLE t;")},
        {"0001_t": ("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);",
                    "DROP TABLE t;")},
    ),
    (
        "ban-char-field",
        {"0001_t": ("CREATE TABLE t (code char(2));", "DROP TABLE t;")},
        {"0001_t": ("CREATE TABLE t (code character varying(2));", "DROP TABLE t;")},
    ),
    (
        "down-drops-unknown",
        {"0001_users": USERS, "0002_orgs": (ORGS[0], "DROP TABLE users;")},
        {"0001_users": USERS, "0002_orgs": (ORGS[0], "DROP TABLE orgs;")},
    ),
    (
        "down-leaves-object",
        {"0001_both": (USERS[0] + ORGS[0], "DROP TABLE users;")},
        {"0001_both": (USERS[0] + ORGS[0], "DROP TABLE orgs;\nDROP TABLE users;")},
    ),
    (
        "empty-down",
        on_users("INSERT INTO users (id) VALUES (1);", "-- nothing to undo\n"),
        on_users("INSERT INTO users (id) VALUES (1);", "DELETE FROM users WHERE id = 1;"),
    ),
    (
        "reference-before-create",
        {"0001_index": ("CREATE INDEX users_email ON users (email);", "DROP INDEX users_email;"),
         "0002_users": USERS},
        {"0001_users": USERS,
         "0002_index": ("CREATE INDEX users_email ON users (email);", "DROP INDEX users_email;")},
    ),
    (
        "reference-to-unknown-table",
        {"0001_index": ("CREATE INDEX legacy_x ON legacy (x);", "DROP INDEX legacy_x;")},
        {"0001_index": ("CREATE TABLE legacy (x int);\nCREATE INDEX legacy_x ON legacy (x);",
                        "DROP TABLE legacy;")},
    ),
]  # fmt: skip


def test_every_lint_rule_has_a_case():
    assert {rule for rule, _, _ in CASES} == LINT_RULE_IDS


@pytest.mark.parametrize(("rule", "triggering", "clean"), CASES, ids=[c[0] for c in CASES])
def test_rule_triggers_on_one_set_and_not_the_other(lint_spec, rule, triggering, clean):
    found = [f for f in lint_spec(triggering) if f.rule == rule]
    assert found, f"{rule} did not trigger"
    assert all(f.message and "\n" not in f.message for f in found)

    assert [f for f in lint_spec(clean) if f.rule == rule] == []
