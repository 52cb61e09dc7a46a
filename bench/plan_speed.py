"""Time ``schemactl plan`` of N pending migrations against ``schemactl up`` of the same N.

    .venv/bin/python bench/plan_speed.py                    # 200 synthetic migrations, 3 repeats
    .venv/bin/python bench/plan_speed.py --count 500 --repeat 5

Both run as subprocesses, as a user would run them, against a fresh empty target database on
the server of the PG* variables (defaults 127.0.0.1:5432, postgres): ``up`` applies every
migration there; ``plan --database-url`` reads its (empty) ledger read-only, then builds a
throwaway scratch database on the same server and observes every statement there. The
figures are wall times; the ratio is plan's median over up's. The target: within 2x.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate import synthetic_corpus  # noqa: E402

SCHEMACTL = BENCH.parent / ".venv" / "bin" / "schemactl"
TARGET_RATIO = 2.0


def _server() -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    return f"host={host} port={port} user={user}"


def _timed(args: list[str], server: str) -> float:
    """Seconds one run takes on a new empty database ``plan_bench_*``, dropped after it."""
    name = f"plan_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = f"{server} dbname={name}"
            start = time.perf_counter()
            done = subprocess.run(
                [str(SCHEMACTL), *args, "--database-url", url],
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
            return elapsed
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="synthetic migrations")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    args = parser.parse_args()
    directory = synthetic_corpus(args.count) / "schemactl"
    server = _server()
    commands = {
        "up": ["up", "--dir", str(directory), "--quiet"],
        "plan": ["plan", "--dir", str(directory), "--quiet", "--json"],
    }
    medians = {}
    for label, command in commands.items():
        times = [_timed(command, server) for _ in range(args.repeat)]
        medians[label] = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:<5} {args.count} migrations: median {medians[label]:.2f} s ({runs})")
    ratio = medians["plan"] / medians["up"]
    verdict = "within" if ratio <= TARGET_RATIO else "over"
    print(f"plan / up = {ratio:.2f} ({verdict} the {TARGET_RATIO:g}x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
