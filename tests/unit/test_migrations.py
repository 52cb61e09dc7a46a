"""Reading a migration directory: names, versions, pairs, directives, validation, new names."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from schemactl.errors import MigrationFileError, UsageError
from schemactl.files.migrations import (
    Directive,
    MigrationSet,
    Script,
    load_directory,
    next_file_names,
)


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
    (directory / "archive").mkdir()
    (directory / "old.sql").mkdir()
    os.mkfifo(directory / "pipe.sql")

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


NUL = "file contains a NUL byte (PostgreSQL cannot take one in query text)"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b"\x00", 1),
        (b"SELECT 1;\n\nSELECT '\x00';\nSELECT '\x00';\n", 3),
        (b"-- schemactl:no-transaction\r\nSELECT 1;\r\n/* \x00 */", 3),
        ("SELECT 1;\n".encode("utf-16-le"), 1),
    ],
)
def test_a_nul_byte_is_a_problem_with_the_line_of_the_first(tmp_path, content, line):
    directory = write(tmp_path, {"0001_a.up.sql": content, "0001_a.down.sql": "SELECT 1;"})

    assert problems(directory) == [("0001_a.up.sql", line, NUL)]


def test_a_nul_byte_in_a_down_file_is_found_when_it_is_validated(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": b"\x00"})

    assert problems(directory) == [("0001_a.down.sql", 1, NUL)]
    (migration,) = load_directory(directory, defer=True).migrations
    assert migration.down is not None and migration.down.problems


def test_a_nul_byte_in_a_file_that_is_not_utf8_is_reported_too(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": b"\xff\n\x00", "0001_a.down.sql": "SELECT 1;"})

    assert problems(directory) == [
        ("0001_a.up.sql", 1, "file is not valid UTF-8 (byte 0xff)"),
        ("0001_a.up.sql", 2, NUL),
    ]


@pytest.mark.parametrize("version", [0, 1, 9223372036854775807])
def test_versions_run_from_zero_to_the_largest_bigint(tmp_path, version):
    directory = write(
        tmp_path, {f"{version}_a.up.sql": "SELECT 1;", f"{version}_a.down.sql": "SELECT 1;"}
    )

    assert [m.version for m in load_directory(directory, defer=True).migrations] == [version]


@pytest.mark.parametrize("digits", ["9223372036854775808", "09223372036854775808", "9" * 240])
def test_a_version_beyond_bigint_is_a_problem_for_each_file(tmp_path, digits):
    directory = write(
        tmp_path,
        {f"{digits}_a.up.sql": "SELECT 1;", f"{digits}_a.down.sql": "SELECT 1;",
         "0001_b.up.sql": "SELECT 1;", "0001_b.down.sql": "SELECT 1;"},
    )  # fmt: skip

    message = (
        "version is too large: the ledger records versions up to 9223372036854775807 (a bigint)"
    )
    assert problems(directory) == [
        (f"{digits}_a.down.sql", None, message),
        (f"{digits}_a.up.sql", None, message),
    ]


def symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


def symlink_to_fifo(path: Path) -> None:
    os.mkfifo(path.parent / "pipe")
    path.symlink_to("pipe")


NOT_REGULAR = [
    (Path.mkdir, "a directory"),
    (os.mkfifo, "a FIFO"),
    (lambda path: path.symlink_to("nowhere"), "a symlink to nothing"),
    (lambda path: path.symlink_to(path.parent), "a symlink to a directory"),
    (symlink_to_fifo, "a symlink to a FIFO"),
    (symlink_loop, "a symlink that cannot be followed: too many levels of symbolic links"),
]


@pytest.fixture
def no_hang():
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("blocked reading a migration file")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("partner", [True, False])
@pytest.mark.parametrize("direction", ["up", "down"])
@pytest.mark.parametrize(("make", "kind"), NOT_REGULAR, ids=[k for _, k in NOT_REGULAR])
def test_a_path_named_like_a_migration_must_be_a_regular_file(
    tmp_path, make, kind, direction, partner, no_hang
):
    directory = write(
        tmp_path / "m", {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;"}
    )
    other = "down" if direction == "up" else "up"
    if partner:
        write(directory, {f"0002_b.{other}.sql": "SELECT 1;"})
    make(directory / f"0002_b.{direction}.sql")

    assert problems(directory) == [
        (
            f"0002_b.{direction}.sql",
            None,
            f"named like a migration but is not a regular file ({kind})",
        )
    ]


def test_a_path_that_is_not_a_regular_file_still_counts_for_duplicates(tmp_path):
    directory = write(tmp_path, {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;"})
    (directory / "1_a.up.sql").mkdir()

    assert sorted(problems(directory)) == [
        ("0001_a.up.sql", None, "duplicate version 1 (0001_a.up.sql, 1_a.up.sql)"),
        ("1_a.up.sql", None, "duplicate version 1 (0001_a.up.sql, 1_a.up.sql)"),
        ("1_a.up.sql", None, "named like a migration but is not a regular file (a directory)"),
    ]


def test_a_down_beside_an_up_that_is_not_a_file_is_still_checked(tmp_path):
    directory = write(tmp_path, {"0001_a.down.sql": ""})
    (directory / "0001_a.up.sql").mkdir()

    assert problems(directory) == [
        ("0001_a.down.sql", None, "file is empty"),
        ("0001_a.up.sql", None, "named like a migration but is not a regular file (a directory)"),
    ]


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    directory = write(tmp_path / "m", {"0001_a.down.sql": "SELECT 2;"})
    write(tmp_path, {"kept.sql": "SELECT 1;"})
    (directory / "0001_a.up.sql").symlink_to(tmp_path / "kept.sql")

    (migration,) = load_directory(directory).migrations

    assert [s.text for s in migration.up.statements] == ["SELECT 1"]


def test_reading_a_fifo_in_place_of_a_file_reports_it_without_blocking(tmp_path, no_hang):
    directory = write(tmp_path, {"0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;"})
    (migration,) = load_directory(directory, defer=True).migrations
    # The down file is read on first use: it may have been replaced since the directory was read.
    (directory / "0001_a.down.sql").unlink()
    os.mkfifo(directory / "0001_a.down.sql")
    os.mkfifo(tmp_path / "pipe.sql")

    assert migration.down is not None
    assert [p.message for p in migration.down.problems] == [
        "named like a migration but is not a regular file (a FIFO)"
    ]
    assert [p.message for p in Script.read(tmp_path / "pipe.sql").problems] == [
        "named like a migration but is not a regular file (a FIFO)"
    ]


def test_reading_a_fifo_with_a_writer_reports_it_without_blocking(tmp_path, no_hang):
    os.mkfifo(tmp_path / "pipe.sql")
    reader = os.open(tmp_path / "pipe.sql", os.O_RDONLY | os.O_NONBLOCK)
    writer = os.open(tmp_path / "pipe.sql", os.O_WRONLY)
    try:
        assert [p.message for p in Script.read(tmp_path / "pipe.sql").problems] == [
            "named like a migration but is not a regular file (a FIFO)"
        ]
    finally:
        os.close(writer)
        os.close(reader)


def test_reading_a_directory_in_place_of_a_file_reports_it(tmp_path):
    (tmp_path / "0001_a.up.sql").mkdir()

    assert [p.message for p in Script.read(tmp_path / "0001_a.up.sql").problems] == [
        "named like a migration but is not a regular file (a directory)"
    ]


def name_max(directory: Path) -> int:
    return os.pathconf(directory, "PC_NAME_MAX")


def test_next_file_names_refuse_a_name_too_long_for_the_file_system(tmp_path):
    longest = name_max(tmp_path) - len("0001_") - len(".down.sql")
    empty = load_directory(tmp_path)

    up, down = next_file_names(empty, "x" * longest)

    assert (len(up), len(down)) == (name_max(tmp_path) - 2, name_max(tmp_path))
    with pytest.raises(UsageError) as raised:
        next_file_names(empty, "x" * (longest + 1))
    assert raised.value.message == (
        f"migration name is too long ({longest + 1} characters; at most {longest} characters here)"
    )
    assert f"{name_max(tmp_path)} bytes" in (raised.value.detail or "")


def test_the_name_length_limit_falls_back_to_255_bytes(tmp_path, monkeypatch):
    def no_limit_known(path: object, name: str) -> int:
        raise OSError("not supported")

    monkeypatch.setattr(os, "pathconf", no_limit_known)
    empty = MigrationSet(tmp_path / "not" / "made" / "yet", ())

    next_file_names(empty, "x" * 241)
    with pytest.raises(UsageError, match="at most 241 characters"):
        next_file_names(empty, "x" * 242)


def test_the_name_length_limit_of_a_directory_not_made_yet_is_its_parent_s(tmp_path):
    longest = name_max(tmp_path) - len("0001_") - len(".down.sql")
    empty = MigrationSet(tmp_path / "not" / "made" / "yet", ())

    with pytest.raises(UsageError, match=f"at most {longest} characters"):
        next_file_names(empty, "x" * (longest + 1))


def test_next_file_names_refuse_a_version_beyond_bigint(tmp_path):
    directory = write(tmp_path, {"9223372036854775807_a.up.sql": "-- schemactl:irreversible\n"})

    with pytest.raises(UsageError, match="the next version would be 9223372036854775808"):
        next_file_names(load_directory(directory), "b")
