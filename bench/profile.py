"""Profile schemactl's up of N synthetic migrations, then a no-op up and a status on them.

    .venv/bin/python bench/profile.py                 # N = 1000
    .venv/bin/python bench/profile.py --count 200 --top 15

For each command: its wall time without a profiler (median of 5; up: of 1), the queries it
sends (counted by wrapping psycopg's Cursor.execute in the command's own process), and a py-spy
profile (with idle time, so waiting on the server shows) summarised three ways: time spent
importing, by top-level package; the schemactl functions with the most time inclusive; and the
lines where the samples land. py-spy runs from bench/.tools/profiler-venv, never from .venv.
Raw stacks are kept in bench/out/profile-*.txt (flamegraph.pl or speedscope can draw them).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import generate
import peers
import run

PY_SPY = peers.PROFILER_VENV / "bin" / "py-spy"

# Runs schemactl's console entry point in-process after wrapping Cursor.execute (and psycopg's
# own BEGIN/COMMIT path), then writes the count and the first words of each query to the file
# named by argv[1]: one entry per round trip to the server.
COUNT_QUERIES = """
import atexit, json, sys
import psycopg

sent = []
original = psycopg.Cursor.execute

def execute(self, query, *args, **kwargs):
    text = query.as_string(self.connection) if hasattr(query, "as_string") else query
    text = text.decode() if isinstance(text, bytes) else str(text)
    sent.append(" ".join(text.split())[:70])
    return original(self, query, *args, **kwargs)

psycopg.Cursor.execute = execute

# psycopg sends BEGIN, COMMIT and ROLLBACK of conn.transaction() itself, not through a cursor.
from psycopg._connection_base import BaseConnection

original_command = BaseConnection._exec_command

def exec_command(self, command, *args, **kwargs):
    text = command.as_string(self) if hasattr(command, "as_string") else command
    text = text.decode() if isinstance(text, bytes) else str(text)
    sent.append(" ".join(text.split())[:70])
    return original_command(self, command, *args, **kwargs)

BaseConnection._exec_command = exec_command
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write(json.dumps(sent)))
sys.argv = ["schemactl", *sys.argv[2:]]
from schemactl.cli.app import main
main()
"""


@dataclass(frozen=True)
class Profiled:
    label: str
    args: list[str]
    timed_runs: int
    fresh_database: bool  # a new, empty database before each run (else: reuse, as left)


def schemactl_args(verb: list[str], corpus: Path, db: str) -> list[str]:
    return [*verb, "--dir", str(corpus / "schemactl"), "--database-url", run.libpq_url(db)]


def wall_time(args: list[str], runs: int, label: str) -> float:
    invocation = run.Invocation([str(run.SCHEMACTL), *args])
    log = run.LOGS / "profile" / f"{label}.log"
    return statistics.median(run.measure(invocation, log).seconds for _ in range(runs))


def count_queries(args: list[str], label: str) -> list[str]:
    out = generate.OUT / f"profile-{label}-queries.json"
    argv = [str(run.PYTHON), "-c", COUNT_QUERIES, str(out), *args]
    subprocess.run(argv, capture_output=True, env=run.child_environment({}), check=False)
    return json.loads(out.read_text()) if out.exists() else []


def record(args: list[str], label: str, rate: int) -> Path:
    out = generate.OUT / f"profile-{label}.txt"
    argv = [str(PY_SPY), "record", "--idle", "--rate", str(rate), "--format", "raw"]
    argv += ["-o", str(out), "--", str(run.SCHEMACTL), *args]
    subprocess.run(argv, capture_output=True, env=run.child_environment({}), check=True)
    return out


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks.append((stack.split(";"), int(count)))
    return stacks


FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def function_of(frame: str) -> str:
    """'up (schemactl/operations.py:82)' -> 'schemactl/operations.py:up'."""
    match = FRAME.match(frame)
    return f"{match['file']}:{match['function']}" if match else frame


def imported_package(stack: list[str]) -> str | None:
    """The top-level package whose import is running in this stack, if any."""
    inside = False
    for frame in stack:
        if frame.startswith("_find_and_load "):
            inside = True
        elif inside and frame.startswith("<module> "):
            match = FRAME.match(frame)
            path = match["file"] if match else frame
            return path.split("/")[0].removesuffix(".py")
    return None


def summarise(path: Path, top: int) -> list[str]:
    stacks = read_stacks(path)
    total = sum(count for _, count in stacks)
    imports: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    for stack, count in stacks:
        package = imported_package(stack)
        if package:
            imports[package] += count
        for function in {function_of(f) for f in stack if "schemactl/" in f}:
            inclusive[function] += count
        leaves[stack[-1]] += count

    def share(count: int) -> str:
        return f"{100 * count / total:5.1f}%"

    lines = [f"  {total} samples; importing: {share(sum(imports.values()))} of them"]
    lines += [f"    {share(n)} import {name}" for name, n in imports.most_common(6)]
    lines += ["  schemactl functions, inclusive:"]
    lines += [f"    {share(n)} {name}" for name, n in inclusive.most_common(top)]
    lines += ["  where samples land (self):"]
    lines += [f"    {share(n)} {name}" for name, n in leaves.most_common(top)]
    return lines


def query_summary(queries: list[str]) -> list[str]:
    # Two words, not three: "CREATE INDEX <name>" would make every index its own kind.
    kinds = collections.Counter(" ".join(q.split()[:2]) for q in queries)
    lines = [f"  {len(queries)} queries sent:"]
    lines += [f"    {n:5} x {kind}" for kind, n in kinds.most_common(8)]
    return lines


def profile_case(case: Profiled, db: str, rate: int, top: int) -> list[str]:
    """Wall time, queries and profile of one command, each from the same starting state."""

    def prepare() -> None:
        if case.fresh_database:
            run.create_database(db)

    prepare()
    wall = wall_time(case.args, case.timed_runs, case.label)
    prepare()
    queries = count_queries(case.args, case.label)
    prepare()
    stacks = record(case.args, case.label, rate)
    lines = [f"{case.label}: {wall:.3f} s without profiler (median of {case.timed_runs})"]
    return lines + query_summary(queries) + summarise(stacks, top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="synthetic migrations")
    parser.add_argument("--rate", type=int, default=500, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=12, help="rows per summary")
    args = parser.parse_args()
    if not PY_SPY.exists() and peers.install_profiler():
        sys.exit("could not install py-spy into bench/.tools/profiler-venv")
    corpus = generate.synthetic_corpus(args.count)
    db = f"bench_profile_{os.getpid()}"
    n = args.count
    cases = [
        # The up leaves all N applied: the no-op up and the status run on that database.
        Profiled(f"up-{n}", schemactl_args(["up"], corpus, db), 1, fresh_database=True),
        Profiled(f"noop-up-{n}", schemactl_args(["up"], corpus, db), 5, fresh_database=False),
        Profiled(f"status-{n}", schemactl_args(["status"], corpus, db), 5, fresh_database=False),
    ]
    report: list[str] = []
    try:
        for case in cases:
            report += ["", *profile_case(case, db, args.rate, args.top)]
    finally:
        run.drop_database(db)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
