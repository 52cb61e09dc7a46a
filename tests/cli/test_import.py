"""``schemactl import``: another tool's directory becomes schemactl files that apply to the
same schema as the original, roll back, and are refused whole, at the source file and line,
when something cannot be converted."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out
from tests.conftest import url_for

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
TOOLS = ("golang-migrate", "dbmate", "flyway", "goose")


def up_sections(tool: str) -> list[str]:
    """The up SQL of each fixture migration in the tool's order, read as simply as the tool's
    documentation describes its files (independently of the importer)."""
    directory = FIXTURES / tool
    number = re.compile(r"[0-9]+")

    def version(path: Path) -> int:
        return int(number.search(path.name).group())  # type: ignore[union-attr]

    if tool == "golang-migrate":
        return [p.read_text() for p in sorted(directory.glob("*.up.sql"), key=version)]
    if tool == "flyway":
        return [p.read_text() for p in sorted(directory.glob("V*.sql"), key=version)]
    marker = "-- migrate:down" if tool == "dbmate" else "-- +goose Down"
    return [p.read_text().split(marker)[0] for p in sorted(directory.glob("*.sql"), key=version)]


def psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
    )


def schema(url: str) -> str:
    """The database's schema as pg_dump writes it, schemactl's ledger left out."""
    dump = subprocess.run(
        [
            "pg_dump",
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--exclude-table=public.schemactl_migrations",
            "-d",
            url,
        ],
        text=True,
        check=True,
        capture_output=True,
    ).stdout
    # pg_dump's \restrict lines carry a random key each run.
    return "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))


def nothing_beside(target: Path) -> None:
    """No staging directory was left next to the target."""
    assert [p.name for p in target.parent.iterdir() if ".import-" in p.name] == []


def run(directory: Path, url: str, *args: str, expect: ExitCode = ExitCode.OK) -> str:
    return invoke([*args, "--dir", directory, "--database-url", url], expect).stderr


@pytest.mark.parametrize("tool", TOOLS)
def test_imported_directory_applies_as_the_original_and_rolls_back(
    tool, tmp_path, database_url, make_database
):
    target = tmp_path / "migrations"
    invoke(["import", "--from", tool, FIXTURES / tool, "--dir", target])
    versions = sorted(int(p.name.split("_")[0]) for p in target.glob("*.up.sql"))
    empty = url_for(make_database())

    # Everything but the last migration, which has no down, rolls back to nothing.
    run(target, database_url, "up", "--to", str(versions[-2]))
    run(target, database_url, "down", "--all", "--yes")
    assert schema(database_url) == schema(empty)

    run(target, database_url, "up")
    original = url_for(make_database())
    for sql in up_sections(tool):
        psql(original, sql)
    assert schema(database_url) == schema(original)
    assert "legacy_ref" not in schema(database_url)

    refused = run(target, database_url, "down", "--all", "--yes", expect=ExitCode.REFUSED)
    assert "irreversible" in refused
    nothing_beside(target)


@pytest.mark.parametrize(
    ("tool", "index_up", "index_down", "last_up"),
    [
        (
            "golang-migrate",
            "20240201120000_index_orders_by_customer.up.sql",
            "20240201120000_index_orders_by_customer.down.sql",
            "20240215170000_drop_legacy_ref.up.sql",
        ),
        (
            "dbmate",
            "20240201120000_index_orders_by_customer.up.sql",
            "20240201120000_index_orders_by_customer.down.sql",
            "20240215170000_drop_legacy_ref.up.sql",
        ),
        (
            "flyway",
            "0004_index_orders_by_customer.up.sql",
            "0004_index_orders_by_customer.down.sql",
            "0005_drop_legacy_ref.up.sql",
        ),
        (
            "goose",
            "0004_index_orders_by_customer.up.sql",
            "0004_index_orders_by_customer.down.sql",
            "0005_drop_legacy_ref.up.sql",
        ),
    ],
)
def test_import_writes_directives_and_keeps_versions(tool, index_up, index_down, last_up, tmp_path):
    target = tmp_path / "migrations"

    result = invoke(["import", "--from", tool, FIXTURES / tool, "--dir", target])

    assert (target / index_up).read_text().startswith("-- schemactl:no-transaction\n")
    assert (target / index_down).read_text().startswith("-- schemactl:no-transaction\n")
    assert (target / last_up).read_text().startswith("-- schemactl:irreversible\n")
    assert not (target / last_up.replace(".up.", ".down.")).exists()
    assert f"-> {target / index_up}" in result.stdout
    assert "-- schemactl:no-transaction (" in result.stdout
    assert "declared irreversible" in result.stdout
    assert f"schemactl baseline --from {tool} --dir {target}" in result.stderr


def test_goose_annotations_are_dropped_and_the_function_body_kept_whole(tmp_path):
    target = tmp_path / "migrations"

    invoke(["import", "--from", "goose", FIXTURES / "goose", "--dir", target])

    up = (target / "0003_touch_updated_at.up.sql").read_text()
    assert "+goose" not in up
    assert up.startswith("CREATE FUNCTION touch_updated_at()")
    assert "    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$;\n" in up


def test_goose_block_comments_and_blocks_of_several_statements_apply_as_goose_runs_them(
    tmp_path, database_url, make_database
):
    source = tmp_path / "source"
    source.mkdir()
    (source / "1_a.sql").write_text(
        textwrap.dedent(
            """\
            -- +goose Up
            /* the table the trigger guards */
            CREATE TABLE a (id int, n int);

            -- +goose Down
            DROP TABLE a;
            """
        )
    )
    (source / "2_guard.sql").write_text(
        textwrap.dedent(
            """\
            -- +goose Up
            -- +goose StatementBegin
            CREATE FUNCTION keep_n() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.n := coalesce(NEW.n, 0);
                RETURN NEW;
            END;
            $$;

            CREATE TRIGGER a_keep_n BEFORE INSERT ON a
                FOR EACH ROW EXECUTE FUNCTION keep_n();
            -- +goose StatementEnd

            -- +goose Down
            -- +goose StatementBegin
            DROP TRIGGER IF EXISTS a_keep_n ON a;

            DROP FUNCTION IF EXISTS keep_n();
            -- +goose StatementEnd
            """
        )
    )
    target = tmp_path / "migrations"

    invoke(["import", "--from", "goose", source, "--dir", target])

    run(target, database_url, "up")
    original = url_for(make_database())
    for path in sorted(source.glob("*.sql")):
        psql(original, path.read_text().split("-- +goose Down")[0])
    assert "keep_n" in schema(database_url)
    assert schema(database_url) == schema(original)
    run(target, database_url, "down", "--yes")
    assert "keep_n" not in schema(database_url)


def test_dbmate_sections_become_two_files(tmp_path):
    target = tmp_path / "migrations"

    result = invoke(["import", "--from", "dbmate", FIXTURES / "dbmate", "--dir", target])

    assert (target / "20240105093000_create_customers.down.sql").read_text() == (
        "DROP TABLE customers;\n"
    )
    assert "20240105093000_create_customers.sql (down) -> " in result.stdout


def test_import_json(tmp_path):
    target = tmp_path / "migrations"

    document = json_out(
        invoke(["import", "--from", "flyway", FIXTURES / "flyway", "--dir", target, "--json"])
    )

    assert document["tool"] == "flyway"
    assert document["written"] is True
    assert document["next"] == f"schemactl baseline --from flyway --dir {target}"
    first, *_, index, last = document["migrations"]
    assert first["version"] == 1 and first["name"] == "create_customers"
    assert first["up"] == {
        "source": str(FIXTURES / "flyway" / "V1__Create_customers.sql"),
        "file": "0001_create_customers.up.sql",
        "directives": [],
    }
    assert index["down"]["directives"] == ["no-transaction"]
    assert last["down"] is None
    assert last["up"]["directives"] == ["irreversible"]


def test_importing_again_into_the_same_files_has_nothing_to_do(tmp_path):
    target = tmp_path / "migrations"
    invoke(["import", "--from", "goose", FIXTURES / "goose", "--dir", target])
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    result = invoke(["import", "--from", "goose", FIXTURES / "goose", "--dir", target])

    assert "nothing to do" in result.stderr
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_import_into_an_empty_directory(tmp_path):
    target = tmp_path / "migrations"
    target.mkdir()

    invoke(["import", "--from", "dbmate", FIXTURES / "dbmate", "--dir", target])

    assert len(list(target.glob("*.up.sql"))) == 5
    nothing_beside(target)


def test_import_uses_the_configured_directory(tmp_path):
    (tmp_path / "schemactl.toml").write_text('dir = "db/migrations"\n')

    invoke(["import", "--from", "goose", FIXTURES / "goose"])

    assert (tmp_path / "db" / "migrations" / "0001_create_customers.up.sql").is_file()


def test_import_refuses_a_target_with_other_files(tmp_path):
    target = tmp_path / "migrations"
    target.mkdir()
    (target / "0001_mine.up.sql").write_text("SELECT 1;\n")

    result = invoke(
        ["import", "--from", "goose", FIXTURES / "goose", "--dir", target], ExitCode.USAGE
    )

    assert f"{target} is not empty" in result.stderr
    assert [p.name for p in target.iterdir()] == ["0001_mine.up.sql"]
    nothing_beside(target)


def test_import_refuses_an_unknown_tool_and_a_missing_source(tmp_path):
    unknown = invoke(["import", "--from", "sqitch", tmp_path], ExitCode.USAGE)
    missing = invoke(["import", "--from", "goose", tmp_path / "nowhere"], ExitCode.USAGE)

    assert "unknown migration tool 'sqitch'" in unknown.stderr
    assert "nowhere is not a directory" in missing.stderr
    assert not (tmp_path / "migrations").exists()


# Each refusal: the tool, its files, where the message must point, and what it must say.
REFUSALS = [
    pytest.param(
        "golang-migrate",
        {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;", "01_b.up.sql": "SELECT 2;"},
        "01_b.up.sql",
        "version 1 is claimed by more than one file (01_b.up.sql, 1_a.up.sql)",
        id="golang-migrate-collision",
    ),
    pytest.param(
        "golang-migrate",
        {"1_a.up.sql": "SELECT 1;", "2_b.down.sql": "SELECT 2;"},
        "2_b.down.sql",
        "down file without an up file for version 2",
        id="golang-migrate-down-without-up",
    ),
    pytest.param(
        "golang-migrate",
        {"99999999999999999999_a.up.sql": "SELECT 1;"},
        "99999999999999999999_a.up.sql",
        "beyond the largest schemactl's ledger records",
        id="golang-migrate-version-too-large",
    ),
    pytest.param(
        "golang-migrate",
        {"1_load.up.sql": "CREATE TABLE t (id int);\n\nCOPY t FROM STDIN;\n"},
        "1_load.up.sql:3",
        "COPY ... FROM STDIN or TO STDOUT in a migration",
        id="golang-migrate-validation-at-source",
    ),
    pytest.param(
        "dbmate",
        {
            "1_a.sql": """\
                -- migrate:up
                SELECT 1;
                -- migrate:down
                SELECT 1;
                -- migrate:up
                SELECT 2;
                -- migrate:down
                SELECT 2;
                """
        },
        "1_a.sql:5",
        "a second '-- migrate:up' section",
        id="dbmate-two-sections",
    ),
    pytest.param(
        "dbmate",
        {"1_a.sql": "-- migrate:up\nSELECT 1;\n"},
        "1_a.sql",
        "no '-- migrate:down' line",
        id="dbmate-no-down-marker",
    ),
    pytest.param(
        "dbmate",
        {"1_a.sql": "CREATE TYPE t AS ENUM ('a');\n-- migrate:up\nSELECT 1;\n-- migrate:down\n"},
        "1_a.sql:1",
        "a statement before '-- migrate:up'",
        id="dbmate-statement-before-up",
    ),
    pytest.param(
        "dbmate",
        {"1_a.sql": "-- migrate:up transaction:flase\nSELECT 1;\n-- migrate:down\n"},
        "1_a.sql:1",
        "unknown option 'transaction:flase'",
        id="dbmate-unknown-option",
    ),
    pytest.param(
        "dbmate",
        {
            "9_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
            "10_b.sql": "-- migrate:up\nSELECT 2;\n-- migrate:down\nSELECT 2;\n",
        },
        "9_a.sql",
        "dbmate applies 9_a.sql after 10_b.sql",
        id="dbmate-name-order-differs",
    ),
    pytest.param(
        "dbmate",
        {"1_a.sql": "-- migrate:up\nCREATE TABLE t (id int);\nCOPY t FROM STDIN;\n-- migrate:down"},
        "1_a.sql:3",
        "COPY ... FROM STDIN or TO STDOUT in a migration",
        id="dbmate-validation-at-source-line",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1;"},
        "R__views.sql",
        "a repeatable migration",
        id="flyway-repeatable",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "V1.1__more.sql": "SELECT 2;"},
        "V1.1__more.sql",
        "version 1.1 has parts",
        id="flyway-dotted-version",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "V2_1__more.sql": "SELECT 2;"},
        "V2_1__more.sql",
        "version 2_1 has parts",
        id="flyway-underscored-version",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "CREATE TABLE users (id int);\nGRANT SELECT ON users TO ${reader};\n"},
        "V1__users.sql:2",
        "Flyway placeholder ${reader}",
        id="flyway-placeholder",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "U2__orders.sql": "SELECT 2;"},
        "U2__orders.sql",
        "undo migration without a versioned migration 2",
        id="flyway-undo-without-versioned",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "afterMigrate.sql": "SELECT 2;"},
        "afterMigrate.sql",
        "not named like a Flyway migration",
        id="flyway-callback",
    ),
    pytest.param(
        "flyway",
        {"V1__users.sql": "SELECT 1;", "V1__users.sql.conf": "shouldExecute=false\n"},
        "V1__users.sql.conf:1",
        "script setting 'shouldExecute' has no schemactl equivalent",
        id="flyway-script-setting",
    ),
    pytest.param(
        "goose",
        {"1_a.sql": "-- +goose Up\n-- +goose ENVSUB ON\nCREATE SCHEMA ${APP_SCHEMA};\n"},
        "1_a.sql:2",
        "'-- +goose ENVSUB ON'",
        id="goose-envsub",
    ),
    pytest.param(
        "goose",
        {"1_a.sql": "-- +goose Up\nSELECT 1;\n", "2_backfill.go": "package migrations\n"},
        "2_backfill.go",
        "a Go migration",
        id="goose-go-migration",
    ),
    pytest.param(
        "goose",
        {
            "1_f.sql": """\
                -- +goose Up
                CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
                BEGIN
                    RETURN 1;
                END;
                $$;
                """
        },
        "1_f.sql:4",
        "goose reads 3 statements in the Up section and schemactl 1: goose ends a statement "
        "at this line",
        id="goose-body-without-statement-begin",
    ),
    pytest.param(
        "goose",
        {"1_a.sql": "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n"},
        "1_a.sql:2",
        "'-- +goose StatementBegin' without its StatementEnd",
        id="goose-unended-statement-begin",
    ),
    pytest.param(
        "goose",
        {"1_a.sql": "SELECT 1;\n"},
        "1_a.sql:1",
        "SQL before '-- +goose Up'",
        id="goose-no-up",
    ),
]


@pytest.mark.parametrize(("tool", "files", "where", "says"), REFUSALS)
def test_import_refuses_whole_naming_the_source_file(tool, files, where, says, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name, text in files.items():
        (source / name).write_text(textwrap.dedent(text))
    target = tmp_path / "migrations"

    result = invoke(["import", "--from", tool, source, "--dir", target], ExitCode.USAGE)

    assert f"{source / where}" in result.stderr
    assert says in result.stderr
    assert f"cannot import {source}" in result.stderr
    assert not target.exists()
    nothing_beside(target)


def test_import_refusal_as_json_lists_each_problem(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "R__views.sql").write_text("SELECT 1;\n")
    (source / "V1.1__x.sql").write_text("SELECT 1;\n")

    result = invoke(
        ["import", "--from", "flyway", source, "--json", "--dir", tmp_path / "m"],
        ExitCode.USAGE,
    )

    problems = json_out(result)["error"]["problems"]
    assert [Path(p["file"]).name for p in problems] == ["R__views.sql", "V1.1__x.sql"]


def test_golang_migrate_wrapped_file_is_kept_as_written(tmp_path, database_url):
    # golang-migrate's usual form wraps a file in BEGIN; ... COMMIT;. schemactl runs such a
    # file as one transactional migration, so the import keeps it byte for byte.
    source = tmp_path / "source"
    source.mkdir()
    up = "BEGIN;\nCREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\nCOMMIT;\n"
    (source / "1_t.up.sql").write_text(up)
    (source / "1_t.down.sql").write_text("BEGIN;\nDROP TABLE t;\nCOMMIT;\n")
    target = tmp_path / "migrations"

    invoke(["import", "--from", "golang-migrate", source, "--dir", target])
    run(target, database_url, "up")
    run(target, database_url, "down", "--all", "--yes")

    assert (target / "0001_t.up.sql").read_text() == up
