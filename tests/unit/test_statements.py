"""Splitting SQL into statements (with line and column) and normalizing them for checksums."""

from __future__ import annotations

import pytest

from schemactl.files.statements import (
    TokenKind,
    UnterminatedError,
    _split_fast,
    _split_tokens,
    changes_parsing,
    checksum,
    leading_comments,
    split_statements,
    tokenize,
)
from schemactl.files.transactions import control


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql)]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1;;\n;SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT 'a;b', 'it''s;'; SELECT 2", ["SELECT 'a;b', 'it''s;'", "SELECT 2"]),
        ("SELECT '-- no', '/* no'; SELECT 2", ["SELECT '-- no', '/* no'", "SELECT 2"]),
        (r"SELECT E'it\'s;'; SELECT 2", [r"SELECT E'it\'s;'", "SELECT 2"]),
        (r"SELECT e'back\\'; SELECT 2", [r"SELECT e'back\\'", "SELECT 2"]),
        ("SELECT 'back\\'; SELECT 2", ["SELECT 'back\\'", "SELECT 2"]),
        ("SELECT U&'d\\0061;'; SELECT 2", ["SELECT U&'d\\0061;'", "SELECT 2"]),
        ("SELECT X'1F', B'01;'[1]; SELECT 2", ["SELECT X'1F', B'01;'[1]", "SELECT 2"]),
        ('SELECT 1 AS "a;b", 2 AS "x""y;"; SELECT 2', ['SELECT 1 AS "a;b", 2 AS "x""y;"',
                                                      "SELECT 2"]),
        ("SELECT $$a;b$$; SELECT 2", ["SELECT $$a;b$$", "SELECT 2"]),
        ("SELECT $fn$ $$;$$ ; $fn$; SELECT 2", ["SELECT $fn$ $$;$$ ; $fn$", "SELECT 2"]),
        ("SELECT $1, a$b; SELECT 2", ["SELECT $1, a$b", "SELECT 2"]),
        ("SELECT 1 -- c;\n; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("/* a /* b; */ c; */ SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT (SELECT 1; ); SELECT 2", ["SELECT (SELECT 1; )", "SELECT 2"]),
        ("SELECT 1 +-- c; x\n2; SELECT 3", ["SELECT 1 +-- c; x\n2", "SELECT 3"]),
        ("SELECT 2 */* c; */ 3; SELECT 4", ["SELECT 2 */* c; */ 3", "SELECT 4"]),
    ],
)  # fmt: skip
def test_split_respects_every_construct_that_can_hide_a_semicolon(sql, expected):
    assert texts(sql) == expected


HANDED_OVER = [
    "CREATE TABLE \"Odd;Name\" (id int, note text DEFAULT 'a;b');\nSELECT 1",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;\nDO $$ BEGIN END $$;",
    "SELECT E'it''s', B'01', U&'x', $1, a$b, 1.5e3::numeric, x->>'k' /* c */ FROM t -- c\n;",
    "CREATE FUNCTION g() RETURNS int BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; "
    "END; SELECT 3",
    "/* a /* nested */ b */ SELECT 1; \\set x 1\nSELECT E'\\n'",
]


@pytest.mark.parametrize("sql", HANDED_OVER)
def test_each_statement_keeps_the_tokens_it_was_split_from(sql):
    # The lint reads these instead of lexing the statement again: they must be what lexing it
    # again gives.
    for statement in split_statements(sql):
        again = tuple(
            (t.kind, t.text)
            for t in tokenize(statement.text)
            if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT)
        )
        assert statement.tokens == again


@pytest.mark.parametrize("sql", HANDED_OVER[:3])
def test_quoted_names_and_dollar_bodies_take_the_fast_path_to_the_same_statements(sql):
    fast = _split_fast(sql)

    assert fast is not None
    assert [(s, s.tokens) for s in fast] == [(s, s.tokens) for s in _split_tokens(sql)]


def test_do_block_with_plpgsql_body_is_one_statement():
    sql = "DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x;y';\nEND\n$$;\nSELECT 2;"

    assert texts(sql) == ["DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x;y';\nEND\n$$", "SELECT 2"]


def test_begin_atomic_body_is_one_statement_including_case_end():
    function = (
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
        "  SELECT 2;\n"
        "END"
    )

    assert texts(function + ";\nSELECT 3;") == [function, "SELECT 3"]


def test_procedure_begin_atomic_body_is_one_statement():
    procedure = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END"

    assert texts(procedure + "; CALL p();") == [procedure, "CALL p()"]


def test_case_end_outside_a_routine_does_not_swallow_the_next_statement():
    assert texts("SELECT CASE WHEN true THEN 1 END; SELECT 2;") == [
        "SELECT CASE WHEN true THEN 1 END",
        "SELECT 2",
    ]


def test_sql_function_with_return_case_is_one_statement():
    sql = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql RETURN CASE WHEN a > 0 THEN 1 END;"

    assert texts(sql + " SELECT 2;") == [sql[:-1], "SELECT 2"]


@pytest.mark.parametrize(
    "sql", ["", "   \n\t", "-- only a comment\n", "/* only\n a comment; */", "-- a;\n/* b; */\n;"]
)
def test_comments_and_blank_text_make_no_statement(sql):
    assert split_statements(sql) == []


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        ("SELECT 'abc", "string"),
        ("SELECT E'abc\\'", "string"),
        ('SELECT "abc', "identifier"),
        ("SELECT $$abc", "dollar-quoted string $$"),
        ("SELECT 1 /* a /* b */", "block comment"),
    ],
)
def test_unterminated_constructs_raise_with_their_start(sql, what):
    with pytest.raises(UnterminatedError) as raised:
        split_statements("SELECT 0;\n" + sql)

    assert str(raised.value) == f"unterminated {what}"
    assert raised.value.position > len("SELECT 0;\n")


# The same two-statement file in every encoding variant: LF or CRLF, ASCII or not, BOM or not.
def variants():
    for newline in ("\n", "\r\n"):
        for word in ("plain", "ünïcödé—文字"):
            for bom in ("", "\ufeff"):
                body = (
                    f"-- {word} header{newline}"
                    f"{newline}"
                    f"CREATE TABLE t (s text);{newline}"
                    f"  INSERT INTO t{newline}"
                    f"  VALUES ('{word}');{newline}"
                )
                ending = "crlf" if newline == "\r\n" else "lf"
                ids = f"{ending}-{word[:5]}-{'bom' if bom else 'nobom'}"
                yield pytest.param(bom + body, newline, word, id=ids)


@pytest.mark.parametrize(("source", "newline", "word"), list(variants()))
def test_lines_and_columns_over_newlines_encodings_and_bom(source, newline, word):
    first, second = split_statements(source)

    assert (first.line, first.column) == (3, 1)
    assert (second.line, second.column) == (4, 3)
    assert first.text == "CREATE TABLE t (s text)"
    assert second.text == f"INSERT INTO t{newline}  VALUES ('{word}')"
    assert second.line_of(len("INSERT INTO t") + len(newline) + 3) == 5
    assert "\ufeff" not in first.text


def test_checksum_is_the_same_for_every_newline_encoding_and_bom():
    sums = {checksum(split_statements(str(p.values[0]))) for p in variants() if "plain" in p.id}

    assert len(sums) == 1


def test_column_counts_characters_not_bytes():
    (_, statement) = split_statements("SELECT 'é'; SELECT 2")

    assert (statement.line, statement.column) == (1, 13)


def test_line_of_maps_a_server_position_to_the_file_line():
    (statement,) = split_statements("\n\nSELECT a,\n  b,\n  c")

    assert statement.line == 3
    assert statement.line_of(1) == 3
    assert statement.line_of(statement.text.index("c") + 1) == 5


def test_excerpt_is_the_first_line_shortened():
    (statement,) = split_statements("SELECT " + "x, " * 60 + "y\nFROM t")

    assert statement.excerpt(width=20) == "SELECT x, x, x, x..."
    assert len(statement.excerpt()) == 120


def test_normalized_drops_comments_collapses_space_and_lowercases_words_only():
    (statement,) = split_statements(
        "INSERT  INTO Users /* c */ (Name)\n\tVALUES ('Bob  X', \"Mixed Case\", $$Body  A$$) -- c"
    )

    assert statement.normalized == (
        "insert into users ( name ) values ( 'Bob  X' , \"Mixed Case\" , $$Body  A$$ )"
    )


def test_checksum_ignores_licence_header_and_reindent():
    original = "CREATE TABLE t (\n    id int\n);\nINSERT INTO t VALUES (1);\n"
    edited = (
        "-- Copyright (c) 2026\n/* licensed under MIT */\n"
        "create table T (id INT);\n\n    insert into t\n        values (1);"
    )

    assert checksum(split_statements(original)) == checksum(split_statements(edited))


@pytest.mark.parametrize(
    "edited",
    [
        "CREATE TABLE t (id bigint); INSERT INTO t VALUES (1);",
        "CREATE TABLE t (id int); INSERT INTO t VALUES (2);",
        "CREATE TABLE t (id int); INSERT INTO t VALUES ('1');",
        'CREATE TABLE "T" (id int); INSERT INTO t VALUES (1);',
        "CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT 1;",
        "CREATE TABLE t (id int);",
        "INSERT INTO t VALUES (1); CREATE TABLE t (id int);",
        "CREATE TABLE t (id int) INSERT INTO t VALUES (1);",
    ],
)
def test_checksum_changes_when_executed_sql_changes(edited):
    original = "CREATE TABLE t (id int); INSERT INTO t VALUES (1);"

    assert checksum(split_statements(original)) != checksum(split_statements(edited))


def test_checksum_changes_inside_a_dollar_body_and_string():
    base = "SELECT $$a  b$$, 'x  y'"

    assert checksum(split_statements(base)) != checksum(split_statements("SELECT $$a b$$, 'x  y'"))
    assert checksum(split_statements(base)) != checksum(split_statements("SELECT $$a  b$$, 'x y'"))


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("BEGIN", True),
        ("begin transaction isolation level serializable", True),
        ("START TRANSACTION", True),
        ("COMMIT", True),
        ("ROLLBACK", True),
        ("END", True),
        ("ABORT", True),
        ("SELECT 1", False),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", False),
        ("DO $$ BEGIN COMMIT; END $$", False),
        ("COMMIT PREPARED 'x'", False),
    ],
)
def test_transaction_control_is_recognized(sql, expected):
    (statement,) = split_statements(sql)

    assert (control(statement) is not None) is expected


def test_leading_comments_stop_at_the_first_statement():
    source = "\ufeff-- one\n/* block */\n-- two\nSELECT 1;\n-- three\n"

    assert list(leading_comments(source)) == [(1, "-- one"), (3, "-- two")]


def test_a_carriage_return_ends_a_line_comment_as_postgresql_reads_it():
    source = "CREATE TABLE t (x int -- note\r); COMMIT; CREATE TABLE u (y int\n);\n"

    assert [s.text for s in split_statements(source)] == [
        "CREATE TABLE t (x int -- note\r)",
        "COMMIT",
        "CREATE TABLE u (y int\n)",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("SET standard_conforming_strings = off", True),
        ("set session Standard_Conforming_Strings to on", True),
        ("SET LOCAL client_encoding = 'LATIN1'", True),
        ("SET NAMES 'UTF8'", True),
        ("SET backslash_quote = on", True),
        ("SET search_path = app, public", False),
        ("SET LOCAL lock_timeout = '1s'", False),
        ("SELECT set_config('standard_conforming_strings', 'off', false)", False),
    ],
)
def test_settings_that_change_how_later_text_is_read_are_recognised(source, expected):
    (statement,) = split_statements(source)

    assert changes_parsing(statement) is expected
