"""``plan --json`` observes the lock each kind of statement takes, as PostgreSQL documents it.

One directory of many migrations (one statement each, so that each migration's transaction
holds only what its statement took), one plan run, then an assertion per statement.

Sources, PostgreSQL 15 documentation:
- [TL] "Explicit Locking", 13.3.1 "Table-Level Locks" (which command takes which mode);
- [AT] ALTER TABLE, "Description": the lock level of each subcommand ("An ACCESS EXCLUSIVE
  lock is acquired unless explicitly noted");
- [CI] CREATE INDEX, "Building Indexes Concurrently"; [RI] REINDEX; [RM] REFRESH
  MATERIALIZED VIEW; [TR] TRUNCATE ("reclaims disk space immediately").
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.cli.conftest import invoke, json_out
from tests.conftest import MigrationSpec, write_migrations

SETUP = """
    CREATE TABLE t (id int PRIMARY KEY, a int, b text, d int);
    CREATE INDEX t_a ON t (a);
    CREATE TABLE parent_t (id int PRIMARY KEY);
    CREATE TABLE child_t (id int PRIMARY KEY, parent_id int);
    CREATE TABLE measures (id int, at date) PARTITION BY RANGE (at);
    CREATE TABLE measures_2023 PARTITION OF measures
        FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
    CREATE TABLE measures_2024 PARTITION OF measures
        FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE measures_2025 (id int, at date);
    CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
    CREATE UNIQUE INDEX mv_id ON mv (id);
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
    CREATE TABLE doomed (id int);
    CREATE TABLE emptied (id int);
    CREATE TABLE vacuumed (id int);
    CREATE TABLE renamed (id int, v int);
    CREATE TABLE locked (id int);
"""

AE, EX, SRE, SH = "ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE"
SUE, RE, RS, AS = "SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE", "ROW SHARE", "ACCESS SHARE"
NO_TX = "-- schemactl:no-transaction\n"


# (name, SQL, {relation: strongest mode}, rewritten relations, how the locks are known).
# Run in this order: later statements rely on what earlier ones did to the schema.
CASES: list[tuple[str, str, dict[str, str], set[str], str]] = [
    # [TL] SHARE: "Acquired by CREATE INDEX (without CONCURRENTLY)".
    ("create_index", "CREATE INDEX t_b ON t (b)", {"t": SH}, set(), "observed"),
    # [CI]/[TL] SHARE UPDATE EXCLUSIVE; it cannot run in a transaction: documented.
    (
        "create_index_concurrently",
        "CREATE INDEX CONCURRENTLY t_d ON t (d)",
        {"t": SUE},
        set(),
        "documented",
    ),
    # [AT] ADD COLUMN: ACCESS EXCLUSIVE; no rewrite without a volatile default.
    ("add_column", "ALTER TABLE t ADD COLUMN e int", {"t": AE}, set(), "observed"),
    (
        "add_column_default",
        "ALTER TABLE t ADD COLUMN f int DEFAULT 0",
        {"t": AE},
        set(),
        "observed",
    ),
    # [AT] "Adding a column with a volatile DEFAULT ... will require the entire table and its
    # indexes to be rewritten."
    (
        "add_column_volatile_default",
        "ALTER TABLE t ADD COLUMN g timestamptz DEFAULT clock_timestamp()",
        {"t": AE},
        {"t", "t_pkey", "t_a", "t_b", "t_d"},
        "observed",
    ),
    # [AT] DROP COLUMN: "does not physically remove the column ... not rewritten".
    ("drop_column", "ALTER TABLE t DROP COLUMN g", {"t": AE}, set(), "observed"),
    # [AT] SET DATA TYPE: rewrites the table and its indexes (int to bigint is not binary
    # coercible); the index on the column itself (t_a) is dropped and built again, as a new
    # relation, so it is not among the rewritten files.
    (
        "alter_column_type",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
        {"t": AE},
        {"t", "t_pkey", "t_b", "t_d"},
        "observed",
    ),
    ("set_not_null", "ALTER TABLE t ALTER COLUMN b SET NOT NULL", {"t": AE}, set(), "observed"),
    ("drop_not_null", "ALTER TABLE t ALTER COLUMN b DROP NOT NULL", {"t": AE}, set(), "observed"),
    ("set_default", "ALTER TABLE t ALTER COLUMN d SET DEFAULT 1", {"t": AE}, set(), "observed"),
    # [AT] "SET STATISTICS acquires a SHARE UPDATE EXCLUSIVE lock."
    (
        "set_statistics",
        "ALTER TABLE t ALTER COLUMN d SET STATISTICS 500",
        {"t": SUE},
        set(),
        "observed",
    ),
    # [AT] SET (storage parameter): fillfactor takes SHARE UPDATE EXCLUSIVE; no rewrite.
    ("set_fillfactor", "ALTER TABLE t SET (fillfactor = 70)", {"t": SUE}, set(), "observed"),
    # [AT] ADD table_constraint: ACCESS EXCLUSIVE (CHECK), with or without NOT VALID.
    (
        "add_check",
        "ALTER TABLE t ADD CONSTRAINT t_d_positive CHECK (d > 0)",
        {"t": AE},
        set(),
        "observed",
    ),
    (
        "add_check_not_valid",
        "ALTER TABLE t ADD CONSTRAINT t_id_positive CHECK (id > 0) NOT VALID",
        {"t": AE},
        set(),
        "observed",
    ),
    # [AT] VALIDATE CONSTRAINT: "only a SHARE UPDATE EXCLUSIVE lock on the table".
    (
        "validate_constraint",
        "ALTER TABLE t VALIDATE CONSTRAINT t_id_positive",
        {"t": SUE},
        set(),
        "observed",
    ),
    # [AT] "ADD FOREIGN KEY requires a SHARE ROW EXCLUSIVE lock on the referenced table, in
    # addition to the lock on the table on which the constraint is declared" (also SHARE ROW
    # EXCLUSIVE, [TL]).
    (
        "add_foreign_key",
        "ALTER TABLE child_t ADD CONSTRAINT child_parent FOREIGN KEY (parent_id) "
        "REFERENCES parent_t (id)",
        {"child_t": SRE, "parent_t": SRE},
        set(),
        "observed",
    ),
    # [AT] DISABLE/ENABLE TRIGGER: SHARE ROW EXCLUSIVE.
    ("disable_trigger", "ALTER TABLE t DISABLE TRIGGER t_touch", {"t": SRE}, set(), "observed"),
    ("enable_trigger", "ALTER TABLE t ENABLE TRIGGER t_touch", {"t": SRE}, set(), "observed"),
    # [AT] CLUSTER ON: SHARE UPDATE EXCLUSIVE.
    ("cluster_on", "ALTER TABLE t CLUSTER ON t_a", {"t": SUE}, set(), "observed"),
    # [AT] ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the
    # table being attached.
    (
        "attach_partition",
        "ALTER TABLE measures ATTACH PARTITION measures_2025 "
        "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        {"measures": SUE, "measures_2025": AE},
        set(),
        "observed",
    ),
    # [AT] DETACH PARTITION without CONCURRENTLY: ACCESS EXCLUSIVE on the parent.
    (
        "detach_partition",
        "ALTER TABLE measures DETACH PARTITION measures_2025",
        {"measures": AE, "measures_2025": AE},
        set(),
        "observed",
    ),
    # [AT] DETACH PARTITION CONCURRENTLY: "SHARE UPDATE EXCLUSIVE lock ... on both the parent
    # table and the partition"; it cannot run in a transaction block: documented.
    (
        "detach_partition_concurrently",
        "ALTER TABLE measures DETACH PARTITION measures_2024 CONCURRENTLY",
        {"measures": SUE, "measures_2024": SUE},
        set(),
        "documented",
    ),
    # [TL] SHARE ROW EXCLUSIVE: "Acquired by CREATE TRIGGER".
    (
        "create_trigger",
        "CREATE TRIGGER t_touch_insert BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        {"t": SRE},
        set(),
        "observed",
    ),
    # [RI] REINDEX "locks out writes but not reads of the index's parent table. It also takes
    # an ACCESS EXCLUSIVE lock on the specific index being processed"; the index gets a new file.
    ("reindex", "REINDEX INDEX t_a", {"t": SH, "t_a": AE}, {"t_a"}, "observed"),
    # [RI] "Rebuilding Indexes Concurrently": SHARE UPDATE EXCLUSIVE; outside a transaction.
    (
        "reindex_concurrently",
        "REINDEX INDEX CONCURRENTLY t_b",
        {"t": SUE, "t_b": SUE},
        set(),
        "documented",
    ),
    # [TL] SHARE UPDATE EXCLUSIVE: VACUUM (without FULL), ANALYZE, COMMENT ON.
    ("vacuum", "VACUUM vacuumed", {"vacuumed": SUE}, set(), "documented"),
    ("analyze", "ANALYZE t", {"t": SUE}, set(), "observed"),
    ("comment_on", "COMMENT ON TABLE t IS 'orders'", {"t": SUE}, set(), "observed"),
    # [TL] ACCESS EXCLUSIVE: VACUUM FULL (which rewrites the table; documented lock,
    # observed rewrite).
    ("vacuum_full", "VACUUM FULL vacuumed", {"vacuumed": AE}, {"vacuumed"}, "documented"),
    # [TL] ACCESS EXCLUSIVE: CLUSTER, which rewrites the table in index order.
    ("cluster", "CLUSTER t USING t_a", {"t": AE}, {"t", "t_pkey", "t_a", "t_b", "t_d"}, "observed"),
    # [RM]/[TL] REFRESH MATERIALIZED VIEW: ACCESS EXCLUSIVE, and the view gets new contents
    # (a new file); CONCURRENTLY: EXCLUSIVE, updating rows in place. Both read the view's
    # query, so its table gets ACCESS SHARE as a SELECT would.
    ("refresh", "REFRESH MATERIALIZED VIEW mv", {"mv": AE, "t": AS}, {"mv", "mv_id"}, "observed"),
    (
        "refresh_concurrently",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
        {"mv": EX, "t": AS},
        set(),
        "observed",
    ),
    # [TL] ACCESS EXCLUSIVE: TRUNCATE; [TR] it gives the table a new, empty file, which is
    # not a rewrite (no row is copied).
    ("truncate", "TRUNCATE emptied", {"emptied": AE}, set(), "observed"),
    ("drop_table", "DROP TABLE doomed", {"doomed": AE}, set(), "observed"),
    # [AT] RENAME: ACCESS EXCLUSIVE.
    (
        "rename_column",
        "ALTER TABLE renamed RENAME COLUMN v TO w",
        {"renamed": AE},
        set(),
        "observed",
    ),
    (
        "rename_table",
        "ALTER TABLE renamed RENAME TO renamed_again",
        {"renamed": AE},
        set(),
        "observed",
    ),
    # CREATE RULE is not in [TL]'s list; the rule system opens the table with ACCESS
    # EXCLUSIVE (observed here, and in pg_locks by hand).
    (
        "create_rule",
        "CREATE RULE locked_keep AS ON DELETE TO locked DO INSTEAD NOTHING",
        {"locked": AE},
        set(),
        "observed",
    ),
    # GRANT changes the catalog row only: no lock on the table itself.
    ("grant", "GRANT SELECT ON t TO PUBLIC", {}, set(), "observed"),
    # [TL] ROW SHARE for a new foreign key's referenced table is SHARE ROW EXCLUSIVE
    # ([AT], as ADD FOREIGN KEY).
    (
        "create_table_references",
        "CREATE TABLE grandchild (id int, parent_id int REFERENCES parent_t (id))",
        {"parent_t": SRE},
        set(),
        "observed",
    ),
    # [TL] ACCESS EXCLUSIVE: DROP INDEX takes it on the index and its table.
    ("drop_index", "DROP INDEX t_b", {"t": AE, "t_b": AE}, set(), "observed"),
] + [
    # [TL] LOCK TABLE takes the mode it names.
    (
        f"lock_{mode.lower().replace(' ', '_')}",
        f"LOCK TABLE locked IN {mode} MODE",
        {"locked": mode},
        set(),
        "observed",
    )
    for mode in (AS, RS, RE, SUE, SH, SRE, EX, AE)
]

_OUTSIDE = {
    "create_index_concurrently",
    "detach_partition_concurrently",
    "reindex_concurrently",
    "vacuum",
    "vacuum_full",
}


def _spec() -> MigrationSpec:
    spec: MigrationSpec = {"0001_setup": (SETUP, "SELECT 1;")}
    for number, (name, text, *_) in enumerate(CASES, start=2):
        header = NO_TX if name in _OUTSIDE else ""
        spec[f"{number:04d}_{name}"] = (f"{header}{text};\n", "SELECT 1;")
    return spec


@pytest.fixture(scope="module")
def plan(postgresql_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One plan of every case, on a scratch database made for this module: each case's
    statement as ``plan --json`` reports it, by case name."""
    auth = postgresql_server.user + (
        f":{postgresql_server.password}" if postgresql_server.password else ""
    )
    host = postgresql_server.host
    where = (
        f"@:{postgresql_server.port}/{{}}?host={host}"
        if host.startswith("/")
        else (f"@{host}:{postgresql_server.port}/{{}}")
    )
    name = f"plan_locks_{secrets.token_hex(4)}"
    with psycopg.connect(
        f"postgresql://{auth}" + where.format("postgres"), autocommit=True
    ) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            directory = write_migrations(tmp_path_factory.mktemp("plan") / "migrations", _spec())
            with pytest.MonkeyPatch.context() as env:
                for variable in list(os.environ):
                    if variable.startswith(("PG", "SCHEMACTL_")) or variable == "DATABASE_URL":
                        env.delenv(variable)
                env.chdir(directory.parent)
                scratch = f"postgresql://{auth}" + where.format(name)
                result = invoke(["plan", "--dir", directory, "--scratch-url", scratch, "--json"])
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    found = {}
    for migration in json_out(result)["migrations"][1:]:
        (statement,) = migration["statements"]
        found[migration["name"]] = statement
    return found


def _strongest(statement: dict[str, Any], named: dict[str, str]) -> dict[str, str]:
    """The strongest mode on each table, and on each index the case names (a statement on a
    table also locks the indexes it maintains or checks)."""
    found = {}
    for lock in statement["locks"]:
        name = lock["relation"].removeprefix("public.")
        if lock["kind"] != "index" or name in named:
            found[name] = lock["mode"]
    return found


@pytest.mark.parametrize(
    ("name", "sql", "modes", "rewrites", "source"), CASES, ids=[case[0] for case in CASES]
)
def test_observed_lock_mode_and_rewrite_match_the_documentation(
    plan: dict[str, dict[str, Any]],
    name: str,
    sql: str,
    modes: dict[str, str],
    rewrites: set[str],
    source: str,
) -> None:
    statement = plan[name]
    assert _strongest(statement, modes) == modes
    assert {r["relation"].removeprefix("public.") for r in statement["rewrites"]} == rewrites
    assert {lock["source"] for lock in statement["locks"]} <= {source}
    assert statement["locks_observed"] is (source == "observed")


def test_there_are_at_least_25_kinds_of_statement() -> None:
    assert len(CASES) >= 25


def test_scans_are_marked_by_the_statements_kind(plan: dict[str, dict[str, Any]]) -> None:
    clauses = {name: [s["clause"] for s in statement["scans"]] for name, statement in plan.items()}
    assert clauses["set_not_null"] == ["SET NOT NULL"]
    assert clauses["add_check"] == ["ADD CONSTRAINT ... CHECK"]
    assert clauses["add_check_not_valid"] == []
    assert clauses["validate_constraint"] == ["VALIDATE CONSTRAINT"]
    assert clauses["add_foreign_key"] == ["ADD CONSTRAINT ... FOREIGN KEY"]
    assert clauses["attach_partition"] == ["ATTACH PARTITION"]
    assert clauses["create_index"] == ["CREATE INDEX"]
    assert clauses["create_index_concurrently"] == []


def test_verdicts_without_a_target_speak_of_every_row(plan: dict[str, dict[str, Any]]) -> None:
    assert plan["alter_column_type"]["verdict"]["level"] == "rewrite"
    assert (
        "blocks reads and writes for a rewrite of every row of public.t"
        in (plan["alter_column_type"]["verdict"]["text"])
    )
    assert plan["validate_constraint"]["verdict"]["level"] == "safe"
    assert plan["create_index"]["verdict"]["text"].startswith("blocks writes while building")
    assert plan["add_column_default"]["verdict"]["level"] == "brief lock"
    assert plan["comment_on"]["verdict"]["level"] == "safe"
