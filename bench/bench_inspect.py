"""Benchmark: inspect a generated schema and diff it against itself.

Run by hand (not a test):

    .venv/bin/python bench/bench_inspect.py [SERVER_URL] [--tables N ...]

For each size (default 10 and 1,000), a throwaway database is created on the server of
SERVER_URL (default: DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres) and
filled with N tables of 6 columns, 1 foreign key and 2 indexes each. The script reports the
wall time of ``load_schema`` and ``diff_models`` and the number of queries the load sent,
which must not grow with N. The database is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import psycopg

from schemactl.catalog.load import load_schema
from schemactl.schema.diff import diff_models
from schemactl.schema.scratch import scratch_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class CountingCursor(psycopg.Cursor[Any]):
    """Counts every statement executed through cursors of its connection."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> CountingCursor:  # type: ignore[override]
        self.connection.queries_sent += 1  # type: ignore[attr-defined]
        super().execute(query, params, **kwargs)
        return self


def table_sql(n: int) -> str:
    parent = f"t{n - 1}" if n else "t0"
    return f"""
        CREATE TABLE t{n} (
            id bigint PRIMARY KEY,
            parent_id bigint REFERENCES {parent} (id) ON DELETE CASCADE,
            name text NOT NULL,
            amount numeric(12, 2) DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            active boolean
        );
        CREATE INDEX t{n}_parent_idx ON t{n} (parent_id);
        CREATE INDEX t{n}_name_created_idx ON t{n} (lower(name), created_at DESC) WHERE active;
    """


def build(conn: psycopg.Connection, tables: int) -> None:
    for start in range(0, tables, 100):
        conn.execute("\n".join(table_sql(n) for n in range(start, min(start + 100, tables))))


def measure(url: str, tables: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        build(conn, tables)
        conn.cursor_factory = CountingCursor
        conn.queries_sent = 0  # type: ignore[attr-defined]
        started = time.perf_counter()
        model = load_schema(conn)
        loaded = time.perf_counter()
        changes = diff_models(model, model)
        finished = time.perf_counter()
        queries = conn.queries_sent  # type: ignore[attr-defined]
    assert changes == [] and len(model.tables) == tables
    print(
        f"{tables:>6} tables  {len(model.indexes):>5} indexes  {len(model.constraints):>5} "
        f"constraints | inspect {1000 * (loaded - started):7.1f} ms  "
        f"diff {1000 * (finished - loaded):6.1f} ms  "
        f"total {1000 * (finished - started):7.1f} ms | {queries} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server_url", nargs="?", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--tables", type=int, nargs="+", default=[10, 1000])
    args = parser.parse_args()
    for tables in args.tables:
        with scratch_database(args.server_url or DEFAULT_URL) as url:
            measure(url, tables)


if __name__ == "__main__":
    main()
