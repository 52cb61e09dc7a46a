"""Time schemactl's static lint against squawk's on the same migration files.

    .venv/bin/python bench/lint_speed.py DIR                 # 5 repeats each
    .venv/bin/python bench/lint_speed.py DIR --repeat 9 --limit 500 --findings

DIR may hold migrations in any layout: schemactl's own ``NNNN_name.up.sql`` pairs, diesel's
``<version>_<name>/up.sql`` and ``down.sql`` directories (a ``metadata.toml`` that says
``run_in_transaction = false`` makes both files no-transaction), golang-migrate's
``.up.sql``/``.down.sql`` pairs, or loose ``.sql`` files (each an up with no down, declared
irreversible; only where no pairs are found). They are copied in version order (diesel's
``2017-09-23-182408`` and ``20170804200817`` compare by their digits) into a schemactl
directory under ``bench/out/`` with versions 1, 2, 3, ..., so that ``schemactl check
--lint-only`` reads every file; an empty file gets a comment, since schemactl refuses a file
with nothing in it. squawk gets the very same copies. Each tool runs as a subprocess, as a
user would run it, the two in turn; the figures are wall times and CPU times (user + system,
which other work on a shared machine disturbs less), the ratios schemactl's medians over
squawk's, and the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
VENV_BIN = BENCH.parent / ".venv" / "bin"
OUT = BENCH / "out" / "lint_speed"
TARGET_RATIO = 2.5

_DIRECTION = re.compile(r"^(?P<stem>.+?)[._-](?P<dir>up|down)\.sql$", re.IGNORECASE)


@dataclass
class Pair:
    """One migration as found: its up, its down (if any), and whether it runs outside a
    transaction."""

    name: str
    up: Path
    down: Path | None
    no_transaction: bool = False


def find_pairs(root: Path) -> list[Pair]:
    """Every migration under ``root``, in path order."""
    by_stem: dict[Path, Pair] = {}
    for path in sorted(root.rglob("*.sql")):
        if path.name.lower() in ("up.sql", "down.sql"):
            key, name = path.parent, path.parent.name
            is_down = path.name.lower() == "down.sql"
        else:
            match = _DIRECTION.match(path.name)
            stem = match.group("stem") if match else path.stem
            key, name = path.parent / stem, stem
            is_down = bool(match and match.group("dir").lower() == "down")
        pair = by_stem.setdefault(key, Pair(name, path, None))
        if is_down:
            pair.down = path
        else:
            pair.up = path
        metadata = path.parent / "metadata.toml"
        if metadata.exists() and re.search(r"run_in_transaction\s*=\s*false", metadata.read_text()):
            pair.no_transaction = True
    pairs = [pair for pair in by_stem.values() if pair.up.name.lower() != "down.sql"]
    if any(pair.down is not None for pair in pairs):
        # Beside real pairs, a loose file is a script of another kind (data, a seed).
        pairs = [pair for pair in pairs if pair.down is not None]
    return sorted(pairs, key=_version_order)


def _version_order(pair: Pair) -> tuple[str, str]:
    """Diesel's ``2017-09-23-182408`` and ``20170804200817`` compare by their digits alone."""
    leading = re.match(r"^[0-9_.-]+", pair.name)
    digits = re.sub(r"[^0-9]", "", leading.group(0)) if leading else ""
    return digits.ljust(20, "0"), str(pair.up)


def write_set(pairs: list[Pair], target: Path) -> list[Path]:
    """The pairs as a schemactl directory at ``target``; returns the files written."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    width = len(str(len(pairs)))
    written: list[Path] = []
    for number, pair in enumerate(pairs, start=1):
        name = re.sub(r"[^a-z0-9]+", "_", pair.name.lower()).strip("_") or "migration"
        stem = f"{number:0{width}d}_{name}"
        directives = "-- schemactl:no-transaction\n" if pair.no_transaction else ""
        if pair.down is None:
            directives += "-- schemactl:irreversible\n"
        files = [(pair.up, "up")] + ([(pair.down, "down")] if pair.down else [])
        for source, direction in files:
            path = target / f"{stem}.{direction}.sql"
            body = source.read_text(encoding="utf-8", errors="replace")
            if not body.strip():
                # schemactl refuses an empty file; diesel takes it as "nothing to undo".
                body = "-- empty in the original\n"
            path.write_text(directives + body, encoding="utf-8")
            written.append(path)
    return written


@dataclass
class Timing:
    """One run's wall time and CPU time (user + system), in seconds."""

    wall: float
    cpu: float


def timed(argv: list[str]) -> tuple[Timing, subprocess.CompletedProcess[str]]:
    """Wall and CPU time of one run of ``argv``, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu), done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="use the first N migrations")
    parser.add_argument("--findings", action="store_true", help="print schemactl's errors")
    args = parser.parse_args()

    pairs = find_pairs(args.directory)[: args.limit]
    target = OUT / args.directory.resolve().name
    files = write_set(pairs, target)
    print(f"{len(pairs)} migrations, {len(files)} files, copied to {target}", file=sys.stderr)

    schemactl = [str(VENV_BIN / "schemactl"), "check", "--lint-only", "--dir", str(target)]
    squawk = [str(VENV_BIN / "squawk"), *map(str, files)]
    times: dict[str, list[Timing]] = {"schemactl": [], "squawk": []}
    for _ in range(args.repeat):
        for tool, argv in (("schemactl", schemactl), ("squawk", squawk)):
            timing, done = timed(argv)
            times[tool].append(timing)
    if args.findings:
        _, done = timed([*schemactl, "--json"])
        print(done.stdout)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} CPUs")
    header = f"{'tool':<10} {'median s':>9} {'min s':>7} {'max s':>7} {'cpu s':>7}"
    print(f"{header}   ({args.repeat} runs)")
    for tool, runs in times.items():
        walls = [t.wall for t in runs]
        cpu = statistics.median(t.cpu for t in runs)
        print(
            f"{tool:<10} {statistics.median(walls):>9.3f} {min(walls):>7.3f} {max(walls):>7.3f} "
            f"{cpu:>7.3f}"
        )
    for what in ("wall", "cpu"):
        ours, theirs = (statistics.median(getattr(t, what) for t in times[tool]) for tool in times)
        ratio = ours / theirs
        verdict = "within" if ratio <= TARGET_RATIO else "over"
        print(f"schemactl / squawk = {ratio:.2f}x {what} ({verdict} the {TARGET_RATIO}x target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
