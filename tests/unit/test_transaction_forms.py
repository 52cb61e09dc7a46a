"""How a file's statements stand to a transaction: wrappers, stray transaction control,
statements PostgreSQL refuses in a block, psql meta-commands; all read before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemactl.files.migrations import Script
from schemactl.files.statements import checksum, psql_commands, split_statements
from schemactl.files.transactions import outside_block


def script(tmp_path: Path, text: str, name: str = "0001_a.up.sql") -> Script:
    path = tmp_path / name
    path.write_text(text)
    return Script.read(path)


def lines_and_messages(s: Script) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in s.problems]


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
        "begin work;\nCREATE TABLE a (id int);\ncommit transaction;\n",
        "BEGIN TRANSACTION;\nCREATE TABLE a (id int);\nEND;\n",
        "START TRANSACTION;\nCREATE TABLE a (id int);\nEND WORK;\n",
        "-- licence\nBEGIN;\r\nCREATE TABLE a (id int);\r\nCOMMIT AND NO CHAIN;\r\n-- end\n",
        "\ufeffBEGIN;\nCREATE TABLE a (id int);\nCOMMIT",
    ],
)
def test_a_wrapped_file_runs_without_its_wrapper(tmp_path, text):
    s = script(tmp_path, text)

    assert s.problems == ()
    assert [(st.index, st.text) for st in s.statements] == [(0, "CREATE TABLE a (id int)")]
    assert s.wrapper is not None and not s.no_transaction
    assert s.statements[0].line == s.wrapper.begin.line + 1


def test_a_wrapped_file_keeps_the_checksum_of_the_file_as_written(tmp_path):
    text = "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n"

    s = script(tmp_path, text)

    assert s.checksum == checksum(split_statements(text))
    assert s.checksum != script(tmp_path, "CREATE TABLE a (id int);\n", "0002_b.up.sql").checksum


def test_savepoints_stay_in_a_wrapped_or_plain_file(tmp_path):
    body = "SAVEPOINT s;\nINSERT INTO a VALUES (1);\nROLLBACK TO SAVEPOINT s;\nRELEASE s;\n"

    wrapped = script(tmp_path, f"BEGIN;\n{body}COMMIT;\n")
    plain = script(tmp_path, body, "0002_b.up.sql")

    assert wrapped.problems == () and len(wrapped.statements) == 4
    assert plain.problems == () and len(plain.statements) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A COMMIT midway: remove it, or split the file after it.
        ("CREATE TABLE a (id int);\nCOMMIT;\nCREATE TABLE b (id int);\n",
         [(2, "COMMIT inside a migration would commit", "split the file at line 3")]),
        ("CREATE TABLE a (id int);\nROLLBACK;\n",
         [(2, "ROLLBACK at the end of a migration would undo", "(remove it)")]),
        # Two wrapped blocks: the two in the middle, each saying where to split.
        ("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n",
         [(3, "COMMIT inside", "split the file at line 4"),
          (4, "BEGIN inside", "split the file at line 4")]),
        ("BEGIN;\nCREATE TABLE a (id int);\n",
         [(1, "BEGIN starts the file, but no COMMIT", "end the file with COMMIT")]),
        ("CREATE TABLE a (id int);\nCOMMIT;\n",
         [(2, "COMMIT ends the file, but no BEGIN starts it", "start the file with BEGIN")]),
        ("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT AND CHAIN;\n",
         [(1, "BEGIN starts the file", "end the file with COMMIT"),
          (3, "COMMIT AND CHAIN at the end", "remove it")]),
        ("CREATE TABLE a (id int);\nPREPARE TRANSACTION 'x';\n",
         [(2, "PREPARE TRANSACTION in a migration", "remove it")]),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE a (id int);\nCOMMIT;\n",
         [(1, "BEGIN ISOLATION LEVEL SERIALIZABLE:", "write a plain BEGIN")]),
        ("START TRANSACTION READ ONLY, DEFERRABLE;\nSELECT 1;\nCOMMIT;\n",
         [(1, "START TRANSACTION READ ONLY, DEFERRABLE:", "write a plain BEGIN")]),
        # A no-transaction file: no transaction to begin, end or keep savepoints in.
        ("-- schemactl:no-transaction\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n",
         [(2, "wrapped in BEGIN (line 2) ... COMMIT (line 4) and declares "
              "'-- schemactl:no-transaction' (line 1)", "remove the directive")]),
        ("-- schemactl:no-transaction\nCREATE TABLE a (id int);\nCOMMIT;\n",
         [(3, "COMMIT in a no-transaction migration", "remove '-- schemactl:no-transaction' "
              "(line 1)")]),
        ("-- schemactl:no-transaction\nSAVEPOINT s;\nCREATE TABLE a (id int);\n",
         [(2, "SAVEPOINT in a no-transaction migration", "remove it")]),
    ],
)  # fmt: skip
def test_transaction_control_elsewhere_is_refused_with_its_fix(tmp_path, text, expected):
    found = lines_and_messages(script(tmp_path, text))

    assert [line for line, _ in found] == [line for line, _, _ in expected]
    for (_, message), (_, what, fix) in zip(found, expected, strict=True):
        assert message.startswith("transaction control statement"), message
        assert what in message and fix in message, message


@pytest.mark.parametrize(
    "text",
    [
        "CREATE INDEX CONCURRENTLY i ON a (id);",
        "create unique index concurrently if not exists i on a (id)",
        "DROP INDEX CONCURRENTLY IF EXISTS i;",
        "-- leading comment\nVACUUM (ANALYZE) a;\n",
        "REINDEX TABLE CONCURRENTLY a;",
        "REINDEX (VERBOSE, CONCURRENTLY) INDEX i;",
        "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;",
        "CREATE DATABASE other;",
        "ALTER SYSTEM SET work_mem = '64MB';",
    ],
)
def test_a_file_of_one_statement_that_refuses_a_block_runs_outside_one(tmp_path, text):
    s = script(tmp_path, text)

    assert s.problems == ()
    assert s.no_transaction and not s.declares_no_transaction
    assert s.runs_alone is not None and s.wrapper is None


def test_with_another_statement_it_is_refused_naming_both_ways_out(tmp_path):
    s = script(tmp_path, "CREATE TABLE a (id int);\n\nCREATE INDEX CONCURRENTLY i ON a (id);\n")

    ((line, message),) = lines_and_messages(s)

    assert line == 3
    assert message.startswith("CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
    assert "and this file runs in one" in message
    assert "move it into a migration of its own" in message
    assert "declare '-- schemactl:no-transaction'" in message
    assert not s.no_transaction


def test_wrapped_it_is_refused_too(tmp_path):
    s = script(tmp_path, "BEGIN;\nVACUUM a;\nCOMMIT;\n")

    ((line, message),) = lines_and_messages(s)

    assert line == 2
    assert "VACUUM cannot run inside a transaction block" in message
    assert "wraps it in BEGIN (line 1) ... COMMIT (line 3)" in message


def test_declared_no_transaction_it_is_simply_a_no_transaction_file(tmp_path):
    s = script(tmp_path, "-- schemactl:no-transaction\nCREATE TABLE a (id int);\nVACUUM a;\n")

    assert s.problems == () and s.no_transaction and s.runs_alone is None


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("CREATE INDEX CONCURRENTLY i ON a (id)", "CREATE INDEX CONCURRENTLY"),
        ("DROP INDEX CONCURRENTLY i", "DROP INDEX CONCURRENTLY"),
        ("REINDEX TABLE CONCURRENTLY a", "REINDEX CONCURRENTLY"),
        ("REINDEX (CONCURRENTLY true) TABLE a", "REINDEX CONCURRENTLY"),
        ("REINDEX SCHEMA public", "REINDEX SCHEMA"),
        ("REINDEX DATABASE d", "REINDEX DATABASE"),
        ("REINDEX SYSTEM d", "REINDEX SYSTEM"),
        ("VACUUM", "VACUUM"),
        ("VACUUM FULL a", "VACUUM"),
        ("CLUSTER", "CLUSTER"),
        ("CLUSTER VERBOSE", "CLUSTER"),
        ("ALTER TABLE ONLY p DETACH PARTITION p1 CONCURRENTLY",
         "ALTER TABLE ... DETACH CONCURRENTLY"),
        ("CREATE DATABASE d", "CREATE DATABASE"),
        ("DROP DATABASE IF EXISTS d", "DROP DATABASE"),
        ("ALTER DATABASE d SET TABLESPACE t", "ALTER DATABASE SET TABLESPACE"),
        ("ALTER DATABASE d WITH TABLESPACE t", "ALTER DATABASE SET TABLESPACE"),
        ("CREATE TABLESPACE t LOCATION '/x'", "CREATE TABLESPACE"),
        ("DROP TABLESPACE t", "DROP TABLESPACE"),
        ("ALTER SYSTEM RESET ALL", "ALTER SYSTEM"),
        ("DISCARD ALL", "DISCARD ALL"),
        ("COMMIT PREPARED 'x'", "COMMIT PREPARED"),
        ("ROLLBACK PREPARED 'x'", "ROLLBACK PREPARED"),
        ("CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p",
         "CREATE SUBSCRIPTION ... WITH (create_slot = true)"),
        ("ALTER SUBSCRIPTION s REFRESH PUBLICATION", "ALTER SUBSCRIPTION ... REFRESH"),
        ("ALTER SUBSCRIPTION s SET PUBLICATION p", "ALTER SUBSCRIPTION with refresh"),
        ("ALTER SUBSCRIPTION s ADD PUBLICATION p WITH (copy_data = false)",
         "ALTER SUBSCRIPTION with refresh"),
        ("DROP SUBSCRIPTION s", "DROP SUBSCRIPTION"),
        # Near misses: these run in a block.
        ("CREATE INDEX i ON a (id)", None),
        ("CREATE INDEX concurrently_built ON a (id)", None),
        ("ANALYZE a", None),
        ("CLUSTER a USING i", None),
        ("CLUSTER (VERBOSE) a", None),
        ("REINDEX TABLE a", None),
        ("REINDEX (CONCURRENTLY false) TABLE a", None),
        ("ALTER TABLE p DETACH PARTITION p1", None),
        ("ALTER TABLE p DETACH PARTITION p1 FINALIZE", None),
        ("ALTER DATABASE d SET default_tablespace = ''", None),
        ("ALTER DATABASE d SET work_mem = '4MB'", None),
        ("DISCARD PLANS", None),
        ("COMMENT ON DATABASE d IS 'x'", None),
        ("ALTER TYPE mood ADD VALUE 'b'", None),
        ("CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (connect = false)", None),
        ("CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p WITH (create_slot = off)", None),
        ("ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)", None),
        ("ALTER SUBSCRIPTION s DISABLE", None),
        ("SELECT 'VACUUM'", None),
    ],
)  # fmt: skip
def test_statements_that_refuse_a_block_are_named_as_postgresql_names_them(sql, name):
    (statement,) = split_statements(sql)

    assert outside_block(statement) == name


def test_drop_subscription_after_its_slot_is_let_go_runs_in_the_transaction(tmp_path):
    s = script(
        tmp_path,
        "ALTER SUBSCRIPTION s DISABLE;\nALTER SUBSCRIPTION s SET (slot_name = NONE);\n"
        "DROP SUBSCRIPTION s;\n",
    )

    assert s.problems == () and not s.no_transaction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\\set ON_ERROR_STOP on\nCREATE TABLE a (id int);\n", [(1, "\\set")]),
        ("CREATE TABLE a (id int);\n\\connect other\nCREATE TABLE b (id int);\n",
         [(2, "\\connect")]),
        ("CREATE TABLE a (\n  id int\n)\n\\gset\n", [(4, "\\gset")]),
        ("SELECT 1; \\i other.sql\n", [(1, "\\i")]),
    ],
)  # fmt: skip
def test_psql_meta_commands_are_refused_naming_each(tmp_path, text, expected):
    s = script(tmp_path, text)

    found = lines_and_messages(s)

    assert [(line, m.split(" ")[2]) for line, m in found] == expected
    for _, message in found:
        assert message.startswith("psql meta-command ")
        assert "schemactl sends SQL only" in message


def test_the_hints_say_what_replaces_set_and_connect(tmp_path):
    s = script(tmp_path, "\\set ON_ERROR_STOP 1\n\\c other\nSELECT 1;\n")

    (_, on_error), (_, connect) = lines_and_messages(s)

    assert "stops at the first error, as ON_ERROR_STOP does" in on_error
    assert "one directory to one database" in connect


def test_a_meta_command_does_not_hide_the_wrapper_after_it(tmp_path):
    s = script(tmp_path, "\\set ON_ERROR_STOP on\nBEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n")

    assert [line for line, _ in lines_and_messages(s)] == [1]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT E'a\\\\b\\n';",
        "SELECT '\\set';",
        "-- \\set x\nSELECT 1;",
        "/* \\connect */ SELECT 1;",
        "DO $$ BEGIN RAISE NOTICE '\\x'; END $$;",
        'SELECT 1 AS "\\i";',
    ],
)
def test_a_backslash_in_a_string_comment_body_or_name_is_no_meta_command(text):
    assert psql_commands(text) == []
    assert len(split_statements(text)) == 1


def test_the_end_of_copy_data_is_part_of_the_refused_copy(tmp_path):
    s = script(tmp_path, "CREATE TABLE a (id int);\nCOPY a FROM STDIN;\n1\n2\n\\.\n")

    messages = [m for _, m in lines_and_messages(s)]

    assert any(m.startswith("COPY ... FROM STDIN") for m in messages)
    assert not any(m.startswith("psql meta-command") for m in messages)
