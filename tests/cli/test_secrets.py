"""No part of a password is ever printed, whatever shape its connection string has.

Every string points at port 1 of 127.0.0.1, or cannot be read at all, so nothing is reached;
``hostaddr`` spares a name lookup where libpq would otherwise resolve part of the password.
"""

from __future__ import annotations

import pytest

from schemactl import dsn
from schemactl.errors import ExitCode
from tests.cli.conftest import invoke

USERS = ("CREATE TABLE users (id int);", "DROP TABLE users;")


@pytest.fixture(autouse=True)
def forget_secrets(monkeypatch):
    """Passwords these tests give stay out of other tests' masking (it is process-wide)."""
    monkeypatch.setattr(dsn, "_known", dsn._Known())


# (connection string, parts of its password that must never be printed)
SHAPES = [
    pytest.param("postgresql://alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="url"),
    pytest.param("postgres://alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="postgres-url"),
    pytest.param("postgres:/alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="one-slash"),
    pytest.param("postgresql:alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="no-slash"),
    pytest.param("POSTGRESQL://alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="upper-case"),
    pytest.param("alice:s3cretpw@127.0.0.1:1/appdb", ["s3cretpw"], id="no-scheme"),
    pytest.param("postgresql://alice:s3c%zzretpw@127.0.0.1:1/appdb", ["s3c", "zzretpw"],
                 id="bad-percent-escape"),
    pytest.param("postgresql://alice:%zz@127.0.0.1:1/appdb", ["%zz"], id="short-bad-escape"),
    pytest.param("postgresql://alice:s3cr@etpw@127.0.0.1:1/appdb?hostaddr=127.0.0.1",
                 ["s3cr", "etpw"], id="unencoded-at"),
    pytest.param("postgresql://alice:s3cr/etpw@127.0.0.1:1/appdb?hostaddr=127.0.0.1&port=1",
                 ["s3cr", "etpw"], id="unencoded-slash"),
    pytest.param("postgresql://alice:s3cretpw@127.0.0.1:1/appdb?nonsense=1", ["s3cretpw"],
                 id="bad-parameter"),
    pytest.param("host=127.0.0.1 port=1 user=alice password='s3cr etpw dbname=appdb",
                 ["s3cr", "etpw"], id="unclosed-quote"),
    pytest.param("host=127.0.0.1 port=1 user=alice password=s3cr etpw dbname=appdb",
                 ["s3cr", "etpw"], id="unquoted-space"),
    pytest.param("postgres:/alice:pw@127.0.0.1:1/appdb", ["alice:pw"], id="short-one-slash"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "parts"), SHAPES)
def test_no_part_of_the_password_is_printed(url, parts, migration_dir):
    directory = migration_dir({"0001_users": USERS})

    result = invoke(["status", "--dir", directory, "--database-url", url], ExitCode.ENVIRONMENT)

    assert not [part for part in parts if part in result.output], result.output
    assert "127.0.0.1" in result.stderr
    assert "alice" in result.stderr


def test_up_with_an_unencoded_at_names_the_host_without_the_password(migration_dir):
    directory = migration_dir({"0001_users": USERS})
    url = "postgresql://alice:s3cr@etpw@127.0.0.1:1/appdb?hostaddr=127.0.0.1"

    result = invoke(["up", "--dir", directory, "--database-url", url], ExitCode.ENVIRONMENT)

    assert "error: cannot connect to postgresql://alice:****@127.0.0.1:1/appdb" in result.stderr
    assert "s3cr" not in result.output
    assert "etpw" not in result.output


def test_password_from_the_environment_is_never_printed(migration_dir, monkeypatch):
    directory = migration_dir({"0001_users": USERS})
    monkeypatch.setenv("PGPASSWORD", "s3cretpw")
    # The password appears in the string only where libpq reads a database name.
    url = "postgresql://alice@127.0.0.1:1/s3cretpw"

    result = invoke(["status", "--dir", directory, "--database-url", url], ExitCode.ENVIRONMENT)

    assert "s3cretpw" not in result.output
    assert "127.0.0.1:1 as alice" in result.stderr
