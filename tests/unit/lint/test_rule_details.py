"""The cases each rule must get right beyond its basic pair: names, options, order, bodies."""

from __future__ import annotations

import pytest

from tests.conftest import MigrationSpec
from tests.unit.lint.test_rules import EVENTS, IRREVERSIBLE, NO_TX, USERS, in_users, on_users

QUOTED_USERS = ('CREATE TABLE "Users" (id bigint, x text);', 'DROP TABLE "Users";')

# (what the case shows, rule, migration set, whether the rule must trigger)
DETAILS: list[tuple[str, str, MigrationSpec, bool]] = [
    # Names: schema-qualified, quoted, IF [NOT] EXISTS, ONLY.
    ("qualified quoted name is the same table", "require-concurrent-index",
     {"0001_users": QUOTED_USERS, "0002_index": ('CREATE INDEX i ON public."Users" (x);',
                                                 "DROP INDEX i;")}, True),
    ("quoted name is case-sensitive", "reference-to-unknown-table",
     {"0001_users": QUOTED_USERS, "0002_index": ("CREATE INDEX i ON users (x);",
                                                 "DROP INDEX i;")}, True),
    ("IF EXISTS, ONLY and IF NOT EXISTS are read through", "adding-required-field",
     on_users("ALTER TABLE IF EXISTS ONLY public.users ADD COLUMN IF NOT EXISTS n text NOT NULL;"),
     True),
    ("ON ONLY builds no index", "require-concurrent-index",
     on_users("CREATE INDEX i ON ONLY users (email);", "DROP INDEX i;"), False),
    ("a table created IF NOT EXISTS in the same file is new", "require-concurrent-index",
     {"0001_t": ("CREATE TABLE IF NOT EXISTS t (x int);\nCREATE INDEX IF NOT EXISTS i ON t (x);",
                 "DROP TABLE t;")}, False),
    # Keywords inside strings and comments are not statements.
    ("SQL inside a string or comment", "requires-no-transaction",
     on_users("-- VACUUM FULL users;\n"
              "COMMENT ON TABLE users IS 'VACUUM; CREATE INDEX CONCURRENTLY i ON users (x)';"),
     False),
    # Transactions.
    # What the statement alone tells is decided when the files are read, not by the lint.
    ("a lone VACUUM runs outside a transaction", "requires-no-transaction",
     on_users("VACUUM users;"), False),
    ("a lone REINDEX CONCURRENTLY runs outside a transaction", "requires-no-transaction",
     on_users("REINDEX INDEX CONCURRENTLY users_pkey;"), False),
    ("CLUSTER of a partitioned table", "requires-no-transaction",
     {**EVENTS, "0002_cluster": ("CLUSTER events USING events_at;", "SELECT 1;")}, True),
    ("REINDEX of a partitioned table's index", "requires-no-transaction",
     {"0001_events": (EVENTS["0001_events"][0] + "\nCREATE INDEX events_at ON events (at);",
                      "DROP TABLE events;"),
      "0002_reindex": ("REINDEX INDEX public.events_at;", "SELECT 1;")}, True),
    ("a transactional down file is checked too", "requires-no-transaction",
     {**EVENTS, "0002_reindex": (NO_TX + "REINDEX TABLE events;", "REINDEX TABLE events;")},
     True),
    ("REINDEX of a plain table runs in a transaction", "requires-no-transaction",
     on_users("REINDEX TABLE users;"), False),
    ("ALTER TYPE ... ADD VALUE runs in a transaction on PostgreSQL 12+", "requires-no-transaction",
     {"0001_mood": ("CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';",
                    "DROP TYPE mood;")}, False),
    ("VACUUM (FULL, ANALYZE)", "ban-vacuum-full", on_users(NO_TX + "VACUUM (FULL, ANALYZE) users;"),
     True),
    # Extensions.
    ("extension created only by a later migration", "missing-extension",
     {"0001_users": ("CREATE TABLE users (email citext);", "DROP TABLE users;"),
      "0002_ext": ("CREATE EXTENSION IF NOT EXISTS citext;", "DROP EXTENSION citext;")}, True),
    ("extension created earlier in the same file", "missing-extension",
     {"0001_users": ('CREATE EXTENSION IF NOT EXISTS "uuid-ossp";\n'
                     "CREATE TABLE users (id uuid DEFAULT uuid_generate_v4());",
                     'DROP TABLE users;\nDROP EXTENSION "uuid-ossp";')}, False),
    ("gen_random_uuid() is core since PostgreSQL 13", "missing-extension",
     {"0001_users": ("CREATE TABLE users (id uuid DEFAULT gen_random_uuid());",
                     "DROP TABLE users;")}, False),
    ("a column named like an extension type", "missing-extension",
     {"0001_t": ("CREATE TABLE t (geometry jsonb, hstore text);", "DROP TABLE t;")}, False),
    ("a trigram operator class", "missing-extension",
     in_users("CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);"), True),
    ("the set defines a function of that name itself", "missing-extension",
     {"0001_f": ("CREATE FUNCTION digest(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$;\n"
                 "CREATE TABLE t (d text DEFAULT digest('x'));",
                 "DROP TABLE t;\nDROP FUNCTION digest(text);")}, False),
    # New columns on existing tables.
    ("an identity column fills itself", "adding-required-field",
     on_users("ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;"),
     False),
    ("an identity column rewrites the table", "adding-field-with-default",
     on_users("ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;"),
     True),
    ("a serial column rewrites the table", "adding-field-with-default",
     on_users("ALTER TABLE users ADD COLUMN n bigserial;"), True),
    ("a constant default does not", "adding-field-with-default",
     on_users("ALTER TABLE users ADD COLUMN n jsonb NOT NULL DEFAULT '{}'::jsonb;"), False),
    ("the set's own function is volatile by default", "adding-field-with-default",
     {"0001_users": USERS, "0002_f": (
         "CREATE FUNCTION pick() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
         "ALTER TABLE users ADD COLUMN n int DEFAULT pick();", "SELECT 1;")}, True),
    ("the set's own function declared STABLE", "adding-field-with-default",
     {"0001_users": USERS, "0002_f": (
         "CREATE FUNCTION pick() RETURNS int LANGUAGE sql STABLE AS $$ SELECT 1 $$;\n"
         "ALTER TABLE users ADD COLUMN n int DEFAULT pick();", "SELECT 1;")}, False),
    ("a unique column", "disallowed-unique-constraint",
     on_users("ALTER TABLE users ADD COLUMN code text UNIQUE;"), True),
    ("a primary key", "disallowed-unique-constraint",
     on_users("ALTER TABLE users ADD PRIMARY KEY (email);"), True),
    # Validation.
    ("CHECK validated in the same transaction it is added in", "constraint-missing-not-valid",
     on_users("ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID;\n"
              "ALTER TABLE users VALIDATE CONSTRAINT c;"), True),
    ("CHECK validated in a no-transaction file, statement by statement",
     "constraint-missing-not-valid",
     on_users(NO_TX + "ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID;\n"
              "ALTER TABLE users VALIDATE CONSTRAINT c;"), False),
    ("SET NOT NULL after a validated check in the same no-transaction file",
     "adding-not-nullable-field",
     on_users(NO_TX + "ALTER TABLE users ADD CONSTRAINT nn CHECK (email IS NOT NULL) NOT VALID;\n"
              "ALTER TABLE users VALIDATE CONSTRAINT nn;\n"
              "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), False),
    ("SET NOT NULL after a check validated in the same transaction", "adding-not-nullable-field",
     on_users("ALTER TABLE users ADD CONSTRAINT nn CHECK (email IS NOT NULL) NOT VALID;\n"
              "ALTER TABLE users VALIDATE CONSTRAINT nn;\n"
              "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), True),
    ("SET NOT NULL on a table created in the same file", "adding-not-nullable-field",
     in_users("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), False),
    # Types.
    ("timestamp without time zone, with precision", "prefer-timestamptz",
     in_users("ALTER TABLE users ADD COLUMN seen timestamp(3) without time zone;"), True),
    ("timestamp with time zone", "prefer-timestamptz",
     in_users("ALTER TABLE users ADD COLUMN seen timestamp with time zone;"), False),
    ("retyping to timestamp", "prefer-timestamptz",
     on_users("ALTER TABLE users ALTER COLUMN email TYPE timestamp USING now();"), True),
    ("integer key declared as a table constraint", "prefer-bigint-over-int",
     {"0001_t": ("CREATE TABLE t (id int NOT NULL, CONSTRAINT t_pkey PRIMARY KEY (id));",
                 "DROP TABLE t;")}, True),
    ("integer columns of a composite key", "prefer-bigint-over-int",
     {"0001_t": ("CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));", "DROP TABLE t;")}, False),
    ("an integer that is not a key", "prefer-bigint-over-int",
     {"0001_t": ("CREATE TABLE t (id bigint PRIMARY KEY, n integer);", "DROP TABLE t;")}, False),
    ("serial", "prefer-bigint-over-int",
     {"0001_t": ("CREATE TABLE t (id serial);", "DROP TABLE t;")}, True),
    ("character(n)", "ban-char-field",
     {"0001_t": ("CREATE TABLE t (code character(3));", "DROP TABLE t;")}, True),
    ('the internal "char" type', "ban-char-field",
     {"0001_t": ('CREATE TABLE t (flag "char");', "DROP TABLE t;")}, False),
    # Downs.
    ("the down renames an enum away and drops the renamed one", "down-drops-unknown",
     {"0001_mood": ("CREATE TYPE mood AS ENUM ('a');", "DROP TYPE mood;"),
      "0002_more": ("ALTER TYPE mood ADD VALUE 'b';",
                    "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('a');\n"
                    "DROP TYPE mood_old;")}, False),
    ("the up creates the type inside a DO block", "down-drops-unknown",
     {"0001_mood": ("DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); "
                    "EXCEPTION WHEN duplicate_object THEN NULL; END $$;", "DROP TYPE mood;")},
     False),
    ("the up creates an unnamed index", "down-drops-unknown",
     on_users("CREATE INDEX ON users (email);", "DROP INDEX users_email_idx;"), False),
    ("the down drops a column the up did not add", "down-drops-unknown",
     on_users("ALTER TABLE users ADD COLUMN phone text;", "ALTER TABLE users DROP COLUMN email;"),
     True),
    ("an unqualified drop of a qualified index", "down-drops-unknown",
     {"0001_s": ("CREATE SCHEMA app;\nCREATE TABLE app.t (x int);",
                 "DROP TABLE app.t;\nDROP SCHEMA app;"),
      "0002_i": ("CREATE INDEX i ON app.t (x);", "DROP INDEX i;")}, False),
    ("an empty down for an up that creates a table", "down-leaves-object",
     {"0001_users": (USERS[0], "-- nothing\n")}, True),
    ("an index goes with its table", "down-leaves-object",
     in_users("CREATE INDEX i ON users (id);"), False),
    ("a replaced function is restored, not dropped", "down-leaves-object",
     {"0001_f": ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
                 "DROP FUNCTION f();"),
      "0002_f": ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
                 "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;")},
     False),
    ("DROP SCHEMA ... CASCADE takes its objects along", "down-leaves-object",
     {"0001_s": ("CREATE SCHEMA app;\nCREATE TABLE app.t (x int);", "DROP SCHEMA app CASCADE;")},
     False),
    ("an empty down for an up that creates a table is down-leaves-object's", "empty-down",
     {"0001_users": (USERS[0], "-- nothing\n")}, False),
    # References.
    ("referenced later in the same file than its creation", "reference-before-create",
     {"0001_t": ("CREATE INDEX i ON t (x);\nCREATE TABLE t (x int);", "DROP TABLE t;")}, True),
    ("a self-referencing foreign key", "reference-before-create",
     {"0001_t": ("CREATE TABLE t (id bigint PRIMARY KEY, parent bigint REFERENCES t (id));",
                 "DROP TABLE t;")}, False),
    ("referenced after a migration dropped it", "reference-before-create",
     {"0001_users": USERS, "0002_drop": IRREVERSIBLE + "DROP TABLE users;",
      "0003_seed": ("INSERT INTO users (id) VALUES (1);", "SELECT 1;")}, True),
    ("referenced by its old name after a rename", "reference-before-create",
     {"0001_users": USERS,
      "0002_rename": ("ALTER TABLE users RENAME TO accounts;",
                      "ALTER TABLE accounts RENAME TO users;"),
      "0003_seed": ("COMMENT ON COLUMN users.email IS 'x';", "SELECT 1;")}, True),
    ("IF EXISTS tolerates a missing table", "reference-before-create",
     {"0001_t": ("ALTER TABLE IF EXISTS t ADD COLUMN y int;", "SELECT 1;"),
      "0002_t": ("CREATE TABLE t (x int);", "DROP TABLE t;")}, False),
    ("a foreign key to a table a later migration creates", "reference-before-create",
     {"0001_users": ("CREATE TABLE users (id bigint, org bigint REFERENCES orgs (id));",
                     "DROP TABLE users;"),
      "0002_orgs": ("CREATE TABLE orgs (id bigint PRIMARY KEY);", "DROP TABLE orgs;")}, True),
    # Layout.
    ("timestamp versions are never contiguous", "version-gap",
     {"20240101120000_users": USERS,
      "20240102090000_orgs": ("CREATE TABLE orgs (id bigint);", "DROP TABLE orgs;")}, False),
]  # fmt: skip


@pytest.mark.parametrize(("what", "rule", "spec", "triggers"), DETAILS, ids=[d[0] for d in DETAILS])
def test_rule_detail(lint_spec, what, rule, spec, triggers):
    found = [f for f in lint_spec(spec) if f.rule == rule]

    assert bool(found) is triggers, f"{rule}: {what}: {[f.message for f in found]}"
