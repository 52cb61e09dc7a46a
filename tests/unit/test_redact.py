"""Password literals hidden in statement text, raw or normalized; nothing else touched."""

from __future__ import annotations

import pytest

from schemactl.files import redact
from schemactl.files.redact import redact_passwords
from schemactl.files.statements import split_statements


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE ROLE bob WITH LOGIN PASSWORD 's3cret'",
         "CREATE ROLE bob WITH LOGIN PASSWORD '****'"),
        ("CREATE USER bob PASSWORD 's3cret'", "CREATE USER bob PASSWORD '****'"),
        ("CREATE GROUP staff PASSWORD 's3cret'", "CREATE GROUP staff PASSWORD '****'"),
        ("ALTER ROLE bob WITH PASSWORD 's3cret'", "ALTER ROLE bob WITH PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD 's3cret'", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER USER bob PASSWORD 's3cret'", "ALTER USER bob PASSWORD '****'"),
        ("ALTER ROLE CURRENT_USER PASSWORD 's3cret'", "ALTER ROLE CURRENT_USER PASSWORD '****'"),
        ("create role bob encrypted password 'SCRAM-SHA-256$4096:c2FsdA==$a:b'",
         "create role bob encrypted password '****'"),
        ("CREATE ROLE bob UNENCRYPTED PASSWORD 's3cret'",
         "CREATE ROLE bob UNENCRYPTED PASSWORD '****'"),
        ("create role bob password 'it''s'", "create role bob password '****'"),
        (r"ALTER ROLE bob PASSWORD E'it\'s \\ x'", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD e's3cret'", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD U&'d\\0061t'", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD $$s3'cret$$", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD $pw$s3$$cret$pw$", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD /* why */ 's3cret'", "ALTER ROLE bob PASSWORD /* why */ '****'"),
        ("ALTER ROLE bob PASSWORD -- why\n  's3cret'", "ALTER ROLE bob PASSWORD -- why\n  '****'"),
        ("ALTER ROLE bob PASSWORD 's3'\n  'cret'", "ALTER ROLE bob PASSWORD '****'"),
        ("alter role bob password 's3' 'cret'", "alter role bob password '****'"),
        ("CREATE ROLE bob LOGIN PASSWORD 's3cret' VALID UNTIL '2030-01-01' CONNECTION LIMIT 3",
         "CREATE ROLE bob LOGIN PASSWORD '****' VALID UNTIL '2030-01-01' CONNECTION LIMIT 3"),
        ("CREATE ROLE bob PASSWORD 's3cret' IN ROLE password",
         "CREATE ROLE bob PASSWORD '****' IN ROLE password"),
        ("CREATE ROLE password PASSWORD 's3cret'", "CREATE ROLE password PASSWORD '****'"),
        # Cut short: the rest is the literal the lexer could not close.
        ("ALTER ROLE bob PASSWORD 's3cret", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD E's3cret\\'", "ALTER ROLE bob PASSWORD '****'"),
        ("ALTER ROLE bob PASSWORD $x$s3cret", "ALTER ROLE bob PASSWORD '****'"),
    ],
)  # fmt: skip
def test_role_password_literal_is_redacted(sql, expected):
    assert redact_passwords(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DO $$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN\n"
         "    CREATE ROLE app LOGIN PASSWORD 's3cret';\n  END IF;\nEND\n$$",
         "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN\n"
         "    CREATE ROLE app LOGIN PASSWORD '****';\n  END IF;\nEND\n$$"),
        ("DO LANGUAGE plpgsql $body$ BEGIN ALTER ROLE app PASSWORD 's3cret'; END $body$",
         "DO LANGUAGE plpgsql $body$ BEGIN ALTER ROLE app PASSWORD '****'; END $body$"),
        ("DO $o$ BEGIN EXECUTE $i$ALTER ROLE app PASSWORD 's3cret'$i$; END $o$",
         "DO $o$ BEGIN EXECUTE $i$ALTER ROLE app PASSWORD '****'$i$; END $o$"),
        ("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER ROLE app PASSWORD 'x' $$",
         "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ ALTER ROLE app PASSWORD '****' $$"),
    ],
)  # fmt: skip
def test_password_in_a_dollar_quoted_body_is_redacted(sql, expected):
    assert redact_passwords(sql) == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', password 's3cret')",
         "CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', password '****')"),
        ("ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password 's3cret')",
         "ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password '****')"),
        ('ALTER USER MAPPING FOR bob SERVER s OPTIONS (ADD "password" \'s3cret\')',
         "ALTER USER MAPPING FOR bob SERVER s OPTIONS (ADD \"password\" '****')"),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=db dbname=app password=s3cret' PUBLICATION p",
         "CREATE SUBSCRIPTION s CONNECTION 'host=db dbname=app password=****' PUBLICATION p"),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=db password=''se cret'' user=bob' PUBLICATION p",
         "CREATE SUBSCRIPTION s CONNECTION 'host=db password=**** user=bob' PUBLICATION p"),
        ("ALTER SUBSCRIPTION s CONNECTION 'postgresql://bob:s3cret@db/app'",
         "ALTER SUBSCRIPTION s CONNECTION 'postgresql://bob:****@db/app'"),
        ("ALTER SUBSCRIPTION s CONNECTION $$host=db password=s3cret$$",
         "ALTER SUBSCRIPTION s CONNECTION $$host=db password=****$$"),
        (r"ALTER SUBSCRIPTION s CONNECTION E'host=db password=s3\'cret'",
         "ALTER SUBSCRIPTION s CONNECTION '****'"),
    ],
)  # fmt: skip
def test_password_of_a_foreign_server_or_subscription_is_redacted(sql, expected):
    assert redact_passwords(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE bob PASSWORD NULL",
        "ALTER ROLE bob WITH LOGIN PASSWORD NULL",
        "CREATE TABLE users (id int, password text NOT NULL DEFAULT '')",
        "ALTER TABLE users ALTER COLUMN password SET DEFAULT 'changeme'",
        "INSERT INTO users (name, password) VALUES ('bob', 'x')",
        "UPDATE users SET password = 'x' WHERE name = 'bob'",
        """SELECT "password" FROM users WHERE "password" = 'x'""",
        "SELECT password, 'x' FROM users",
        "SELECT 'PASSWORD ''s3cret''' AS label",
        "COMMENT ON COLUMN users.password IS 'the password, hashed'",
        "-- ALTER ROLE bob PASSWORD 's3cret'\nSELECT 1",
        "/* ALTER ROLE bob PASSWORD 's3cret' */ SELECT 1",
        "SET password_encryption = 'scram-sha-256'",
        "ALTER ROLE bob SET password_encryption TO 'md5'",
        "ALTER SYSTEM SET password_encryption = 'md5'",
        "ALTER ROLE password RENAME TO pw",
        "CREATE ROLE bob CONNECTION LIMIT 3",
        "CREATE SUBSCRIPTION s CONNECTION 'host=db dbname=app' PUBLICATION p",
        "SELECT $$ password is a column $$",
        "\\password bob",
        "SELECT 1 /* unclosed PASSWORD 'x'",
        'SELECT "password',
    ],
)
def test_other_mentions_of_password_are_left_alone(sql):
    assert redact_passwords(sql) == sql


def test_raw_and_normalized_statements_are_redacted_alike():
    source = (
        "CREATE ROLE Bob WITH LOGIN\n"
        "  ENCRYPTED PASSWORD /* rotated yearly */ E'it\\'s'  -- comment\n"
        "  VALID UNTIL 'infinity';\n"
        "ALTER USER bob PASSWORD $pw$x y$pw$;\n"
    )

    statements = split_statements(source)

    assert [redact_passwords(s.text) for s in statements] == [
        "CREATE ROLE Bob WITH LOGIN\n"
        "  ENCRYPTED PASSWORD /* rotated yearly */ '****'  -- comment\n"
        "  VALID UNTIL 'infinity'",
        "ALTER USER bob PASSWORD '****'",
    ]
    assert [redact_passwords(s.normalized) for s in statements] == [
        "create role bob with login encrypted password '****' valid until 'infinity'",
        "alter user bob password '****'",
    ]


def test_statement_without_the_word_is_returned_untokenized(monkeypatch):
    def refuse(source):
        raise AssertionError("tokenized")

    monkeypatch.setattr(redact, "tokenize", refuse)
    sql = "INSERT INTO t VALUES " + ", ".join(f"({i}, 'row {i}')" for i in range(10_000))

    assert redact_passwords(sql) is sql
