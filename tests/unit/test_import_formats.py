"""Each tool's reader for ``import``, and the files the shared writer makes of what it read."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from schemactl.adopt.formats import dbmate, flyway, golang_migrate, goose
from schemactl.adopt.formats.model import Imported, schemactl_name
from schemactl.adopt.formats.target import render
from schemactl.errors import FileProblem


def read(
    module: ModuleType, tmp_path: Path, files: dict[str, str]
) -> tuple[list[Imported], list[FileProblem], list[Path]]:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    problems: list[FileProblem] = []
    skipped: list[Path] = []
    return module.read(tmp_path, problems, skipped), problems, skipped


def messages(problems: list[FileProblem]) -> list[tuple[str, int | None, str]]:
    return [(p.path.name, p.line, p.message) for p in problems]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("create_users", "create_users"),
        ("CreateUsers", "create_users"),
        ("Add  e-mail index", "add_e_mail_index"),
        ("créer_table", "creer_table"),
        ("v2.1 fix", "v2_1_fix"),
        ("!!!", "migration"),
        ("", "migration"),
    ],
)
def test_names_become_lower_snake_case(raw, name):
    assert schemactl_name(raw) == name


# golang-migrate


def test_golang_migrate_pairs_by_version_and_takes_the_up_title(tmp_path):
    migrations, problems, skipped = read(
        golang_migrate,
        tmp_path,
        {
            "0002_AddEmail.up.sql": "ALTER TABLE users ADD email text;\n",
            "0002_add_email_column.down.sql": "ALTER TABLE users DROP email;\n",
            "0001_users.up.sql": "CREATE TABLE users (id int);\n",
            "0001_users.down.sql": "DROP TABLE users;\n",
            "schema.sql": "CREATE TABLE users (id int);\n",
        },
    )

    assert problems == []
    assert [(m.version, m.name) for m in migrations] == [(1, "users"), (2, "add_email")]
    assert migrations[1].notes == ("name 'AddEmail' written as add_email",)
    assert [p.name for p in skipped] == ["schema.sql"]


def test_golang_migrate_comment_only_down_is_irreversible(tmp_path):
    migrations, problems, _ = read(
        golang_migrate,
        tmp_path,
        {"1_drop.up.sql": "DROP TABLE old;\n", "1_drop.down.sql": "-- irreversible\n"},
    )

    assert problems == []
    assert migrations[0].down is None
    assert migrations[0].notes == ("1_drop.down.sql has no statements: declared irreversible",)


def test_golang_migrate_infers_no_transaction_from_a_concurrent_index(tmp_path):
    migrations, _, _ = read(
        golang_migrate,
        tmp_path,
        {
            "1_i.up.sql": "CREATE INDEX CONCURRENTLY i ON t (a);\n",
            "1_i.down.sql": "DROP INDEX i;\n",
        },
    )

    assert migrations[0].up.no_transaction == (
        "CREATE INDEX CONCURRENTLY runs outside a transaction"
    )
    assert migrations[0].down is not None and migrations[0].down.no_transaction is None


def test_golang_migrate_refuses_a_migration_in_another_language(tmp_path):
    _, problems, _ = read(golang_migrate, tmp_path, {"1_users.up.json": "{}"})

    assert messages(problems)[0][:2] == ("1_users.up.json", None)
    assert "a migration in .json, not SQL" in problems[0].message


def test_golang_migrate_refuses_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "1_a.up.sql").write_bytes(b"SELECT 1;\nSELECT '\xe9';\n")
    problems: list[FileProblem] = []

    golang_migrate.read(tmp_path, problems, [])

    assert messages(problems)[0][:2] == ("1_a.up.sql", 2)


# dbmate


def test_dbmate_sections_keep_their_source_lines(tmp_path):
    migrations, problems, _ = read(
        dbmate,
        tmp_path,
        {
            "20240101000000_users.sql": """\
                -- The users table.
                -- migrate:up
                CREATE TABLE users (id int);

                -- migrate:down transaction:false
                DROP TABLE users;
                """
        },
    )

    assert problems == []
    (m,) = migrations
    assert (m.version, m.name) == (20240101000000, "users")
    assert m.up.lines[0] == "CREATE TABLE users (id int);"
    assert m.up.origins[0] == 3
    assert m.up.no_transaction is None
    assert m.down is not None and m.down.origins[0] == 6
    assert m.down.no_transaction == "transaction:false on the '-- migrate:down' line"


def test_dbmate_refuses_down_before_up(tmp_path):
    _, problems, _ = read(
        dbmate, tmp_path, {"1_a.sql": "-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n"}
    )

    assert ("1_a.sql", 1) in [m[:2] for m in messages(problems)]
    assert "comes before '-- migrate:up'" in problems[0].message


def test_dbmate_reads_only_files_that_start_with_digits(tmp_path):
    migrations, problems, skipped = read(
        dbmate,
        tmp_path,
        {"1_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n", "seed.sql": "SELECT 1;\n"},
    )

    assert problems == []
    assert len(migrations) == 1 and migrations[0].down is None
    assert [p.name for p in skipped] == ["seed.sql"]


# Flyway


def test_flyway_pairs_undo_files_and_reads_descriptions(tmp_path):
    migrations, problems, _ = read(
        flyway,
        tmp_path,
        {
            "V1__Create_users.sql": "CREATE TABLE users (id int);\n",
            "U1__Create_users.sql": "DROP TABLE users;\n",
            "V2__Seed.sql": "INSERT INTO users VALUES (1);\n",
        },
    )

    assert problems == []
    assert [(m.version, m.name) for m in migrations] == [(1, "create_users"), (2, "seed")]
    assert migrations[0].down is not None
    assert migrations[0].down.source.name == "U1__Create_users.sql"
    assert migrations[1].down is None
    assert migrations[1].notes == ("no undo migration: declared irreversible",)


def test_flyway_script_configuration(tmp_path):
    migrations, problems, _ = read(
        flyway,
        tmp_path,
        {
            "V1__a.sql": "CREATE INDEX CONCURRENTLY i ON t (a);\n",
            "V2__b.sql": "VACUUM t;\n",
            "V2__b.sql.conf": "# by hand\nexecuteInTransaction=false\n",
            "V3__c.sql": "SELECT '${not_a_placeholder}';\n",
            "V3__c.sql.conf": "placeholderReplacement=false\n",
        },
    )

    assert problems == []
    first, second, third = migrations
    assert first.up.no_transaction == (
        "CREATE INDEX CONCURRENTLY: Flyway runs such a script outside a transaction"
    )
    assert second.up.no_transaction == "executeInTransaction=false in V2__b.sql.conf"
    assert third.up.no_transaction is None


def test_flyway_versions_equal_as_numbers_collide(tmp_path):
    _, problems, _ = read(flyway, tmp_path, {"V1__a.sql": "SELECT 1;", "V01__b.sql": "SELECT 2;"})

    assert sorted(m[0] for m in messages(problems)) == ["V01__b.sql", "V1__a.sql"]


def test_flyway_names_every_placeholder_line(tmp_path):
    _, problems, _ = read(
        flyway,
        tmp_path,
        {"V1__a.sql": "SELECT '${a}';\nSELECT 1;\nSELECT '${b}', '${c}';\n"},
    )

    assert [m[1] for m in messages(problems)] == [1, 3]
    assert "${b}, ${c}" in problems[1].message


# goose


GOOSE_FUNCTION = """\
    -- +goose Up
    -- +goose StatementBegin
    CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
    BEGIN
        RETURN 1;
    END;
    $$;
    -- +goose StatementEnd
    SELECT f();

    -- +goose Down
    DROP FUNCTION f();
    """


def test_goose_drops_annotations_and_keeps_lines(tmp_path):
    migrations, problems, _ = read(goose, tmp_path, {"00001_f.sql": GOOSE_FUNCTION})

    assert problems == []
    (m,) = migrations
    assert m.version == 1
    assert not any("+goose" in line for line in m.up.lines)
    assert m.up.origins[:2] == (3, 4)
    assert m.down is not None and m.down.lines[0] == "DROP FUNCTION f();"


def test_goose_no_transaction_covers_both_sides_and_annotations_ignore_case(tmp_path):
    migrations, problems, _ = read(
        goose,
        tmp_path,
        {
            "2_i.sql": """\
                -- +goose up
                -- +goose no transaction
                -- +goose envsub off
                CREATE INDEX CONCURRENTLY i ON t (a);
                -- +goose down
                DROP INDEX CONCURRENTLY i;
                """
        },
    )

    assert problems == []
    (m,) = migrations
    assert m.up.no_transaction == "'-- +goose NO TRANSACTION' on line 2"
    assert m.down is not None and m.down.no_transaction == m.up.no_transaction


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("-- +goose Up\n  -- +goose StatementBegin\nSELECT 1;\n", 2, "leading whitespace"),
        ("-- +goose Up\nSELECT 1\n-- +goose Down\n", 2, "does not end in ';'"),
        ("-- +goose Up\nSELECT 'a;\nb';\n", 2, "goose reads 2 statements"),
        ("-- +goose Up\n/*\n a;\n*/\nSELECT 1;\n", 3, "would send an unclosed comment"),
        (
            "-- +goose Up\n-- +goose StatementBegin\nDO $$\nBEGIN\n"
            "-- +goose StatementEnd\nEND $$;\n",
            4,
            "move StatementEnd after the end of that statement",
        ),
        ("-- +goose Up\n-- +goose Up\nSELECT 1;\n", 2, "a second '-- +goose Up'"),
        ("-- +goose Up\n-- +goose Frobnicate\n", 2, "unknown goose annotation"),
    ],
)
def test_goose_refusals(tmp_path, text, line, says):
    _, problems, _ = read(goose, tmp_path, {"1_a.sql": text})

    assert [(p.line, says in p.message) for p in problems] == [(line, True)]


@pytest.mark.parametrize(
    "up",
    [
        pytest.param("/* plain */\nCREATE TABLE a (id int);\n", id="block-comment-first"),
        pytest.param("/*\n  plain\n*/\nCREATE TABLE a (id int);\n", id="block-comment-lines"),
        pytest.param(
            """\
            -- +goose StatementBegin
            DROP TRIGGER IF EXISTS t ON a;

            DROP FUNCTION IF EXISTS f();
            -- +goose StatementEnd
            """,
            id="several-statements-in-one-block",
        ),
        pytest.param("SELECT 1; SELECT 2;\n", id="two-statements-on-one-line"),
    ],
)
def test_goose_accepts_what_it_sends_as_one_query(tmp_path, up):
    # goose sends each statement text with no parameters, so by the simple protocol: the
    # server runs every statement in it, as schemactl runs them one by one.
    text = "-- +goose Up\n" + textwrap.dedent(up) + "\n-- +goose Down\nSELECT 3;\n"
    migrations, problems, _ = read(goose, tmp_path, {"1_a.sql": text})

    assert messages(problems) == []
    assert migrations[0].notes == ()


def test_goose_notes_several_statements_sent_as_one_query_without_a_transaction(tmp_path):
    text = """\
        -- +goose NO TRANSACTION
        -- +goose Up
        -- +goose StatementBegin
        UPDATE a SET n = 0;
        UPDATE b SET n = 0;
        -- +goose StatementEnd
        SELECT 1;
        -- +goose Down
        SELECT 1; SELECT 2;
        """
    migrations, problems, _ = read(goose, tmp_path, {"1_a.sql": text})

    assert problems == []
    assert [note.split(":")[0] for note in migrations[0].notes] == ["Up lines 4-5", "Down line 9"]
    assert "as one query, all or nothing" in migrations[0].notes[0]


def test_goose_comment_only_down_is_irreversible(tmp_path):
    migrations, problems, _ = read(
        goose, tmp_path, {"1_a.sql": "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- nothing\n"}
    )

    assert problems == []
    assert migrations[0].down is None


def test_goose_refuses_a_file_name_without_a_version(tmp_path):
    _, problems, _ = read(goose, tmp_path, {"init.sql": "-- +goose Up\nSELECT 1;\n"})

    assert "not named {version}_{name}.sql" in problems[0].message


# The shared writer


def test_render_pads_versions_and_places_directives_first(tmp_path):
    migrations, _, _ = read(
        goose,
        tmp_path,
        {
            "1_a.sql": "-- +goose NO TRANSACTION\n-- +goose Up\n\nVACUUM;\n",
            "12_b.sql": "-- +goose Up\n-- +goose Down\n",
        },
    )

    first, second = render(migrations)

    assert first.up.name == "0001_a.up.sql"
    assert first.up.text == "-- schemactl:no-transaction\n-- schemactl:irreversible\nVACUUM;\n"
    assert first.up.origins == (None, None, 4)
    assert second.up.name == "0012_b.up.sql"
    # An empty up in the source ran as a migration that did nothing, and stays one.
    assert second.up.text == ("-- schemactl:irreversible\n-- 12_b.sql has no statements here\n")


def test_render_keeps_a_wide_source_padding(tmp_path):
    migrations, _, _ = read(
        golang_migrate, tmp_path, {"000001_a.up.sql": "SELECT 1;", "20240101_b.up.sql": "SELECT 2;"}
    )

    assert [c.up.name for c in render(migrations)] == ["00000001_a.up.sql", "20240101_b.up.sql"]
