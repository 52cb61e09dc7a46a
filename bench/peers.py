"""Install the peer migration tools into bench/.tools/ and find out which of them run here.

    .venv/bin/python bench/peers.py           # install what is missing, then report
    .venv/bin/python bench/peers.py --check   # report only, install nothing

Peers: dbmate (npm package, its native binary ships as an optional dependency), yoyo-migrations
(PyPI, in its own virtualenv), sqitch and sql-migrate (Debian packages; needs root). Every step is
tolerant: a peer that cannot be installed or does not start is reported as unavailable with the
reason, and the benchmark simply leaves its column out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TOOLS = BENCH / ".tools"
NPM_PREFIX = TOOLS / "npm"
YOYO_VENV = TOOLS / "yoyo-venv"
PROFILER_VENV = TOOLS / "profiler-venv"

PEER_NAMES = ("dbmate", "yoyo", "sqitch", "sql-migrate")


@dataclass(frozen=True)
class Peer:
    """A peer tool: the program to run, or the reason it cannot run here."""

    name: str
    program: Path | None
    version: str = ""
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.program is not None


def _run(argv: list[str], timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run a set-up command, capturing output; never raises for a failing command."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 127, "", str(exc))


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _probe(name: str, program: Path | None, version_argv: list[str]) -> Peer:
    """Check that a program starts; its version string is the first line it prints."""
    if program is None or not program.exists():
        return Peer(name, None, reason="not installed")
    done = _run([str(program), *version_argv], timeout=60)
    output = _first_line(done.stdout) or _first_line(done.stderr)
    if done.returncode != 0:
        return Peer(name, None, reason=f"does not start: {output or done.returncode}")
    return Peer(name, program, version=output)


def dbmate_program() -> Path:
    """The native dbmate binary, not the node shim, so node's start-up is not measured."""
    native = NPM_PREFIX / "node_modules" / "@dbmate"
    binaries = sorted(native.glob("*/bin/dbmate"))
    if binaries:
        return binaries[0]
    return NPM_PREFIX / "node_modules" / ".bin" / "dbmate"


def find_dbmate() -> Peer:
    return _probe("dbmate", dbmate_program(), ["--version"])


def find_yoyo() -> Peer:
    peer = _probe("yoyo", YOYO_VENV / "bin" / "yoyo", ["--help"])
    if not peer.available:
        return peer
    pip = _run([str(YOYO_VENV / "bin" / "python"), "-m", "pip", "show", "yoyo-migrations"])
    version = next(
        (
            line.split(":", 1)[1].strip()
            for line in pip.stdout.splitlines()
            if line.startswith("Version")
        ),
        "?",
    )
    return Peer("yoyo", peer.program, version=f"yoyo-migrations {version}")


def _which(name: str) -> Path | None:
    found = shutil.which(name)
    return Path(found) if found else None


def find_sqitch() -> Peer:
    peer = _probe("sqitch", _which("sqitch"), ["--version"])
    if peer.available and _run(["perl", "-MDBD::Pg", "-e1"]).returncode != 0:
        return Peer("sqitch", None, reason="DBD::Pg missing (libdbd-pg-perl)")
    return peer


def find_sql_migrate() -> Peer:
    return _probe("sql-migrate", _which("sql-migrate"), ["--version"])


FINDERS: dict[str, Callable[[], Peer]] = {
    "dbmate": find_dbmate,
    "yoyo": find_yoyo,
    "sqitch": find_sqitch,
    "sql-migrate": find_sql_migrate,
}


def find_peers() -> dict[str, Peer]:
    """Every peer, available or not, without installing anything."""
    return {name: finder() for name, finder in FINDERS.items()}


def install_dbmate() -> str:
    if shutil.which("npm") is None:
        return "npm not found"
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    done = _run(
        ["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "dbmate"]
    )
    return "" if done.returncode == 0 else _first_line(done.stderr) or "npm install failed"


def _make_venv(path: Path, packages: list[str]) -> str:
    if not (path / "bin" / "python").exists():
        done = _run([sys.executable, "-m", "venv", str(path)])
        if done.returncode != 0:
            return _first_line(done.stderr) or "venv creation failed"
    done = _run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages])
    return "" if done.returncode == 0 else _first_line(done.stderr) or "pip install failed"


def install_yoyo() -> str:
    return _make_venv(YOYO_VENV, ["yoyo-migrations", "psycopg2-binary"])


def install_profiler() -> str:
    """py-spy and pyinstrument, kept out of the project's own virtualenv."""
    return _make_venv(PROFILER_VENV, ["py-spy", "pyinstrument"])


def _apt_install(packages: list[str]) -> str:
    if shutil.which("apt-get") is None:
        return "apt-get not found"
    if os.geteuid() != 0:
        return "needs root for apt-get"
    argv = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    env_argv = ["env", "DEBIAN_FRONTEND=noninteractive", *argv]
    if _run(env_argv).returncode == 0:
        return ""
    _run(["apt-get", "update"])  # the package lists may be missing or stale
    done = _run(env_argv)
    return "" if done.returncode == 0 else _first_line(done.stderr) or "apt-get install failed"


def install_sqitch() -> str:
    return _apt_install(["sqitch", "libdbd-pg-perl"])


def install_sql_migrate() -> str:
    return _apt_install(["sql-migrate"])


INSTALLERS: dict[str, Callable[[], str]] = {
    "dbmate": install_dbmate,
    "yoyo": install_yoyo,
    "sqitch": install_sqitch,
    "sql-migrate": install_sql_migrate,
}


def ensure_peers(
    names: tuple[str, ...] = PEER_NAMES, log: Callable[[str], None] = print
) -> dict[str, Peer]:
    """Install each missing peer, then probe it; a failure becomes the peer's reason."""
    peers: dict[str, Peer] = {}
    for name in names:
        peer = FINDERS[name]()
        if not peer.available:
            log(f"installing {name} ...")
            problem = INSTALLERS[name]()
            peer = FINDERS[name]()
            if problem and not peer.available:
                peer = Peer(name, None, reason=problem)
        peers[name] = peer
    return peers


def describe(peer: Peer) -> str:
    if peer.available:
        return f"{peer.name:12} {peer.version}  ({peer.program})"
    return f"{peer.name:12} unavailable: {peer.reason}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only, install nothing")
    parser.add_argument("--profiler", action="store_true", help="also install py-spy/pyinstrument")
    args = parser.parse_args()
    peers = find_peers() if args.check else ensure_peers()
    for peer in peers.values():
        print(describe(peer))
    if args.profiler and not args.check:
        problem = install_profiler()
        print(f"{'profiler':12} " + (f"unavailable: {problem}" if problem else str(PROFILER_VENV)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
