"""What watching long migrations costs a run of short ones: ``up`` of 1,000 small migrations
with the watcher (the default) against the same run without it, side by side.

    .venv/bin/python bench/watcher.py                  # 5 pairs
    .venv/bin/python bench/watcher.py --repeat 9 --count 1000

Each run applies the synthetic set (generate.py) to a fresh database. The two variants run
back to back in every round, in alternating order (A B, B A, ...), so a busy moment of a
shared machine falls on both; the overhead is the median of the per-round ratios. The
watcher is switched off only through the benchmark's own environment variable
(``SCHEMACTL_BENCH_NO_WATCH``), which nothing else sets.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys

import generate
from run import (
    LOGS,
    SCHEMACTL,
    Invocation,
    checkpoint,
    create_database,
    drop_database,
    libpq_url,
    load_average,
    measure,
)

NO_WATCH_ENV = "SCHEMACTL_BENCH_NO_WATCH"
VARIANTS = {"watched": {}, "unwatched": {NO_WATCH_ENV: "1"}}
# The watcher's budget over a run of short migrations.
TARGET_OVERHEAD = 0.02


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_up(variant: str, corpus_dir: str, round_index: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, of the run and its children)."""
    database = f"bench_watch_{variant}"
    create_database(database)
    checkpoint()
    try:
        argv = [str(SCHEMACTL), "up", "--dir", corpus_dir, "--database-url", libpq_url(database)]
        log = LOGS / "watcher" / f"{variant}-{round_index}.log"
        cpu_before = children_cpu()
        result = measure(Invocation(argv, VARIANTS[variant]), log)
        cpu = children_cpu() - cpu_before
        if result.exit_code != 0:
            sys.exit(f"{variant} run {round_index} exited {result.exit_code}: see {log}")
        return result.seconds, cpu
    finally:
        drop_database(database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--count", type=int, default=1000, help="migrations (default 1000)")
    args = parser.parse_args()
    corpus_dir = str(generate.synthetic_corpus(args.count) / "schemactl")
    load_at_start = load_average()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpus: dict[str, list[float]] = {name: [] for name in VARIANTS}
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for index in range(args.repeat):
        order = list(VARIANTS) if index % 2 == 0 else list(reversed(VARIANTS))
        for variant in order:
            wall, cpu = timed_up(variant, corpus_dir, index)
            times[variant].append(wall)
            cpus[variant].append(cpu)
        ratios.append(times["watched"][-1] / times["unwatched"][-1])
        cpu_ratios.append(cpus["watched"][-1] / cpus["unwatched"][-1])
        print(
            f"round {index + 1}: watched {times['watched'][-1]:.3f} s "
            f"(cpu {cpus['watched'][-1]:.3f} s), unwatched {times['unwatched'][-1]:.3f} s "
            f"(cpu {cpus['unwatched'][-1]:.3f} s), ratio {ratios[-1]:.3f}",
            flush=True,
        )
    overhead = statistics.median(ratios) - 1
    print(f"\nup of {args.count} small migrations, {args.repeat} rounds")
    print(f"load average {load_at_start} at the start, {load_average()} at the end")
    for name, values in times.items():
        print(
            f"  {name:<9}  wall median {statistics.median(values):.3f} s  "
            f"min {min(values):.3f} s  max {max(values):.3f} s  "
            f"cpu median {statistics.median(cpus[name]):.3f} s"
        )
    cpu_overhead = statistics.median(cpu_ratios) - 1
    print(f"  cpu overhead (median of per-round ratios): {cpu_overhead * 100:+.2f} %")
    verdict = "within" if overhead <= TARGET_OVERHEAD else "OVER"
    print(
        f"  overhead (median of per-round ratios): {overhead * 100:+.2f} % "
        f"({verdict} the {TARGET_OVERHEAD * 100:.0f} % budget)"
    )
    return 0 if overhead <= TARGET_OVERHEAD else 1


if __name__ == "__main__":
    raise SystemExit(main())
