"""``schemactl up``: applying in numeric order, the ledger row, --to, --dry-run, --json."""

from __future__ import annotations

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists

USERS = ("CREATE TABLE users (id int PRIMARY KEY);", "DROP TABLE users;")
ORDERS = ("CREATE TABLE orders (id int PRIMARY KEY);", "DROP TABLE orders;")
ITEMS = ("CREATE TABLE items (id int PRIMARY KEY);", "DROP TABLE items;")


def test_up_applies_pending_migrations_and_records_each(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})

    result = invoke(["up", *target(directory)])

    assert relation_exists(conn, "users") and relation_exists(conn, "orders")
    assert ledger_versions(conn) == [1, 2]
    assert "applied 1 users" in result.stderr
    assert "applied 2 migration(s)" in result.stderr


def test_up_orders_versions_numerically_not_as_text(conn, migration_dir, target):
    # "10" sorts before "9" as text; the second migration needs the first one's table.
    directory = migration_dir(
        {
            "9_base": ("CREATE TABLE base (id int);", "DROP TABLE base;"),
            "10_child": ("CREATE TABLE child (id int) INHERITS (base);", "DROP TABLE child;"),
        }
    )

    invoke(["up", *target(directory)])

    assert ledger_versions(conn) == [9, 10]


def test_ledger_row_records_name_checksums_author_time_and_clean_state(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})

    invoke(["up", *target(directory)])
    status = json_out(invoke(["status", "--json", *target(directory)]))

    row = conn.execute(
        "SELECT version, name, checksum, down_checksum, applied_at IS NOT NULL, applied_by,"
        " execution_ms >= 0, dirty, statements_done FROM public.schemactl_migrations"
    ).fetchone()
    version, name, checksum, down_checksum, has_time, applied_by, timed, dirty, done = row
    assert (version, name, has_time, applied_by, timed, dirty, done) == (
        1, "users", True, "postgres", True, False, None,
    )  # fmt: skip
    assert checksum == status["migrations"][0]["file_checksum"]
    assert len(down_checksum) == 64 and down_checksum != checksum


def test_second_up_has_nothing_to_do(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    invoke(["up", *target(directory)])

    result = invoke(["up", "--json", *target(directory)])

    assert json_out(result) == {"direction": "up", "dry_run": False, "planned": [], "ran": []}
    assert "nothing to do" in result.stderr


def test_up_json_reports_plan_and_what_ran(migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})

    report = json_out(invoke(["up", "--json", *target(directory)]))

    assert report["direction"] == "up" and report["dry_run"] is False
    assert report["planned"] == [
        {"version": 1, "name": "users"},
        {"version": 2, "name": "orders"},
    ]
    assert [(r["version"], r["name"]) for r in report["ran"]] == [(1, "users"), (2, "orders")]


def test_up_to_stops_at_the_given_version(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS, "0003_items": ITEMS})

    invoke(["up", "--to", "2", *target(directory)])

    assert ledger_versions(conn) == [1, 2]
    assert not relation_exists(conn, "items")


def test_dry_run_prints_sql_and_creates_nothing_not_even_the_ledger(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS, "0002_orders": ORDERS})

    result = invoke(["up", "--dry-run", *target(directory)])

    assert "CREATE TABLE users (id int PRIMARY KEY);" in result.stdout
    assert "-- up 2 orders (0002_orders.up.sql, one transaction)" in result.stdout
    assert "dry run" in result.stderr
    assert not relation_exists(conn, "users")
    assert not relation_exists(conn, "public.schemactl_migrations")


def test_dry_run_names_the_locks_each_statement_takes_on_existing_tables(
    conn, migration_dir, target
):
    directory = migration_dir(
        {
            "0001_users": USERS,
            "0002_email": (
                """
                CREATE TABLE audit (id int);
                CREATE INDEX audit_id ON audit (id);
                ALTER TABLE users ADD COLUMN email text;
                CREATE INDEX users_email ON users (email);
                """,
                "DROP TABLE audit;\nALTER TABLE users DROP COLUMN email;",
            ),
        }
    )

    lines = invoke(["up", "--dry-run", *target(directory)]).stdout.splitlines()

    locks = [line for line in lines if line.startswith("-- locks")]
    assert [line.split(" (")[0] for line in locks] == [
        "-- locks users: ACCESS EXCLUSIVE",
        "-- locks users: SHARE",
    ]
    # Each stands just above its statement; a table the same file made is nobody else's yet.
    assert lines[lines.index(locks[0]) + 1] == "ALTER TABLE users ADD COLUMN email text;"
    assert lines[lines.index(locks[1]) + 1] == "CREATE INDEX users_email ON users (email);"


def test_dry_run_json_lists_the_plan_and_runs_nothing(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})

    report = json_out(invoke(["up", "--dry-run", "--json", *target(directory)]))

    assert report == {
        "direction": "up",
        "dry_run": True,
        "planned": [{"version": 1, "name": "users"}],
        "ran": [],
    }
    assert not relation_exists(conn, "public.schemactl_migrations")


def test_quiet_silences_progress_but_not_data(migration_dir, target):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", "--quiet", "--json", *target(directory)])

    assert result.stderr == ""
    assert json_out(result)["ran"][0]["version"] == 1


def test_odd_ledger_table_name_is_quoted_safely(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})
    odd = ["--ledger-table", "odd schema.ledger-x"]

    invoke(["up", *odd, *target(directory)])
    status = json_out(invoke(["status", "--json", *odd, *target(directory)]))

    assert ledger_versions(conn, '"odd schema"."ledger-x"') == [1]
    assert not relation_exists(conn, "public.schemactl_migrations")
    assert status["ledger_table"] == "odd schema.ledger-x"
    assert [m["state"] for m in status["migrations"]] == ["applied"]
    invoke(["down", *odd, *target(directory)])
    assert ledger_versions(conn, '"odd schema"."ledger-x"') == []


def test_ledger_table_name_with_too_many_parts_is_a_usage_error(conn, migration_dir, target):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["up", "--ledger-table", "a.b.c", *target(directory)], ExitCode.USAGE)

    assert "invalid ledger table name 'a.b.c'" in result.stderr
    assert not relation_exists(conn, "users")


def test_connection_string_in_key_value_form_works(conn, migration_dir, database_url):
    info = conn.info
    dsn = f"host={info.host} port={info.port} user={info.user} dbname={info.dbname}"
    directory = migration_dir({"0001_users": USERS})

    invoke(["up", "--dir", directory, "--database-url", dsn])

    assert ledger_versions(conn) == [1]


def test_dry_run_prints_sql_verbatim_even_where_it_looks_like_a_password(migration_dir, target):
    up = "CREATE TABLE u (password text);\nUPDATE u SET password = NULL WHERE password=' x';\n"
    directory = migration_dir({"0001_users": (up, "DROP TABLE u;")})

    result = invoke(["up", "--dry-run", *target(directory)])

    assert "UPDATE u SET password = NULL WHERE password=' x';" in result.stdout


def test_ledger_table_naming_an_unrelated_table_is_a_config_error(conn, migration_dir, target):
    conn.execute("CREATE TABLE app_users (id int)")
    directory = migration_dir({"0001_users": USERS})

    for command in (["status"], ["up"], ["up", "--dry-run"]):
        result = invoke([*command, "--ledger-table", "app_users", *target(directory)],
                        ExitCode.USAGE)  # fmt: skip
        assert "public.app_users exists but is not a schemactl ledger table" in result.stderr
    assert not relation_exists(conn, "users")
