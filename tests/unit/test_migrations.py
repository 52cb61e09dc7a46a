"""Reading a migration directory: names, versions, pairs, directives, validation, new names."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.errors import MigrationFileError, UsageError
from schemactl.files.migrations import Directive, load_directory, next_file_names


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (directory / name).write_bytes(data)
    return directory


def problems(directory: Path) -> list[tuple[str, int | None, str]]:
    with pytest.raises(MigrationFileError) as raised:
        load_directory(directory)
    return [(p.path.name, p.line, p.message) for p in raised.value.problems]


def test_pairs_are_loaded_in_numeric_version_order(tmp_path):
    directory = write(
        tmp_path,
        {
            "10_c.up.sql": "SELECT 10;",
            "10_c.down.sql": "SELECT -10;",
            "0009_b.up.sql": "SELECT 9;",
            "0009_b.down.sql": "SELECT -9;",
            "2_a.up.sql": "SELECT 2; SELECT 22;",
            "2_a.down.sql": "SELECT -2;",
        },
    )

    migrations = load_directory(directory)

    assert [(m.version, m.name) for m in migrations.migrations] == [(2, "a"), (9, "b"), (10, "c")]
    first = migrations.by_version[2]
    assert [s.text for s in first.up.statements] == ["SELECT 2", "SELECT 22"]
    assert first.down is not None and first.down.path.name == "2_a.down.sql"
    assert first.label == "2 a"


def test_leading_zeros_do_not_make_a_different_version(tmp_path):
    directory = write(
        tmp_path,
        {"10_a.up.sql": "SELECT 1;", "10_a.down.sql": "SELECT 1;",
         "0010_b.up.sql": "SELECT 1;", "0010_b.down.sql": "SELECT 1;"},
    )  # fmt: skip

    found = problems(directory)

    assert {name for name, _, _ in found} == {
        "10_a.up.sql", "10_a.down.sql", "0010_b.up.sql", "0010_b.down.sql",
    }  # fmt: skip
    assert all("duplicate version 10" in message for _, _, message in found)


@pytest.mark.parametrize(
    "name",
    [
        "0001_Users.up.sql",
        "0001-users.up.sql",
        "0001_users.sql",
        "users.up.sql",
        "0001_users__x.down.sql",
        "0001_.up.sql",
        "0001_users.UP.sql",
    ],
)
def test_badly_named_sql_files_are_problems(tmp_path, name):
    directory = write(tmp_path, {name: "SELECT 1;"})

    assert problems(directory) == [
        (name, None, "file name does not match NNNN_lower_snake_name.up.sql or .down.sql")
    ]


def test_files_that_are_not_migrations_are_ignored(tmp_path):
    directory = write(
        tmp_path,
        {"README.md": "x", "schema.sql": "garbage", "notes.txt": "", "0001_a.up.sql.bak": ""},
    )
    (directory / "0002_sub.up.sql").mkdir()

    assert load_directory(directory).migrations == ()


def test_up_without_down_is_a_problem_unless_irreversible(tmp_path):
    directory = write(
        tmp_path,
        {
            "0001_a.up.sql": "SELECT 1;",
            "0002_b.up.sql": "-- schemactl:irreversible\nDELETE FROM t;",
        },
    )

    assert problems(directory) == [
        (
            "0001_a.up.sql",
            None,
            "up file has no down file: add 0001_a.down.sql or declare '-- schemactl:irreversible'",
        )
    ]


def test_irreversible_migration_has_no_down(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": "-- schemactl:irreversible\nSELECT 1;"})

    (migration,) = load_directory(directory).migrations

    assert migration.irreversible and migration.down is None


def test_down_without_up_is_a_problem(tmp_path):
    directory = write(tmp_path, {"0001_a.down.sql": "SELECT 1;"})

    assert problems(directory) == [
        ("0001_a.down.sql", None, "down file has no up file (0001_a.up.sql)")
    ]


def test_duplicate_up_does_not_also_report_its_down_as_orphaned(tmp_path):
    directory = write(
        tmp_path,
        {"1_a.up.sql": "SELECT 1;", "01_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 1;"},
    )

    assert [name for name, _, _ in problems(directory)] == ["01_a.up.sql", "1_a.up.sql"]


def test_down_with_a_different_name_is_a_problem(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": "SELECT 1;", "0001_b.down.sql": "SELECT 1;"})

    assert ("0001_b.down.sql", None, "down file's name does not match its up (0001_a.up.sql)") in (
        problems(directory)
    )


def test_non_utf8_file_is_a_problem_with_its_line(tmp_path):
    directory = write(
        tmp_path,
        {"0001_a.up.sql": b"SELECT 1;\nSELECT '\xe9';\n", "0001_a.down.sql": "SELECT 1;"},
    )

    assert problems(directory) == [("0001_a.up.sql", 2, "file is not valid UTF-8 (byte 0xe9)")]


@pytest.mark.parametrize("content", ["", "\n\n", "  \t\r\n", "\ufeff"])
def test_empty_file_is_a_problem(tmp_path, content):
    directory = write(tmp_path, {"0001_a.up.sql": content, "0001_a.down.sql": "SELECT 1;"})

    assert problems(directory) == [("0001_a.up.sql", None, "file is empty")]


def test_comment_only_file_is_a_valid_migration_without_statements(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": "-- later\n", "0001_a.down.sql": "/* x */"})

    (migration,) = load_directory(directory).migrations

    assert migration.up.statements == ()


def test_unterminated_string_is_a_problem_with_its_start_line(tmp_path):
    directory = write(
        tmp_path, {"0001_a.up.sql": "SELECT 1;\n\nSELECT 'x;\n", "0001_a.down.sql": "SELECT 1;"}
    )

    assert problems(directory) == [("0001_a.up.sql", 3, "unterminated string starting here")]


def test_directives_are_read_from_leading_comments(tmp_path):
    directory = write(
        tmp_path,
        {
            "0001_a.up.sql": "-- Licence text\n-- schemactl:no-transaction idempotent\n"
            "--schemactl: disable=rule-a,rule-b\n-- schemactl:disable=rule-c\nSELECT 1;",
            "0001_a.down.sql": "SELECT 1;",
        },
    )

    (migration,) = load_directory(directory).migrations

    assert migration.up.directives == {Directive.NO_TRANSACTION, Directive.IDEMPOTENT}
    assert migration.up.disabled_rules == {"rule-a", "rule-b", "rule-c"}
    assert migration.up.no_transaction and not migration.down.no_transaction


def test_directives_work_in_a_crlf_file_with_bom(tmp_path):
    directory = write(
        tmp_path,
        {
            "0001_a.up.sql": "\ufeff-- schemactl:no-transaction\r\nSELECT 1;\r\n",
            "0001_a.down.sql": "SELECT 1;",
        },
    )

    (migration,) = load_directory(directory).migrations

    assert migration.up.no_transaction


def test_unknown_directive_is_a_problem_with_its_line(tmp_path):
    directory = write(
        tmp_path,
        {"0001_a.up.sql": "-- hello\n-- schemactl:notransaction\nSELECT 1;",
         "0001_a.down.sql": "SELECT 1;"},
    )  # fmt: skip

    ((name, line, message),) = problems(directory)

    assert (name, line) == ("0001_a.up.sql", 2)
    assert message.startswith("unknown directive 'schemactl:notransaction' (known: ")


def test_directive_after_the_first_statement_is_a_problem(tmp_path):
    directory = write(
        tmp_path,
        {"0001_a.up.sql": "SELECT 1;\n-- schemactl:no-transaction\n",
         "0001_a.down.sql": "SELECT 1;"},
    )  # fmt: skip

    assert problems(directory) == [
        ("0001_a.up.sql", 2, "directives must come before the first statement")
    ]


def test_transaction_control_in_a_file_is_a_problem_with_its_line(tmp_path):
    directory = write(
        tmp_path,
        {"0001_a.up.sql": "SELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;",
         "0001_a.down.sql": "SELECT 1;"},
    )  # fmt: skip

    assert [(name, line) for name, line, _ in problems(directory)] == [
        ("0001_a.up.sql", 2),
        ("0001_a.up.sql", 3),
    ]


def test_every_problem_is_collected_before_raising(tmp_path):
    directory = write(
        tmp_path,
        {
            "0001_a.up.sql": "SELECT 1;",
            "0002_b.down.sql": "SELECT 1;",
            "0003_c.up.sql": b"\xff",
            "0003_c.down.sql": "",
            "Bad.up.sql": "SELECT 1;",
        },
    )

    with pytest.raises(MigrationFileError) as raised:
        load_directory(directory)

    assert raised.value.exit_code == 2
    assert raised.value.message == "migration directory has 5 problems"
    assert sorted(p.path.name for p in raised.value.problems) == [
        "0001_a.up.sql", "0002_b.down.sql", "0003_c.down.sql", "0003_c.up.sql", "Bad.up.sql",
    ]  # fmt: skip
    assert all(str(p.path) in raised.value.detail for p in raised.value.problems)


def test_missing_directory_is_a_problem(tmp_path):
    assert problems(tmp_path / "nope") == [("nope", None, "migration directory does not exist")]


def test_checksum_of_a_script_ignores_comments_and_layout(tmp_path):
    one = write(tmp_path / "one", {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 2;"})
    two = write(
        tmp_path / "two",
        {"0001_a.up.sql": "-- header\nselect\n  1 ;\n", "0001_a.down.sql": "SELECT 3;"},
    )

    (a,) = load_directory(one).migrations
    (b,) = load_directory(two).migrations

    assert a.up.checksum == b.up.checksum
    assert a.down is not None and b.down is not None and a.down.checksum != b.down.checksum


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "0001_add_items"),
        (["001_a", "002_b"], "003_add_items"),
        (["1_a", "9_b"], "10_add_items"),
        (["0001_a", "0041_b"], "0042_add_items"),
        (["01_a", "99_b"], "100_add_items"),
        (["20260101_a"], "20260102_add_items"),
    ],
)
def test_next_file_names_pad_like_the_directory(tmp_path, existing, expected):
    files = {}
    for stem in existing:
        files[f"{stem}.up.sql"] = "SELECT 1;"
        files[f"{stem}.down.sql"] = "SELECT 1;"
    directory = write(tmp_path, files)

    names = next_file_names(load_directory(directory), "add_items")

    assert names == (f"{expected}.up.sql", f"{expected}.down.sql")


@pytest.mark.parametrize("name", ["AddItems", "add-items", "add__items", "_add", "add_", "", "é"])
def test_next_file_names_reject_names_that_are_not_lower_snake_case(tmp_path, name):
    with pytest.raises(UsageError, match="invalid migration name"):
        next_file_names(load_directory(tmp_path), name)
