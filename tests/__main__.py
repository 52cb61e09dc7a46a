"""The whole suite as CI runs it: ``python -m tests [PYTEST ARGS]``.

Every test on the configured server (README, "Running the tests"), then the tests marked
``versions`` (catalog, digest, diff, dump, check and the migration sets) on PostgreSQL 16 and
18, each on a throwaway cluster from the test extra's wheels (tests/matrix/clusters.py). Every
run goes ahead whatever the one before it found; the exit code is the first failing run's.
"""

from __future__ import annotations

import os
import subprocess
import sys

VERSIONS = ("pg16", "pg18")
NO_TESTS_COLLECTED = 5  # pytest's exit code


def main(argv: list[str]) -> int:
    runs: list[tuple[dict[str, str], list[str]]] = [({}, [])]
    runs += [({"SCHEMACTL_TEST_PG": v}, ["-m", "versions"]) for v in VERSIONS]
    first_failure = 0
    for env, extra in runs:
        if env:
            print(f"\nthe version tests on {env['SCHEMACTL_TEST_PG']}", flush=True)
        command = [sys.executable, "-m", "pytest", *extra, *argv]
        code = subprocess.call(command, env={**os.environ, **env})
        if env and code == NO_TESTS_COLLECTED:
            code = 0  # arguments that chose no version test: nothing there to fail
        first_failure = first_failure or code
    return first_failure


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
