"""Where one ``check`` spends its time: the round trips' parts, each job's timeline, and the
server's CPU beside the client's.

    .venv/bin/python bench/check_parts.py bench/out/realistic-300/schemactl
    .venv/bin/python bench/check_parts.py DIR --jobs 1          # the parts of one run, alone
    .venv/bin/python bench/check_parts.py DIR --url postgresql://postgres@127.0.0.1/postgres

Runs ``check_directory`` in this process with the functions that do the work wrapped in
timers: applying a file (alone, or with the digest after it), digests (and each query they
send), model loads, the re-runs, the way back to empty, and the scratch databases' creation
and dropping. With more than one job the parts overlap, so their sum exceeds the wall time;
the timeline shows when each job started its plain ups, its first round trip and its way
back, and when it ended. The server's CPU is read from /proc (the postmaster's reaped children
and the live backends), so it needs the server on this machine; elsewhere it is left out.
Nothing here is a test: it reads, it asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemactl.catalog.digest as digest
import schemactl.check.gate as gate
import schemactl.schema.scratch as scratch
from schemactl.check.report import Options

DEFAULT_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

_spent: collections.defaultdict[str, float] = collections.defaultdict(float)
_calls: collections.Counter[str] = collections.Counter()
_events: list[tuple[float, str, str]] = []
_start = [time.perf_counter()]  # set again as the check starts


def _timed(owner: Any, name: str, label: str | None = None) -> None:
    original = getattr(owner, name)
    label = label or name.strip("_")

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _spent[label] += time.perf_counter() - begun
            _calls[label] += 1

    setattr(owner, name, timed)


def _marked(owner: Any, name: str, before: str, after: str | None = None) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def marked(*args: Any, **kwargs: Any) -> Any:
        _mark(before)
        try:
            return original(*args, **kwargs)
        finally:
            if after:
                _mark(after)

    setattr(owner, name, marked)


def _mark(what: str) -> None:
    _events.append((time.perf_counter() - _start[0], threading.current_thread().name, what))


def _queries() -> None:
    """Each batch of digest queries, by the files it runs (``touched+fingerprint`` ...)."""
    original: Callable[..., Any] = digest._run

    def run(conn: Any, calls: list[Any], prepared: set[str], step: str = "") -> Any:
        label = "query " + "+".join(query.file for query, _, _ in calls)
        label += " (with its step)" if step else ""
        begun = time.perf_counter()
        try:
            return original(conn, calls, prepared, step)
        finally:
            _spent[label] += time.perf_counter() - begun
            _calls[label] += 1

    digest._run = run


def _server_cpu() -> float | None:
    """Seconds of CPU the local PostgreSQL processes have used, reaped backends included."""
    ticks = os.sysconf("SC_CLK_TCK")
    names: dict[int, str] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        names[int(entry)] = text[text.index("(") + 1 : text.rindex(")")]
        stats[int(entry)] = text[text.rindex(")") + 2 :].split()
    total = 0
    for pid, fields in stats.items():
        if not names[pid].startswith("postgres"):
            continue
        user, system, child_user, child_system = map(int, fields[11:15])
        total += user + system
        if not names.get(int(fields[1]), "").startswith("postgres"):
            total += child_user + child_system  # the postmaster: its reaped backends
    return total / ticks if total else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--url", default=DEFAULT_URL, help="server for the scratch databases")
    args = parser.parse_args()

    for name in ("_apply_quickly", "_apply_plainly", "apply_script", "load_schema", "_replayed"):
        _timed(gate, name)
    for name in ("_rerun_rolled_back", "_rerun_autocommit", "_thorough", "_all_down"):
        _timed(gate.RoundTrip, name)
    _timed(gate.RoundTrip, "_apply_and_take", "apply and digest")
    _timed(digest.SchemaDigests, "take", "digest")
    _queries()
    _marked(gate.RoundTrip, "_segment_on", "run starts", "run ends")
    _marked(gate.RoundTrip, "_all_down", "way back starts", "way back ends")
    _marked(scratch, "_create_database", "creating a database", "database created")
    _marked(scratch, "_drop_database", "dropping a database", "database dropped")
    first_trip = gate.RoundTrip._one

    def one(self: gate.RoundTrip, *rest: Any) -> Any:
        if not getattr(threading.current_thread(), "schemactl_started", False):
            threading.current_thread().schemactl_started = True  # type: ignore[attr-defined]
            _mark("first round trip")
        return first_trip(self, *rest)

    gate.RoundTrip._one = one  # type: ignore[method-assign, assignment]

    server_before = _server_cpu()
    client_before = time.process_time()
    _start[0] = time.perf_counter()
    report = gate.check_directory(
        args.directory, lambda: scratch.scratch_database(args.url), Options(jobs=args.jobs)
    )
    wall = time.perf_counter() - _start[0]
    client = time.process_time() - client_before
    time.sleep(0.3)  # the backends exit and are reaped
    server_after = _server_cpu()

    print(f"check of {len(report.migrations)} migrations, {args.jobs} job(s): {wall:.2f} s wall")
    print(f"client CPU {client:.2f} s", end="")
    if server_before is not None and server_after is not None:
        print(f", server CPU {server_after - server_before:.2f} s (every local backend)")
    else:
        print()
    print()
    print(f"{'part':44} {'total s':>8} {'calls':>6} {'each ms':>8}")
    for label, spent in sorted(_spent.items(), key=lambda item: -item[1]):
        each = 1000 * spent / _calls[label]
        print(f"{label:44} {spent:8.3f} {_calls[label]:6d} {each:8.2f}")
    print()
    for at, thread, what in _events:
        print(f"{at:6.2f} s  {thread:12} {what}")


if __name__ == "__main__":
    main()
