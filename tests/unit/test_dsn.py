"""Masking passwords in anything printed, and describing a DSN without its password."""

from __future__ import annotations

import pytest

from schemactl.dsn import describe, mask, mask_known, remember_secret


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


def test_remembered_password_is_masked_wherever_it_appears():
    remember_secret("postgresql://bob:rememb3red@db/app")

    assert mask("server said: rememb3red is wrong") == "server said: **** is wrong"


def test_short_or_absent_passwords_are_not_remembered():
    remember_secret("postgresql://bob:ab@db/app")
    remember_secret("postgresql://bob@db/app")
    remember_secret(None)

    assert mask("ab cd") == "ab cd"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bob:s3cret@db.example:6543/app", "database app on db.example:6543 as bob"),
        ("host=db user=bob password=s3cret dbname=app", "database app on db:5432 as bob"),
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
