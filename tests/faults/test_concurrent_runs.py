"""Many ``schemactl up`` processes on one database and directory at once."""

from __future__ import annotations

import json
import random

import psycopg
import pytest

from schemactl.errors import ExitCode
from schemactl.run.db import lock_key
from schemactl.run.ledger import LedgerTable
from tests.conftest import url_for
from tests.faults.conftest import (
    LEDGER,
    assert_same_database,
    counter_migrations,
    finish,
    ledger,
    once_each,
    read_line,
    up_clean,
)

RUNS = 16
MIGRATIONS = 60
TO_SEED = 1616


@pytest.mark.slow
def test_sixteen_concurrent_ups_apply_each_migration_exactly_once(
    conn, migration_dir, target, spawn, make_database
):
    conn.execute("CREATE TABLE counter (n int)")
    directory = migration_dir(
        counter_migrations(
            range(1, MIGRATIONS + 1),
            "CREATE TABLE t{n} (id int);\nINSERT INTO counter VALUES ({n});",
        )
    )
    # All runs but one stop at a random version: whichever takes the lock goes as far as its
    # own stop, and the next to take it starts where the last one stopped.
    rng = random.Random(TO_SEED)
    stops: list[int | None] = [rng.randint(1, MIGRATIONS) for _ in range(RUNS - 1)]
    stops.insert(rng.randrange(RUNS), None)
    key = lock_key(str(LedgerTable.parse(LEDGER)))

    # The test holds the run lock until every run waits for it, then lets them all race.
    with psycopg.connect(url_for(conn), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        runs = []
        for stop in stops:
            limit = ["--to", str(stop)] if stop is not None else []
            runs.append(spawn("up", "--json", "--wait", "120", *limit, *target(directory)))
        for run in runs:
            assert read_line(run, 90).startswith("waiting for the run lock, held by pid ")
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        results = [finish(run, 120) for run in runs]

    ran = []
    for run, stop, (out, err) in zip(runs, stops, results, strict=True):
        assert run.returncode == ExitCode.OK, err
        versions = [item["version"] for item in json.loads(out)["ran"]]
        assert all(version <= (stop or MIGRATIONS) for version in versions)
        assert versions == sorted(versions)
        ran += versions
    # Each migration was run by exactly one of the runs, and recorded once.
    assert sorted(ran) == list(range(1, MIGRATIONS + 1))
    assert once_each(conn) == list(range(1, MIGRATIONS + 1))
    assert [(row.version, row.dirty) for row in ledger(conn)] == [
        (n, False) for n in range(1, MIGRATIONS + 1)
    ]
    clean = make_database()
    clean.execute("CREATE TABLE counter (n int)")
    up_clean(directory, clean)
    assert_same_database(conn, clean)
