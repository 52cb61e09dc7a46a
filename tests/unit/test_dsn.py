"""Masking passwords in anything printed, and describing a DSN without its password."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import conninfo

from schemactl import dsn
from schemactl.dsn import describe, mask, mask_known, remember_secret


@pytest.fixture(autouse=True)
def forget_secrets(monkeypatch):
    """Each test starts knowing no password: remember_secret records them for the process."""
    monkeypatch.setattr(dsn, "_known", dsn._Known())


def libpq_error(url: str) -> str:
    """What libpq says about a connection string it cannot read (it often quotes it)."""
    with pytest.raises(psycopg.ProgrammingError) as raised:
        conninfo.conninfo_to_dict(url)
    return str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://bob:s3cret@db:5432/app", "postgresql://bob:****@db:5432/app"),
        ("postgres://bob:p%40ss@db/app?sslmode=require", "postgres://bob:****@db/app?sslmode=require"),
        ("error for postgresql://u:pw@h/d: boom", "error for postgresql://u:****@h/d: boom"),
        ("host=db password=s3cret user=bob", "host=db password=**** user=bob"),
        ("host=db password = 'se cret' user=bob", "host=db password = **** user=bob"),
        ("postgresql://db/app?password=s3cret&user=bob", "postgresql://db/app?password=****&user=bob"),
        ("postgresql://bob@db/app", "postgresql://bob@db/app"),
        ("no secrets here", "no secrets here"),
    ],
)  # fmt: skip
def test_mask_hides_passwords_in_urls_and_key_value_strings(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Mistyped or unusual schemes, which libpq reads as key=value text and echoes whole.
        ('after "postgres:/bob:s3cret@db/app" in', 'after "postgres:/bob:****@db/app" in'),
        ("postgresql:bob:s3cret@db/app", "postgresql:bob:****@db/app"),
        ("POSTGRESQL://bob:s3cret@db/app", "POSTGRESQL://bob:****@db/app"),
        ("jdbc:postgresql://db/app?user=bob&password=s3cret", "jdbc:postgresql://db/app?user=bob&password=****"),
        # Unencoded @ / ? in the password: it runs to the last @ before the host.
        ("postgresql://bob:s3@cr@et@db:5432/app", "postgresql://bob:****@db:5432/app"),
        ("postgresql://bob:s3cr?et@db/app", "postgresql://bob:****@db/app"),
        ("postgresql://bob:s3/cret@db/app", "postgresql://bob:****@db/app"),
        # An @ in a query parameter is not the end of a password.
        ("postgresql://db:5432/app?user=bob@corp", "postgresql://db:5432/app?user=bob@corp"),
        ("postgresql://bob:s3cret@db/app?user=bob@corp", "postgresql://bob:****@db/app?user=bob@corp"),
        # key=value: an unclosed quote runs to the end of the line; unquoted, to the next key.
        ("host=db password='se cret user=bob\nnext", "host=db password=****\nnext"),
        (r"host=db password='it\'s' user=bob", "host=db password=**** user=bob"),
        ("host=db password=se cret user=bob", "host=db password=**** user=bob"),
    ],
)  # fmt: skip
def test_mask_hides_passwords_in_urls_libpq_cannot_read(text, expected):
    assert mask(text) == expected


def test_remembered_password_is_masked_wherever_it_appears():
    remember_secret("postgresql://bob:rememb3red@db/app")

    assert mask("server said: rememb3red is wrong") == "server said: **** is wrong"


# Each URL with its password's parts: remembered, none of them may be printed again, whatever
# libpq quotes of the string.
UNREADABLE = [
    ("postgres:/bob:s3cretpw@db:6543/app", ["s3cretpw"]),
    ("postgresql:bob:s3cretpw@db:6543/app", ["s3cretpw"]),
    ("postgresql:/bob:s3cretpw@db:6543/app", ["s3cretpw"]),
    ("bob:s3cretpw@db:6543/app", ["s3cretpw"]),
    ("POSTGRESQL://bob:s3cretpw@db:6543/app", ["s3cretpw"]),
    ("postgresql://bob:s3c%zzretpw@db:6543/app", ["s3c", "zzretpw"]),
    ("postgresql://bob:s3cret%2Fpw%zz@db:6543/app", ["s3cret", "pw"]),
    ("postgresql://bob:s3cretpw@db:6543/app?nonsense=1", ["s3cretpw"]),
    ("host=db port=6543 user=bob password='s3cr etpw dbname=app", ["s3cr", "etpw"]),
    ("host=db port=6543 user=bob password=s3cr etpw dbname=app", ["s3cr", "etpw"]),
]

# Strings libpq reads, but not as their author meant: it connects elsewhere, naming as a host,
# port or database a part of the password.
MISREAD = [
    ("postgresql://bob:s3cr@etpw@db:6543/app", ["s3cr", "etpw"]),
    ("postgresql://bob:s3cr/etpw@db:6543/app", ["s3cr", "etpw"]),
    ("postgresql://bob@corp:s3cretpw@db:6543/app", ["s3cretpw"]),
]


@pytest.mark.parametrize(("url", "parts"), UNREADABLE)
def test_password_of_a_string_libpq_cannot_read_is_never_printed(url, parts):
    remember_secret(url)

    for text in (mask(libpq_error(url)), mask(f"cannot connect to {url}"), describe(url)):
        assert not [part for part in parts if part in text], text


@pytest.mark.parametrize(("url", "parts"), MISREAD)
def test_password_libpq_misreads_is_never_printed(url, parts):
    params = conninfo.conninfo_to_dict(url)
    remember_secret(url)

    for value in params.values():
        for text in (mask(f"failed to resolve host '{value}'"), mask(f'invalid value "{value}"')):
            assert not [part for part in parts if part in text], text
    assert not [part for part in parts if part in describe(url)]


@pytest.mark.parametrize(("url", "parts"), UNREADABLE + MISREAD)
def test_description_of_a_string_misread_still_says_where_it_points(url, parts):
    description = describe(url)

    assert "db" in description
    assert "bob" in description
    assert "6543" in description


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres:/bob:s3cretpw@db:6543/app", "postgres:/bob:****@db:6543/app"),
        ("postgresql:bob:s3cretpw@db:6543/app", "postgresql:bob:****@db:6543/app"),
        ("bob:s3cretpw@db:6543/app", "bob:****@db:6543/app"),
        ("postgresql://bob:s3cr@etpw@db:6543/app", "postgresql://bob:****@db:6543/app"),
        ("postgresql://bob:s3cr/etpw@db:6543/app", "postgresql://bob:****@db:6543/app"),
        ("postgresql://bob@corp:s3cretpw@db:6543/app", "postgresql://bob@corp:****@db:6543/app"),
        ("postgresql://bob:s3cr@etpw@db:6543/app?user=bob@corp",
         "postgresql://bob:****@db:6543/app?user=bob@corp"),
        ("postgresql:bob:pw@db:6543/app", "postgresql:bob:****@db:6543/app"),
        ("bob:pw@db:6543/app", "bob:****@db:6543/app"),
        ("host=db port=6543 password=a b user=bob", "host=db port=6543 password=**** user=bob"),
    ],
)  # fmt: skip
def test_description_of_a_string_misread_is_the_string_masked(url, expected):
    assert describe(url) == expected


def test_percent_encoded_password_is_masked_encoded_and_decoded():
    remember_secret("postgresql://bob:p%40ss%2Fw0rd@db/app")

    assert mask("p@ss/w0rd and p%40ss%2Fw0rd") == "**** and ****"


def test_password_of_a_url_given_as_the_database_name_is_remembered():
    remember_secret("dbname=postgresql://bob:s3cret@db/app")

    assert mask("echoed s3cret") == "echoed ****"


def test_quoted_key_value_password_with_spaces_and_quotes_is_masked():
    url = r"host=db user=bob password='it\'s a \"secret\"' dbname=app"
    remember_secret(url)

    assert mask("""server said: it's a "secret" is wrong""") == "server said: **** is wrong"
    assert describe(url) == "database app on db:5432 as bob"


def test_pgpassword_is_remembered(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "fr0m-env")

    remember_secret(None)

    assert mask("echoed fr0m-env") == "echoed ****"
    assert mask_known("'fr0m-env'") == "'****'"


def test_absent_passwords_are_not_remembered():
    remember_secret("postgresql://bob@db/app")
    remember_secret(None)

    assert dsn._known.everywhere == ()
    assert dsn._known.delimited is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('invalid percent-encoded token: "ab"', 'invalid percent-encoded token: "****"'),
        ("failed to resolve host 'ab@db'", "failed to resolve host '****@db'"),
        ("bob:ab@db/app", "bob:****@db/app"),
        ("ab cd", "ab cd"),
        ("table tab has column ab", "table tab has column ab"),
    ],
)
def test_short_password_is_masked_only_where_delimited(text, expected):
    remember_secret("postgresql://bob:ab@db/app")

    assert mask(text) == expected


def test_one_character_password_is_not_echoed_in_its_url():
    remember_secret("postgresql:bob:x@db/app")

    assert describe("postgresql:bob:x@db/app") == "postgresql:bob:****@db/app"
    assert mask("a table with x rows") == "a table with x rows"


def test_short_password_is_left_in_data():
    remember_secret("postgresql://bob:ab@db/app")

    assert mask_known("SELECT 'ab'") == "SELECT 'ab'"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bob:s3cret@db.example:6543/app", "database app on db.example:6543 as bob"),
        ("host=db user=bob password=s3cret dbname=app", "database app on db:5432 as bob"),
        ("postgresql://bob:p%40ss@db/app", "database app on db:5432 as bob"),
        ("postgresql://bob:pa:ss?x@db/app", "database app on db:5432 as bob"),
        ("dbname=postgresql://bob:s3cret@db:6543/app", "database app on db:6543 as bob"),
        ("host=x dbname='postgresql://bob:s3cret@db/app'", "database app on db:5432 as bob"),
        ("", "database (PGDATABASE or user name) on (PGHOST or local socket):5432 "
             "as (PGUSER or OS user)"),
    ],
)  # fmt: skip
def test_describe_never_includes_the_password(url, expected):
    assert describe(url) == expected


def test_describe_of_an_unparsable_string_is_masked():
    assert "s3cret" not in describe("password=s3cret this is not a dsn")


def test_mask_known_replaces_only_remembered_passwords():
    remember_secret("postgresql://bob:kn0wnsecret@db/app")
    sql = "UPDATE users SET password = NULL WHERE note = 'kn0wnsecret';"

    assert mask_known(sql) == "UPDATE users SET password = NULL WHERE note = '****';"
