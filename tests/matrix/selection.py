"""Which tests the other PostgreSQL versions run, and the only reasons a test skips there.

The whole suite runs on the server CI provides; a run against another version
(``SCHEMACTL_TEST_PG=pg16``) selects ``-m versions``: the tests of what reads or depends on
the catalogs (the catalog queries, digests, diffs and dumps, check's round trips) and the
migration sets' whole lifecycle. The marker is given here by path, so that a new test in one
of these places is in the matrix without anyone remembering to mark it.

On a throwaway cluster (a ``pgNN`` run), and only there, a test may end as skipped for one of
two reasons, each stated in the report:

- it creates an extension that this version's binaries do not ship: the wheels bring no
  pgcrypto (which every migration set in ``sql/`` creates), and pgserver's 16 no contrib at
  all. Told by the server's own error, so that no list of such tests goes stale;
- it compares text that the server renders in a way its version decides (RENDERED_BY_VERSION).

On the server the suite normally runs against, nothing is skipped.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Generator
from pathlib import Path

import pytest

from tests.matrix import clusters
from tests.matrix.session import VERSION_MODE

MARKER = "versions"

# Paths under tests/, files or directories.
VERSION_TESTS = (
    "db/",
    "sets/",
    "cli/test_check.py",
    "cli/test_check_disproof.py",
    "cli/test_check_fidelity.py",
    "cli/test_diff.py",
    "cli/test_diff_ledger.py",
    "cli/test_down.py",
    "cli/test_dump.py",
    "cli/test_dump_errors.py",
    "cli/test_status.py",
    "cli/test_up.py",
)

_VIEWS_UNQUALIFIED = (
    16,
    "from PostgreSQL 16 the server writes the columns of a view that reads one relation"
    " unqualified (SELECT a, not SELECT t.a); the golden report holds 15's text",
)
# Node IDs (from tests/) of golden-text tests and (first version that differs, why).
RENDERED_BY_VERSION = {
    "db/test_diff_cases.py::test_case[materialized_view_definition]": _VIEWS_UNQUALIFIED,
    "db/test_diff_cases.py::test_case[view_definition]": _VIEWS_UNQUALIFIED,
    "db/test_diff_cases.py::test_case[view_missing_in_dependency_order]": _VIEWS_UNQUALIFIED,
    "db/test_diff_cases.py::test_case[view_options]": _VIEWS_UNQUALIFIED,
}

# The server's error for CREATE EXTENSION without the extension's files (16 on; 15 before),
# as a message or inside JSON output (quotes escaped).
_MISSING_EXTENSION = re.compile(
    r'extension \\?"([\w-]+)\\?" is not available'
    r'|could not open extension control file \\?"[^"]*/([\w-]+)\.control'
)
_TESTS = Path(__file__).resolve().parent.parent
# Read at import: tests/conftest.py's autouse fixture clears SCHEMACTL_* during each test.
_MODE = os.environ.get("SCHEMACTL_TEST_PG", "server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the version subset."""
    for item in items:
        if _relative(item).startswith(VERSION_TESTS):
            item.add_marker(MARKER)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a golden-text test whose text this run's server version renders otherwise."""
    version = _cluster_version()
    rendered = RENDERED_BY_VERSION.get(_relative(item))
    if version is None or rendered is None:
        return
    since, why = rendered
    if int(version.removeprefix("pg")) >= since:
        pytest.skip(why)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Report a test that failed for want of an extension this version lacks as skipped."""
    report = yield
    version = _cluster_version()
    if version is None or not report.failed or report.when == "teardown":
        return report
    found = _MISSING_EXTENSION.search(str(report.longrepr))
    extension = found and (found[1] or found[2])
    if extension and not shipped(version, extension):
        report.outcome = "skipped"
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            f"Skipped: the {version} server installed here ships no {extension} extension",
        )
    return report


@functools.cache
def shipped(version: str, extension: str) -> bool:
    """True when the binaries of ``version`` come with ``extension``."""
    bindir = clusters.binaries(version)
    if bindir is None:
        return False
    sharedir = subprocess.run(
        [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return (Path(sharedir) / "extension" / f"{extension}.control").is_file()


def _cluster_version() -> str | None:
    """``pg16`` in a run against a throwaway cluster, else None."""
    return _MODE if VERSION_MODE.fullmatch(_MODE) else None


def _relative(item: pytest.Item) -> str:
    path = Path(str(item.path)).resolve()
    relative = path.relative_to(_TESTS).as_posix() if path.is_relative_to(_TESTS) else str(path)
    _, separator, rest = item.nodeid.partition("::")
    return relative + separator + rest
