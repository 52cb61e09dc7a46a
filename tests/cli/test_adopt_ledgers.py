"""``schemactl baseline --from TOOL``: another tool's ledger names the versions, the live schema
proves them, and the rows are recorded marked with the tool's name; what cannot be adopted is
refused by name, with nothing recorded and the other ledger untouched.

dbmate itself runs here (``npm install -g dbmate``; ``.ci/run`` installs it). The other tools'
ledgers are created as their sources create them (see ``schemactl/adopt/ledgers.py``) and
filled as the tools fill them.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);"
ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);"
ITEMS = "CREATE TABLE items (id bigint PRIMARY KEY, sku text UNIQUE);"
UPS = {1: ("users", USERS), 2: ("orders", ORDERS), 3: ("items", ITEMS)}
LEDGER = "public.schemactl_migrations"


@pytest.fixture
def schemactl_dir(migration_dir):
    """The same three migrations in schemactl's form."""
    return migration_dir(
        {
            f"{version:04d}_{name}": (up, f"DROP TABLE {name};")
            for version, (name, up) in UPS.items()
        }
    )


def snapshot(conn, table: str) -> tuple[list, list]:
    """A table's columns and rows, to show that baseline left it as it was."""
    columns = conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (table,),
    ).fetchall()
    rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    return columns, rows


def statuses(directory: Path, target) -> list[tuple[int, str, str | None]]:
    report = json_out(invoke(["status", "--json", *target(directory)]))
    return [(m["version"], m["state"], m["baselined_from"]) for m in report["migrations"]]


# --- dbmate, the real tool ---------------------------------------------------------------


def dbmate(database_url: str, directory: Path, *args: str) -> None:
    """Run the real dbmate; missing, it fails the test (never skips it): CI installs it."""
    executable = shutil.which("dbmate")
    if executable is None:
        pytest.fail("dbmate is not installed: run 'npm install -g dbmate' (.ci/run does)")
    command = [
        executable,
        "--url",
        f"{database_url}?sslmode=disable",
        "--migrations-dir",
        str(directory),
        "--no-dump-schema",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"


def write_dbmate(directory: Path, versions: list[int]) -> Path:
    """dbmate's form of the same migrations: one file each, up and down sections."""
    directory.mkdir(parents=True, exist_ok=True)
    for version in versions:
        name, up = UPS[version]
        text = f"""
            -- migrate:up
            {up}

            -- migrate:down
            DROP TABLE {name};
        """
        (directory / f"{version:04d}_{name}.sql").write_text(textwrap.dedent(text).lstrip())
    return directory


def test_dbmate_ledger_is_adopted_and_up_applies_only_what_follows(
    conn, tmp_path, database_url, schemactl_dir, target
):
    dbmate(database_url, write_dbmate(tmp_path / "db" / "migrations", [1, 2]), "up")
    before = snapshot(conn, "public.schema_migrations")
    assert before[1] == [("0001",), ("0002",)]

    result = invoke(["baseline", "--from", "dbmate", *target(schemactl_dir)])

    assert "baselined_from = dbmate" in result.stderr
    assert statuses(schemactl_dir, target) == [
        (1, "applied", "dbmate"),
        (2, "applied", "dbmate"),
        (3, "pending", None),
    ]
    assert snapshot(conn, "public.schema_migrations") == before
    ran = json_out(invoke(["up", "--json", *target(schemactl_dir)]))
    assert [r["version"] for r in ran["ran"]] == [3]
    assert ledger_versions(conn) == [1, 2, 3]


def test_dbmate_versions_need_not_be_contiguous(
    conn, tmp_path, database_url, schemactl_dir, target
):
    migrations = write_dbmate(tmp_path / "db" / "migrations", [1, 3])
    dbmate(database_url, migrations, "up")
    write_dbmate(migrations, [2])  # written later, never applied by dbmate

    document = json_out(invoke(["baseline", "--from", "dbmate", "--json", *target(schemactl_dir)]))

    assert document["recorded"] == [1, 3] and document["identical"] is True
    assert document["from_table"] == "public.schema_migrations"
    assert not relation_exists(conn, "orders")
    assert statuses(schemactl_dir, target) == [
        (1, "applied", "dbmate"),
        (2, "out_of_order", None),
        (3, "applied", "dbmate"),
    ]


def test_dbmate_ledger_with_a_differing_schema_is_refused_with_the_differences(
    conn, tmp_path, database_url, schemactl_dir, target
):
    dbmate(database_url, write_dbmate(tmp_path / "db" / "migrations", [1, 2]), "up")
    conn.execute("ALTER TABLE users ADD COLUMN nickname text")
    before = snapshot(conn, "public.schema_migrations")

    result = invoke(["baseline", "--from", "dbmate", *target(schemactl_dir)], ExitCode.CHECK_FAILED)

    assert "column public.users.nickname" in result.stdout
    assert "nothing recorded" in result.stderr
    assert not relation_exists(conn, LEDGER)
    assert snapshot(conn, "public.schema_migrations") == before


def test_dbmate_version_without_a_schemactl_file_is_refused(
    conn, tmp_path, database_url, migration_dir, target
):
    dbmate(database_url, write_dbmate(tmp_path / "db" / "migrations", [1, 2]), "up")
    only_users = migration_dir({"0001_users": (USERS, "DROP TABLE users;")}, name="short")

    result = invoke(["baseline", "--from", "dbmate", *target(only_users)], ExitCode.REFUSED)

    assert "records version(s) with no schemactl file" in result.stderr
    assert "short: 2" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_dbmate_given_a_version_other_than_its_newest_is_refused(
    conn, tmp_path, database_url, schemactl_dir, target
):
    dbmate(database_url, write_dbmate(tmp_path / "db" / "migrations", [1, 2]), "up")

    result = invoke(["baseline", "1", "--from", "dbmate", *target(schemactl_dir)], ExitCode.USAGE)

    assert "is at version 2, not 1" in result.stderr
    assert not relation_exists(conn, LEDGER)


# --- golang-migrate ----------------------------------------------------------------------

# database/postgres/postgres.go, ensureVersionTable.
GOLANG_MIGRATE = (
    "CREATE TABLE IF NOT EXISTS {table}"
    " (version bigint not null primary key, dirty boolean not null)"
)


def golang_migrate_at(conn, version: int, dirty: bool, table: str = "schema_migrations") -> None:
    """golang-migrate's ledger as SetVersion leaves it: truncated, one row."""
    conn.execute(GOLANG_MIGRATE.format(table=table))
    conn.execute(f"TRUNCATE {table}")
    conn.execute(f"INSERT INTO {table} (version, dirty) VALUES (%s, %s)", (version, dirty))


def test_golang_migrate_counts_every_file_up_to_its_version(conn, schemactl_dir, target):
    conn.execute(USERS)
    conn.execute(ORDERS)
    golang_migrate_at(conn, 2, dirty=False)
    before = snapshot(conn, "public.schema_migrations")

    invoke(["baseline", "--from", "golang-migrate", *target(schemactl_dir)])

    assert statuses(schemactl_dir, target) == [
        (1, "applied", "golang-migrate"),
        (2, "applied", "golang-migrate"),
        (3, "pending", None),
    ]
    assert snapshot(conn, "public.schema_migrations") == before
    ran = json_out(invoke(["up", "--json", *target(schemactl_dir)]))
    assert [r["version"] for r in ran["ran"]] == [3]


def test_golang_migrate_dirty_version_is_refused(conn, schemactl_dir, target):
    conn.execute(USERS)
    conn.execute(ORDERS)
    golang_migrate_at(conn, 2, dirty=True)

    result = invoke(
        ["baseline", "--from", "golang-migrate", *target(schemactl_dir)], ExitCode.REFUSED
    )

    assert "version 2 is dirty" in result.stderr
    assert not relation_exists(conn, LEDGER)
    assert snapshot(conn, "public.schema_migrations")[1] == [(2, True)]


def test_golang_migrate_version_without_a_file_is_refused(conn, schemactl_dir, target):
    golang_migrate_at(conn, 4, dirty=False)

    result = invoke(
        ["baseline", "--from", "golang-migrate", *target(schemactl_dir)], ExitCode.REFUSED
    )

    assert "no schemactl file" in result.stderr and ": 4" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_dbmate_named_for_golang_migrates_table_is_refused(conn, schemactl_dir, target):
    golang_migrate_at(conn, 1, dirty=False)

    result = invoke(["baseline", "--from", "dbmate", *target(schemactl_dir)], ExitCode.USAGE)

    assert "golang-migrate's dirty column" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_a_missing_ledger_table_is_a_usage_error(conn, schemactl_dir, target):
    result = invoke(["baseline", "--from", "goose", *target(schemactl_dir)], ExitCode.USAGE)

    assert "goose's ledger table goose_db_version is not in database" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_from_table_without_from_is_a_usage_error(conn, schemactl_dir, target):
    args = ["baseline", "1", "--from-table", "x", *target(schemactl_dir)]

    assert "--from-table goes with --from" in invoke(args, ExitCode.USAGE).stderr
    assert not relation_exists(conn, LEDGER)


def test_from_table_that_is_not_a_name_is_a_usage_error(conn, schemactl_dir, target):
    args = ["baseline", "--from", "goose", "--from-table", "a.b.c.d", *target(schemactl_dir)]

    assert "--from-table 'a.b.c.d' is not a table name" in invoke(args, ExitCode.USAGE).stderr
    assert not relation_exists(conn, LEDGER)


def test_an_unknown_tool_is_a_usage_error(conn, schemactl_dir, target):
    result = invoke(["baseline", "--from", "liquibase", *target(schemactl_dir)], ExitCode.USAGE)

    assert "cannot read the ledger of 'liquibase'" in result.stderr


# --- Flyway ------------------------------------------------------------------------------

# flyway-database-postgresql, PostgreSQLDatabase.getRawCreateScript.
FLYWAY = """
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history"
    ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
"""

FLYWAY_ROW = (
    'INSERT INTO "public"."flyway_schema_history" (installed_rank, version, description, type,'
    " script, checksum, installed_by, execution_time, success)"
    " VALUES (%s, %s, %s, %s, %s, %s, 'postgres', %s, %s)"
)


def flyway(conn, *rows: tuple) -> None:
    conn.execute(FLYWAY)
    for row in rows:
        conn.execute(FLYWAY_ROW, row)


BASELINE_1 = (1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", None, 0, True)
V2 = (2, "2", "orders", "SQL", "V2__orders.sql", 1083947352, 12, True)


def test_flyway_baseline_and_versioned_rows_are_adopted(conn, schemactl_dir, target):
    conn.execute(USERS)
    conn.execute(ORDERS)
    flyway(conn, BASELINE_1, V2)
    before = snapshot(conn, "public.flyway_schema_history")

    invoke(["baseline", "--from", "flyway", *target(schemactl_dir)])

    assert statuses(schemactl_dir, target) == [
        (1, "applied", "flyway"),
        (2, "applied", "flyway"),
        (3, "pending", None),
    ]
    assert snapshot(conn, "public.flyway_schema_history") == before


def test_flyway_schema_and_delete_rows_are_its_own_bookkeeping(conn, schemactl_dir, target):
    conn.execute(USERS)
    schema = (1, "0", "<< Flyway Schema Creation >>", "SCHEMA", '"public"', None, 0, True)
    v1 = (2, "1", "users", "SQL", "V1__users.sql", 551234, 9, True)
    # V2 ran, then 'flyway repair' marked it deleted once its file was gone.
    deleted = (4, "2", "orders", "DELETE", "V2__orders.sql", None, 0, True)
    flyway(conn, schema, v1, (3, *V2[1:]), deleted)

    document = json_out(invoke(["baseline", "--from", "flyway", "--json", *target(schemactl_dir)]))

    assert document["recorded"] == [1] and document["source"] == "flyway"


def test_flyway_failed_row_is_refused(conn, schemactl_dir, target):
    conn.execute(USERS)
    flyway(conn, BASELINE_1, (2, "2", "orders", "SQL", "V2__orders.sql", 1083947352, 3, False))

    result = invoke(["baseline", "--from", "flyway", *target(schemactl_dir)], ExitCode.REFUSED)

    assert "version 2 (V2__orders.sql, rank 2) failed" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_flyway_repeatable_row_is_refused_by_name(conn, schemactl_dir, target):
    conn.execute(USERS)
    conn.execute(ORDERS)
    repeatable = (3, None, "views", "SQL", "R__views.sql", -17823, 5, True)
    flyway(conn, BASELINE_1, V2, repeatable)

    result = invoke(["baseline", "--from", "flyway", *target(schemactl_dir)], ExitCode.REFUSED)

    assert "R__views.sql is a repeatable migration" in result.stderr
    assert not relation_exists(conn, LEDGER)


def test_flyway_dotted_version_is_refused(conn, schemactl_dir, target):
    conn.execute(USERS)
    flyway(conn, BASELINE_1, (2, "1.1", "tweak", "SQL", "V1_1__tweak.sql", 77, 3, True))

    result = invoke(["baseline", "--from", "flyway", *target(schemactl_dir)], ExitCode.REFUSED)

    assert "version '1.1' is not a whole number" in result.stderr
    assert not relation_exists(conn, LEDGER)


# --- goose -------------------------------------------------------------------------------

# internal/dialects/postgres.go, CreateTable.
GOOSE = """
CREATE TABLE {table} (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NOT NULL DEFAULT now()
)
"""


def goose(conn, table: str, *versions: tuple[int, bool]) -> None:
    """goose's table as it creates it (with its version 0 row), then one row per step."""
    conn.execute(GOOSE.format(table=table))
    for version, applied in [(0, True), *versions]:
        conn.execute(
            f"INSERT INTO {table} (version_id, is_applied) VALUES (%s, %s)", (version, applied)
        )


def test_goose_latest_row_decides_and_from_table_names_the_table(conn, schemactl_dir, target):
    conn.execute("CREATE SCHEMA ops")
    conn.execute(USERS)
    conn.execute(ITEMS)
    # 2 applied, then rolled back by an older goose (a row with is_applied false).
    goose(conn, "ops.goose_versions", (1, True), (2, True), (3, True), (2, False))
    before = snapshot(conn, "ops.goose_versions")

    result = invoke(
        [
            "baseline",
            "--from",
            "goose",
            "--from-table",
            "ops.goose_versions",
            "--json",
            *target(schemactl_dir),
        ]
    )

    document = json_out(result)
    assert document["recorded"] == [1, 3] and document["from_table"] == "ops.goose_versions"
    assert statuses(schemactl_dir, target) == [
        (1, "applied", "goose"),
        (2, "out_of_order", None),
        (3, "applied", "goose"),
    ]
    assert snapshot(conn, "ops.goose_versions") == before


def test_goose_with_a_differing_schema_is_refused_and_force_records_it(conn, schemactl_dir, target):
    conn.execute(USERS)
    goose(conn, "goose_db_version", (1, True), (2, True))

    refused = invoke(["baseline", "--from", "goose", *target(schemactl_dir)], ExitCode.CHECK_FAILED)

    assert "table public.orders" in refused.stdout
    assert not relation_exists(conn, LEDGER)

    forced = invoke(["baseline", "--from", "goose", "--force", *target(schemactl_dir)])

    assert "WITHOUT proof" in forced.stderr
    assert statuses(schemactl_dir, target)[:2] == [
        (1, "applied", "goose"),
        (2, "applied", "goose"),
    ]
