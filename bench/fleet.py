"""One ``schemactl up --targets`` against a shell loop of separate ``schemactl up`` runs.

Both apply the same set (``sql/postcard`` unless --set) to the same number of fresh, empty
databases on one server; each round makes the databases anew (not timed), then times the
fleet run and the loop side by side, alternating which goes first, so that a machine loaded
by something else weighs on both alike.

    .venv/bin/python bench/fleet.py [--targets 50] [--parallel 8] [--rounds 3]
        [--server postgresql://postgres@127.0.0.1:5432/postgres] [--set sql/postcard]

Run by hand, never as a test. Databases are named ``fleet_bench_*`` and dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
SCHEMACTL = str(Path(sys.executable).with_name("schemactl"))


def url_of(server: str, dbname: str) -> str:
    base, _, _ = server.rpartition("/")
    return f"{base}/{dbname}"


def recreate(admin: psycopg.Connection, names: list[str]) -> None:
    for name in names:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(admin: psycopg.Connection, names: list[str]) -> None:
    for name in names:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def fleet_run(server: str, names: list[str], directory: Path, parallel: int, work: Path) -> float:
    targets = work / "targets.toml"
    targets.write_text("".join(f'[targets.{n}]\nurl = "{url_of(server, n)}"\n' for n in names))
    started = time.perf_counter()
    subprocess.run(
        [SCHEMACTL, "up", "--quiet", "--dir", str(directory), "--targets", str(targets),
         "--parallel", str(parallel)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def loop_run(server: str, names: list[str], directory: Path) -> float:
    # What a shell loop does: one process per database, one after another.
    script = "\n".join(
        f"{SCHEMACTL} up --quiet --dir {directory} --database-url {url_of(server, n)} || exit 1"
        for n in names
    )
    started = time.perf_counter()
    subprocess.run(["sh", "-c", script], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--set", default=str(ROOT / "sql" / "postcard"))
    args = parser.parse_args()
    directory = Path(args.set).resolve()
    work = Path(__file__).resolve().parent / "out" / "fleet"
    work.mkdir(parents=True, exist_ok=True)
    fleet_names = [f"fleet_bench_f{i:02d}" for i in range(args.targets)]
    loop_names = [f"fleet_bench_l{i:02d}" for i in range(args.targets)]
    fleet_times: list[float] = []
    loop_times: list[float] = []
    with psycopg.connect(args.server, autocommit=True) as admin:
        try:
            for round_ in range(args.rounds):
                recreate(admin, fleet_names + loop_names)
                if round_ % 2:
                    loop_times.append(loop_run(args.server, loop_names, directory))
                    fleet_times.append(
                        fleet_run(args.server, fleet_names, directory, args.parallel, work)
                    )
                else:
                    fleet_times.append(
                        fleet_run(args.server, fleet_names, directory, args.parallel, work)
                    )
                    loop_times.append(loop_run(args.server, loop_names, directory))
                print(
                    f"round {round_ + 1}: fleet {fleet_times[-1]:.2f} s, "
                    f"loop {loop_times[-1]:.2f} s, "
                    f"{loop_times[-1] / fleet_times[-1]:.1f}x",
                    flush=True,
                )
        finally:
            drop(admin, fleet_names + loop_names)
    fleet, loop = statistics.median(fleet_times), statistics.median(loop_times)
    print(
        f"{args.targets} targets of {directory.name}: up --targets --parallel {args.parallel} "
        f"{fleet:.2f} s, shell loop {loop:.2f} s (medians of {args.rounds}): {loop / fleet:.1f}x"
    )


if __name__ == "__main__":
    main()
