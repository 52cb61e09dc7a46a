"""The session's server when the suite runs against another version (SCHEMACTL_TEST_PG=pg16).

One throwaway cluster per pytest session (initdb costs about a second), handed to
pytest-postgresql as an already running server: its ``postgresql`` fixture then makes a fresh
database per test from a template, as it does in the default mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from pytest_postgresql.executors import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from tests.matrix import clusters

VERSION_MODE = re.compile(r"pg\d+")


def cluster_server(version: str, dbname: str) -> Callable[..., Iterator[NoopExecutor]]:
    """A session fixture: a cluster of ``version``, started for the session, as a server."""

    @pytest.fixture(scope="session")
    def postgresql_server() -> Iterator[NoopExecutor]:
        with clusters.running(version) as cluster:
            server = NoopExecutor(
                host=cluster.host, port=cluster.port, user=cluster.user, options="", dbname=dbname
            )
            template = DatabaseJanitor(
                user=cluster.user,
                host=cluster.host,
                port=cluster.port,
                dbname=server.template_dbname,
                as_template=True,
            )
            with template:
                yield server

    return postgresql_server
